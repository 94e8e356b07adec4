// The WebAssembly generation step of a Mamba mixer (assembly/mamba_step.ts): same arguments and
// results as the reference mambaStep. Per layer and token: in_proj, x_proj and out_proj as
// matrix-vector jobs split over columns, the conv step with SiLU as one direct call, and one job
// over channel blocks for Δ, the state update and the gate. Weights and states are read and
// updated in place when resident (parameters and MambaMixer.initState are), so a token copies
// only its [B, D] input and output.

import type { MambaStepArgs } from '../reference/mamba_step.js';
import { JOB_GEMV, JOB_MAMBA_CHANNELS } from './control.js';
import { WasmRuntime } from './runtime.js';

/**
 * Multiply-adds below which a matrix-vector product stays on the calling thread. A d 128 model
 * (in_proj 128 × 512 = 65,536) generated at 0.91× the one-thread speed with its products split.
 */
export const GEMV_PARALLEL_MIN = 1 << 17;
/** (b, e, n) elements below which the channel job stays on the calling thread (~2 ns each: ~16 µs). */
export const STEP_CHANNELS_PARALLEL_MIN = 1 << 13;
/** Channel blocks: a multiple of 4 (dotRows and the lanes group channels by 4). */
export const STEP_CHANNEL_BLOCK = 64;
/**
 * Column chunks per thread of a matrix-vector job. One: the caller claims the first chunk before
 * a worker wakes, so each thread streams the same part of every matrix at every token and finds
 * some of it still in its L2 (d 256: 2–3 % more tokens/s than 4 chunks per thread, three runs
 * each). A late worker still only delays: the caller then takes its chunk too.
 */
const TASKS_PER_THREAD = 1;

interface StepExports {
  convStepSilu(xz: number, state: number, w: number, bias: number, out: number, B: number, E: number, K: number): void;
}

export function makeWasmMambaStep(rt: WasmRuntime) {
  const ex = rt.exports as unknown as StepExports;

  /** out [m, n] = x [m, k] · W [n, k]ᵀ (+ bias), all addresses. */
  function gemv(x: number, w: number, out: number, m: number, k: number, n: number, bias: number): void {
    const threads = m * k * n >= GEMV_PARALLEL_MIN ? rt.threads : 1;
    // Column chunks of a multiple of 4 columns, claimed dynamically.
    const chunk = Math.ceil(n / (TASKS_PER_THREAD * threads) / 4) * 4;
    rt.setParams([x, w, out, m, k, n, chunk, bias]);
    rt.run(JOB_GEMV, Math.ceil(n / chunk), threads);
  }

  function mambaStep(a: MambaStepArgs): void {
    const { B, D, E, N, R, K } = a;
    const P = R + 2 * N;
    rt.reset();
    const x = rt.input(a.x, B * D);
    const convState = rt.input(a.convState, B * E * (K - 1));
    const ssmState = rt.input(a.ssmState, B * E * N);
    const xz = rt.alloc(B * 2 * E);
    const xs = rt.alloc(B * E);
    const xdbl = rt.alloc(B * P);
    const dt = rt.alloc(B * E);
    const y = rt.alloc(B * E);
    const out = rt.alloc(B * D);

    gemv(x, rt.input(a.inProj, 2 * E * D), xz, B, D, 2 * E, rt.optionalInput(a.inBias, 2 * E));
    ex.convStepSilu(xz, convState, rt.input(a.convWeight, E * K), rt.optionalInput(a.convBias, E), xs, B, E, K);
    gemv(xs, rt.input(a.xProj, P * E), xdbl, B, E, P, 0);
    const channelThreads = B * E * N >= STEP_CHANNELS_PARALLEL_MIN ? rt.threads : 1;
    rt.setParams([
      xs, xdbl, rt.input(a.dtProj, E * R), rt.input(a.dtBias, E), rt.input(a.A, E * N), rt.optionalInput(a.Dskip, E),
      xz, ssmState, y, dt, B, E, N, R, STEP_CHANNEL_BLOCK,
    ]);
    rt.run(JOB_MAMBA_CHANNELS, Math.ceil(E / STEP_CHANNEL_BLOCK), channelThreads);
    gemv(y, rt.input(a.outProj, D * E), out, B, E, D, rt.optionalInput(a.outBias, D));

    rt.writeBack(convState, a.convState, B * E * (K - 1));
    rt.writeBack(ssmState, a.ssmState, B * E * N);
    rt.copyOut(out, a.out, B * D);
  }

  return { mambaStep };
}
