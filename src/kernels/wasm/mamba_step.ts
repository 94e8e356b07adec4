// The WebAssembly generation step of a Mamba block (assembly/mamba_step.ts): same arguments and
// results as the reference mambaStep. One phased pool job per layer and token: in_proj (with
// the block's RMSNorm) and the conv step, x_proj, the channels (Δ, state update, gate), out_proj
// (with the residual), for the last block the final norm and the head, the threads meeting at a
// barrier between phases instead of a new job per stage. Weights and states are read and
// updated in place when resident (parameters and MambaMixer.initState are), so a token copies
// only its [B, D] input and output.

import type { MambaStepArgs } from '../reference/mamba_step.js';
import { JOB_MAMBA_STEP, MambaStepParams } from './control.js';
import { WasmRuntime } from './runtime.js';
import { formatWords, WeightFormat } from '../weight_format.js';
import { int8RowBytes } from '../int8.js';

/**
 * in_proj multiply-adds below which the step stays on the calling thread. A d 128 model
 * (in_proj 128 × 512 = 65,536) generated 9,200–11,500 tokens/s with the phased job on 2 threads
 * against 7,300–8,300 on one (with a job per stage, splitting had made it 0.91× as fast).
 */
export const STEP_PARALLEL_MIN = 1 << 15;
/** Channels per task of the channel phase (a multiple of 4: the lanes group channels by 4). */
export const STEP_CHANNEL_BLOCK = 64;

/** MambaStepParams.weights and headWeights: each format's code in assembly/mamba_step.ts. */
export const WEIGHT_CODES: Record<WeightFormat, number> = { f32: 0, bf16: 1, int8: 2 };

/** The tasks of each phase (in, x, channels, out, head) of a step of shape `a` on `threads` threads. */
export function stepTasks(a: { E: number; N: number; R: number }, threads: number, head: boolean): number[] {
  // One task per thread for the matrix-vector phases: the caller claims the first before a
  // worker wakes, so each thread streams the same part of every matrix at every token and finds
  // some of it still in its L2 (d 256: 2–3 % more tokens/s than 4 tasks per thread).
  return [threads, Math.min(threads, Math.ceil((a.R + 2 * a.N) / 8)), Math.ceil(a.E / STEP_CHANNEL_BLOCK), threads, head ? threads : 0];
}

/** Threads a step of shape `a` runs on: all of them from STEP_PARALLEL_MIN multiply-adds of in_proj. */
export function stepThreads(rt: WasmRuntime, a: { B: number; D: number; E: number }): number {
  return a.B * a.D * 2 * a.E >= STEP_PARALLEL_MIN ? rt.threads : 1;
}

/** Bytes of scratch per thread: a normalised row of x (f32, 64-byte aligned), then an activation row rounded to i16 for int8 weights. */
export function stepScratchBytes(a: { D: number; E: number }): number {
  return Math.ceil(a.D / 16) * 64 + 2 * int8RowBytes(Math.max(a.D, a.E));
}

/** Where a step's arrays are: the byte addresses of its buffers and states. */
export interface StepBuffers {
  x: number; out: number; xz: number; xs: number; xdbl: number; dt: number; y: number;
  convState: number; ssmState: number; logits: number;
}

/** The MambaStepParams of step `a` whose arrays are at `bufs` (weights through rt.input: resident ones in place). */
export function stepParams(rt: WasmRuntime, a: MambaStepArgs, bufs: StepBuffers, tasks: number[]): { [K in keyof typeof MambaStepParams]: number } {
  const { B, D, E, N, R, K } = a;
  const P = R + 2 * N;
  const format = a.weights ?? 'f32';
  const head = a.head ?? null;
  const headFormat = head?.weights ?? 'f32';
  const words = (rows: number, cols: number, f = format) => formatWords(f, rows, cols);
  return {
    x: bufs.x, normW: a.norm ? rt.input(a.norm.weight, D) : 0, eps: a.norm?.eps ?? 0,
    inW: rt.input(a.inProj, words(2 * E, D)), inBias: rt.optionalInput(a.inBias, 2 * E), xz: bufs.xz,
    convW: rt.input(a.convWeight, E * K), convBias: rt.optionalInput(a.convBias, E), convState: bufs.convState, xs: bufs.xs,
    xW: rt.input(a.xProj, words(P, E)), xdbl: bufs.xdbl,
    dtW: rt.input(a.dtProj, E * R), deltaBias: rt.input(a.deltaBias, E), A: rt.input(a.A, E * N), Dskip: rt.optionalInput(a.Dskip, E),
    ssmState: bufs.ssmState, y: bufs.y, dt: bufs.dt,
    outW: rt.input(a.outProj, words(D, E)), outBias: rt.optionalInput(a.outBias, D), out: bufs.out, residual: a.residual ? 1 : 0,
    B, D, E, N, R, K,
    tasksIn: tasks[0], tasksX: tasks[1], tasksChannels: tasks[2], tasksOut: tasks[3], tasksHead: tasks[4],
    headW: head ? rt.input(head.weight, words(head.V, D, headFormat)) : 0, headNormW: head ? rt.input(head.norm.weight, D) : 0,
    headEps: head?.norm.eps ?? 0, logits: bufs.logits, V: head?.V ?? 0,
    weights: WEIGHT_CODES[format], headWeights: WEIGHT_CODES[headFormat],
  };
}

/** The parameters of MambaStepParams that are f32. */
export const STEP_FLOAT_PARAMS = ['eps', 'headEps'] as const;

export function makeWasmMambaStep(rt: WasmRuntime) {
  function mambaStep(a: MambaStepArgs): void {
    const { B, D, E, N, R, K } = a;
    const head = a.head ?? null;
    const threads = stepThreads(rt, a);
    const tasks = stepTasks(a, threads, head !== null);
    rt.reset();
    const bufs: StepBuffers = {
      x: rt.input(a.x, B * D), convState: rt.input(a.convState, B * E * (K - 1)), ssmState: rt.input(a.ssmState, B * E * N),
      xz: rt.alloc(B * 2 * E), xs: rt.alloc(B * E), xdbl: rt.alloc(B * (R + 2 * N)), dt: rt.alloc(B * E), y: rt.alloc(B * E),
      out: rt.output(a.out, B * D), logits: head ? rt.output(head.logits, B * head.V) : 0,
    };
    rt.scratch(threads, stepScratchBytes(a));
    rt.setParams(MambaStepParams, stepParams(rt, a, bufs, tasks), STEP_FLOAT_PARAMS);
    const ends: number[] = [];
    tasks.reduce((end, n) => (ends.push(end + n), end + n), 0);
    rt.run(JOB_MAMBA_STEP, ends[ends.length - 1], threads, ends);
    rt.writeBack(bufs.convState, a.convState, B * E * (K - 1));
    rt.writeBack(bufs.ssmState, a.ssmState, B * E * N);
    rt.writeBack(bufs.out, a.out, B * D);
    if (head) rt.writeBack(bufs.logits, head.logits, B * head.V);
  }

  return { mambaStep };
}
