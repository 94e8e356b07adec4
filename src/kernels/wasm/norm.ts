// The wasm RMSNorm: same signatures as src/kernels/reference/norm.ts (LayerNorm stays the
// reference one). Tasks are blocks of NORM_ROWS rows, a number fixed so that the weight
// gradient's partial sums do not depend on the thread count.

import { layerNormBackward, layerNormForward } from '../reference/norm.js';
import { JOB_RMSNORM_BACKWARD, JOB_RMSNORM_FORWARD, RmsNormBackwardParams, RmsNormForwardParams } from './control.js';
import { WasmRuntime } from './runtime.js';

export const NORM_ROWS = 32;
/** Below this many elements a row-wise kernel stays on the calling thread. */
export const ROWS_PARALLEL_MIN = 1 << 16;

interface SumRows {
  sumRows(parts: number, out: number, rows: number, size: number): void;
}

export function makeWasmNorm(rt: WasmRuntime) {
  const ex = rt.exports as unknown as SumRows;
  const threads = (n: number) => (n >= ROWS_PARALLEL_MIN ? rt.threads : 1);

  function rmsNormForward(x: Float32Array, weight: Float32Array, out: Float32Array, rstd: Float32Array, rows: number, D: number, eps: number): void {
    if (rows === 0) return;
    rt.reset();
    const px = rt.input(x, rows * D);
    const pw = rt.input(weight, D);
    const po = rt.output(out, rows * D);
    const pr = rt.output(rstd, rows);
    rt.setParams(RmsNormForwardParams, { x: px, weight: pw, out: po, rstd: pr, rows, D, eps, rowsPerTask: NORM_ROWS }, ['eps']);
    rt.run(JOB_RMSNORM_FORWARD, Math.ceil(rows / NORM_ROWS), threads(rows * D));
    rt.writeBack(po, out, rows * D);
    rt.writeBack(pr, rstd, rows);
  }

  function rmsNormBackward(
    gradOut: Float32Array, x: Float32Array, weight: Float32Array, rstd: Float32Array,
    gradX: Float32Array | null, gradWeight: Float32Array | null, rows: number, D: number,
  ): void {
    if (rows === 0 || (!gradX && !gradWeight)) return;
    const tasks = Math.ceil(rows / NORM_ROWS);
    rt.reset();
    const pg = rt.input(gradOut, rows * D);
    const px = rt.input(x, rows * D);
    const pw = rt.input(weight, D);
    const pr = rt.input(rstd, rows);
    const pgx = gradX ? rt.output(gradX, rows * D) : 0;
    const ppw = gradWeight ? rt.alloc(tasks * D) : 0;
    rt.setParams(RmsNormBackwardParams, { gradOut: pg, x: px, weight: pw, rstd: pr, gradX: pgx, partW: ppw, rows, D, rowsPerTask: NORM_ROWS });
    rt.run(JOB_RMSNORM_BACKWARD, tasks, threads(rows * D));
    if (gradX) rt.writeBack(pgx, gradX, rows * D);
    if (gradWeight) {
      const sum = rt.alloc(D);
      ex.sumRows(ppw, sum, tasks, D);
      const f = rt.f32;
      for (let d = 0; d < D; d++) gradWeight[d] += f[(sum >>> 2) + d];
    }
  }

  return { rmsNormForward, rmsNormBackward, layerNormForward, layerNormBackward };
}
