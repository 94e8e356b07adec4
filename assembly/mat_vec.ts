// Matrix-vector products of a generation step: out[b] = x[b]·Wᵀ for a few rows x [B, k] and a
// weight W [n, k] kept in f32, packed bf16 rows or int8 rows (src/kernels/weight_format.ts). The
// fused Mamba step calls matVec inside its phases; JOB_MAT_VEC runs it alone for the linear layers
// of the blocks without a fused step (Mamba-2, attention) and the model's head, split over the
// output columns: at batch 1 each thread streams its share of W once.

import { param, scratchOf, MatVecParams } from './control';
import { dotRows, dotRowsBf16 } from './matmul';
import { dotRowsInt8, quantizeRow } from './int8';
import { f4 } from './lanes';
import { rmsNormRow } from './norm';

// Weight formats (MatVecParams.weights, MambaStepParams.weights and headWeights).
export const F32: i32 = 0;
export const BF16: i32 = 1;
export const INT8: i32 = 2;

/** [first, end) of task `task` out of `tasks` over `total` items, in runs of a multiple of 4. */
@inline export function spanStart(total: i32, tasks: i32, task: i32): i32 {
  return task * (((total + tasks - 1) / tasks + 3) & ~3);
}

@inline export function spanEnd(total: i32, tasks: i32, task: i32): i32 {
  return min(total, spanStart(total, tasks, task + 1));
}

/** The activation row x [k] as the format multiplies it: for int8, rounded to i16 into q; returns its scale. */
@inline export function prepare(format: i32, x: usize, k: i32, q: usize): f32 {
  return format == INT8 ? quantizeRow(x, k, q) : 1;
}

/**
 * out[j] = x · w[j] for j0 ≤ j < j1, w [rows, k] in f32, packed bf16 or int8 rows; for int8, q
 * and xs are prepare's rounding of x.
 */
@inline export function matVec(format: i32, x: usize, q: usize, xs: f32, w: usize, out: usize, rows: i32, k: i32, j0: i32, j1: i32): void {
  if (format == INT8) dotRowsInt8(q, xs, w, out, rows, k, j0, j1);
  else if (format == BF16) dotRowsBf16(x, w, out, k, j0, j1);
  else dotRows(x, w, out, k, j0, j1, false);
}

/** One task of JOB_MAT_VEC: its span of the columns, for every row (the thread's scratch holds the rounded row). */
export function matVecTask(ctl: usize, task: i32, tid: i32): void {
  const B = param(ctl, MatVecParams.B), k = param(ctl, MatVecParams.k), n = param(ctl, MatVecParams.n);
  const x = <usize>param(ctl, MatVecParams.x), w = <usize>param(ctl, MatVecParams.w), out = <usize>param(ctl, MatVecParams.out);
  const format = param(ctl, MatVecParams.weights);
  const tasks = param(ctl, MatVecParams.tasks);
  const j0 = spanStart(n, tasks, task), j1 = spanEnd(n, tasks, task);
  const q = scratchOf(ctl, tid);
  for (let b = 0; b < B; b++) {
    const xr = f4(x, b * k);
    matVec(format, xr, q, prepare(format, xr, k, q), w, f4(out, b * n), n, k, j0, j1);
  }
}

/** row[j] += src[j] for j0 ≤ j < j1 (a bias, or the residual). */
@inline export function addSpan(row: usize, src: usize, j0: i32, j1: i32): void {
  for (let j = j0; j < j1; j++) store<f32>(f4(row, j), load<f32>(f4(row, j)) + load<f32>(f4(src, j)));
}

/**
 * A block's out_proj for columns j0 ≤ j < j1 of every row b: out[b] = y[b]·Wᵀ (+ bias) (+ res[b],
 * the residual; 0: none), y [B, k], W [n, k] in `format`, q the thread's rounding scratch.
 */
export function projectRows(format: i32, y: usize, k: i32, w: usize, out: usize, n: i32, bias: usize, res: usize, B: i32, j0: i32, j1: i32, q: usize): void {
  for (let b = 0; b < B; b++) {
    const row = f4(out, b * n);
    const yr = f4(y, b * k);
    matVec(format, yr, q, prepare(format, yr, k, q), w, row, n, k, j0, j1);
    if (bias) addSpan(row, bias, j0, j1);
    if (res) addSpan(row, f4(res, b * n), j0, j1);
  }
}

/**
 * The model's head after its last block, for vocabulary columns j0 ≤ j < j1 of every row b:
 * logits[b] = RMSNorm(h[b])·Wᵀ, h [B, D], W [V, D] in `format`; xn and q the thread's scratch.
 */
export function headRows(format: i32, h: usize, D: i32, normW: usize, eps: f32, w: usize, logits: usize, V: i32, B: i32, j0: i32, j1: i32, xn: usize, q: usize): void {
  for (let b = 0; b < B; b++) {
    rmsNormRow(f4(h, b * D), normW, xn, D, eps);
    matVec(format, xn, q, prepare(format, xn, D, q), w, f4(logits, b * V), V, D, j0, j1);
  }
}
