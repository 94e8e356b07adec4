// The WebAssembly selective scan: same signatures and semantics as the fused reference kernels
// (src/kernels/reference/selective_scan.ts). Tasks are (batch row × block of SCAN_BLOCK channels);
// the backward's sums over channels and batch rows come back as per-task partials that sumRows
// adds up in a fixed order, so results do not depend on the thread count.

import type {
  SelectiveScanBackwardArgs, SelectiveScanForwardArgs, SelectiveScanStepArgs,
} from '../reference/selective_scan.js';
import { JOB_SCAN_BACKWARD, JOB_SCAN_FORWARD, ScanBackwardParams, ScanForwardParams } from './control.js';
import { WasmRuntime } from './runtime.js';

/** Channels per task: a multiple of 4 (one f32x4 holds 4 channels). Fixed, so that the partial sums never depend on the threads. */
export const SCAN_BLOCK = 32;

/** Below this many (b, t, e, n) elements a scan runs on the calling thread only. */
export const SCAN_PARALLEL_MIN = 1 << 16;

export interface ScanExports {
  sumRows(parts: number, out: number, rows: number, size: number): void;
  scanStep(x: number, dt: number, A: number, Bm: number, C: number, Dskip: number, bias: number, state: number, y: number, B: number, E: number, N: number, softplus: number): void;
}

export function makeWasmScan(rt: WasmRuntime) {
  const ex = rt.exports as unknown as ScanExports;

  /** The inputs forward and backward both read: their addresses in wasm memory (copied in unless resident). */
  function inputs(a: SelectiveScanForwardArgs | SelectiveScanBackwardArgs) {
    const { B, L, E, N } = a;
    return {
      x: rt.input(a.x, B * L * E),
      dt: rt.input(a.dt, B * L * E),
      A: rt.input(a.A, E * N),
      Bm: rt.input(a.Bm, B * L * N),
      C: rt.input(a.C, B * L * N),
      Dskip: rt.optionalInput(a.Dskip, E),
      bias: rt.optionalInput(a.deltaBias, E),
    };
  }

  function selectiveScanForward(a: SelectiveScanForwardArgs): void {
    const { B, L, E, N, T } = a;
    const nChunks = Math.ceil(L / T);
    rt.reset();
    const { x, dt, A, Bm, C, Dskip, bias } = inputs(a);
    const init = rt.optionalInput(a.initialState, B * E * N);
    const y = rt.output(a.y, B * L * E);
    const delta = rt.output(a.delta, B * L * E);
    const states = rt.output(a.chunkStates, B * nChunks * E * N);
    const fin = a.finalState ? rt.output(a.finalState, B * E * N) : 0;
    const blocks = Math.ceil(E / SCAN_BLOCK);
    const threads = B * L * E * N >= SCAN_PARALLEL_MIN ? rt.threads : 1;
    rt.scratch(threads, (2 * N + 3 * T + T * N) * 16);
    rt.setParams(ScanForwardParams, {
      x, dt, A, Bm, C, Dskip, deltaBias: bias, initialState: init, y, delta, chunkStates: states, finalState: fin,
      B, L, E, N, T, softplus: a.deltaSoftplus ? 1 : 0, channelBlock: SCAN_BLOCK,
    });
    rt.run(JOB_SCAN_FORWARD, B * blocks, threads);
    rt.writeBack(y, a.y, B * L * E);
    rt.writeBack(delta, a.delta, B * L * E);
    rt.writeBack(states, a.chunkStates, B * nChunks * E * N);
    if (a.finalState) rt.writeBack(fin, a.finalState, B * E * N);
  }

  function selectiveScanBackward(a: SelectiveScanBackwardArgs): void {
    const { B, L, E, N, T } = a;
    const nChunks = Math.ceil(L / T);
    const blocks = Math.ceil(E / SCAN_BLOCK);
    rt.reset();
    const { x, dt, A, Bm, C, Dskip, bias } = inputs(a);
    const delta = rt.input(a.delta, B * L * E);
    const states = rt.input(a.chunkStates, B * nChunks * E * N);
    const gradY = rt.input(a.gradY, B * L * E);
    const gradX = rt.output(a.gradX, B * L * E);
    const gradDt = rt.output(a.gradDt, B * L * E);
    const partA = rt.alloc(B * E * N);
    const partBm = rt.alloc(B * blocks * L * N);
    const partC = rt.alloc(B * blocks * L * N);
    const partDskip = a.gradDskip ? rt.alloc(B * E) : 0;
    const partBias = a.gradDeltaBias ? rt.alloc(B * E) : 0;
    const threads = B * L * E * N >= SCAN_PARALLEL_MIN ? rt.threads : 1;
    const groups = SCAN_BLOCK / 4;
    rt.scratch(threads, (4 * T * N + N + 4 * groups * N + 2 * groups + 5 * T) * 16);
    rt.setParams(ScanBackwardParams, {
      x, dt, A, Bm, C, Dskip, deltaBias: bias, delta, chunkStates: states, gradY, gradX, gradDt, partA, partBm, partC, partDskip, partBias,
      B, L, E, N, T, softplus: a.deltaSoftplus ? 1 : 0, channelBlock: SCAN_BLOCK,
    });
    rt.run(JOB_SCAN_BACKWARD, B * blocks, threads);
    rt.writeBack(gradX, a.gradX, B * L * E);
    rt.writeBack(gradDt, a.gradDt, B * L * E);
    // gradA [E, N] = Σ_b partA[b]; gradBm, gradC [b, L, N] = Σ_blocks part[b, block]; gradDskip, gradDeltaBias [E] = Σ_b.
    const sum = (parts: number, rows: number, size: number, dst: Float32Array, dstOffset: number) => {
      const out = rt.alloc(size);
      ex.sumRows(parts, out, rows, size);
      rt.copyOut(out, dst, size, dstOffset);
    };
    sum(partA, B, E * N, a.gradA, 0);
    for (let b = 0; b < B; b++) {
      sum(partBm + b * blocks * L * N * 4, blocks, L * N, a.gradBm, b * L * N);
      sum(partC + b * blocks * L * N * 4, blocks, L * N, a.gradC, b * L * N);
    }
    if (a.gradDskip) sum(partDskip, B, E, a.gradDskip, 0);
    if (a.gradDeltaBias) sum(partBias, B, E, a.gradDeltaBias, 0);
  }

  function selectiveScanStep(a: SelectiveScanStepArgs): void {
    const { B, E, N } = a;
    rt.reset();
    const x = rt.input(a.x, B * E);
    const dt = rt.input(a.dt, B * E);
    const A = rt.input(a.A, E * N);
    const Bm = rt.input(a.Bm, B * N);
    const C = rt.input(a.C, B * N);
    const Dskip = rt.optionalInput(a.Dskip, E);
    const bias = rt.optionalInput(a.deltaBias, E);
    const state = rt.input(a.state, B * E * N);
    const y = rt.output(a.y, B * E);
    ex.scanStep(x, dt, A, Bm, C, Dskip, bias, state, y, B, E, N, a.deltaSoftplus ? 1 : 0);
    rt.writeBack(state, a.state, B * E * N);
    rt.writeBack(y, a.y, B * E);
  }

  return { selectiveScanForward, selectiveScanBackward, selectiveScanStep };
}
