// Matrix-vector products of a generation step: out = x·Wᵀ (+ bias) for a few rows x [m, k] and a
// weight W [n, k] kept in f32, packed bf16 rows or int8 rows (src/kernels/weight_format.ts). bf16
// multiplies with the f32 values it stands for; int8 is int8MatVec, the integer product the fast
// kernels compute (the activation row rounded to 16 bits, exact integer sums, scaled).

import { matmul } from './matmul.js';
import { int8MatVec } from '../int8.js';
import { unpackRowsAs, WeightFormat } from '../weight_format.js';

export interface MatVecArgs {
  /** Rows of x, columns of x (= of W), rows of W (= columns of out). */
  m: number; k: number; n: number;
  x: Float32Array; // [m, k]
  w: Float32Array; // [n, k] in `weights`' format
  weights: WeightFormat;
  out: Float32Array; // [m, n], written
}

export function matVec(a: MatVecArgs): void {
  linearRows(a.x, a.w, null, a.out, a.m, a.k, a.n, a.weights);
}

/** out = x·Wᵀ (+ bias) for x [m, k], W [n, k] in `format`. */
export function linearRows(x: Float32Array, w: Float32Array, bias: Float32Array | null, out: Float32Array, m: number, k: number, n: number, format: WeightFormat = 'f32'): void {
  if (format === 'int8') {
    for (let i = 0; i < m; i++) int8MatVec(x.subarray(i * k, (i + 1) * k), w, n, k, out.subarray(i * n, (i + 1) * n));
  } else {
    const weights = unpackRowsAs(format, w, n, k);
    matmul(x, weights, out, { batch: 1, m, k, n, transA: false, transB: true, strideA: 0, strideB: 0, accumulate: false });
  }
  if (!bias) return;
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) out[i * n + j] += bias[j];
}
