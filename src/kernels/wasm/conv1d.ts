// The wasm causal depthwise conv1d: same signatures as src/kernels/reference/conv1d.ts, with
// the SiLU after it fused in when `pre` is given.
// The weight [C, K] is copied in transposed to [K, C] (one tap of 4 channels = one vector load);
// tasks are (batch row × CONV_STEPS time steps).

import { conv1dStep } from '../reference/conv1d.js';
import { Conv1dBackwardParams, Conv1dForwardParams, JOB_CONV1D_BACKWARD, JOB_CONV1D_FORWARD } from './control.js';
import { WasmRuntime } from './runtime.js';

/** Time steps per task: independent of the thread count, so the gradient partials are too. */
export const CONV_STEPS = 64;

/** Below this many multiply-adds a conv1d stays on the calling thread. */
export const CONV_PARALLEL_MIN = 1 << 18;

interface SumRows {
  sumRows(parts: number, out: number, rows: number, size: number): void;
}

export function makeWasmConv1d(rt: WasmRuntime) {
  const ex = rt.exports as unknown as SumRows;

  function weightIn(weight: Float32Array, C: number, K: number): number {
    const p = rt.alloc(K * C);
    const f = rt.f32;
    const base = p >>> 2;
    for (let c = 0; c < C; c++) for (let j = 0; j < K; j++) f[base + j * C + c] = weight[c * K + j];
    return p;
  }

  function conv1dForward(
    x: Float32Array, weight: Float32Array, bias: Float32Array | null, out: Float32Array,
    B: number, L: number, C: number, K: number, pre: Float32Array | null = null,
  ): void {
    const n = B * L * C;
    if (n === 0) return;
    rt.reset();
    const px = rt.input(x, n);
    const pw = weightIn(weight, C, K);
    const pb = bias ? rt.input(bias, C) : 0;
    const po = rt.output(out, n);
    const pp = pre ? rt.output(pre, n) : 0;
    rt.setParams(Conv1dForwardParams, { x: px, wT: pw, bias: pb, out: po, B, L, C, K, LC: CONV_STEPS, pre: pp });
    rt.run(JOB_CONV1D_FORWARD, B * Math.ceil(L / CONV_STEPS), n * K >= CONV_PARALLEL_MIN ? rt.threads : 1);
    rt.writeBack(po, out, n);
    if (pre) rt.writeBack(pp, pre, n);
  }

  function conv1dBackward(
    gradOut: Float32Array, x: Float32Array, weight: Float32Array,
    gradX: Float32Array | null, gradWeight: Float32Array | null, gradBias: Float32Array | null,
    B: number, L: number, C: number, K: number, pre: Float32Array | null = null,
  ): void {
    const n = B * L * C;
    if (n === 0) {
      gradX?.fill(0);
      return;
    }
    const tasks = B * Math.ceil(L / CONV_STEPS);
    rt.reset();
    const pg = rt.input(gradOut, n);
    const px = rt.input(x, n);
    const pw = weightIn(weight, C, K);
    const pgx = gradX ? rt.output(gradX, n) : 0;
    const ppw = gradWeight ? rt.alloc(tasks * K * C) : 0;
    const ppb = gradBias ? rt.alloc(tasks * C) : 0;
    const threads = n * K >= CONV_PARALLEL_MIN ? rt.threads : 1;
    const pp = pre ? rt.input(pre, n) : 0;
    if (pre) rt.scratch(threads, (CONV_STEPS + K - 1) * C * 4); // the task's rows of g ⊙ SiLU'(pre)
    rt.setParams(Conv1dBackwardParams, { gradOut: pg, x: px, wT: pw, gradX: pgx, partW: ppw, partBias: ppb, B, L, C, K, LC: CONV_STEPS, pre: pp });
    rt.run(JOB_CONV1D_BACKWARD, tasks, threads);
    if (gradX) rt.writeBack(pgx, gradX, n);
    if (gradWeight) {
      const sum = rt.alloc(K * C);
      ex.sumRows(ppw, sum, tasks, K * C);
      const f = rt.f32;
      const base = sum >>> 2;
      for (let c = 0; c < C; c++) for (let j = 0; j < K; j++) gradWeight[c * K + j] += f[base + j * C + c];
    }
    if (gradBias) {
      const sum = rt.alloc(C);
      ex.sumRows(ppb, sum, tasks, C);
      const f = rt.f32;
      for (let c = 0; c < C; c++) gradBias[c] += f[(sum >>> 2) + c];
    }
  }

  return { conv1dForward, conv1dBackward, conv1dStep };
}
