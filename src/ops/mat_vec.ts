// matVec: x·Wᵀ for a weight W kept in a compact format (packed bf16 or int8 rows: a PackedMatrix
// made by packRows), the linear layers of a generation step outside the fused Mamba step (Mamba-2
// and Falcon Mamba mixers, a head after them). Generation only: no gradient is recorded. Reference
// kernel: kernels().matVec (src/kernels/reference/mat_vec.ts); fast: assembly/mat_vec.ts.

import { Tensor, shapeStr } from '../tensor/tensor.js';
import { kernels } from '../kernels/backend.js';
import { allocOutput } from '../kernels/memory.js';
import type { PackedMatrix } from './mamba_step.js';

/** x [..., cols] · Wᵀ (+ bias [rows]) for W [rows, cols] in w.format → [..., rows]. */
export function matVec(x: Tensor, w: PackedMatrix, bias?: Tensor | null): Tensor {
  const { rows, cols } = w;
  if (x.ndim < 1 || x.shape[x.ndim - 1] !== cols) throw new Error(`matVec: input ${shapeStr(x.shape)} does not end in ${cols} (weight [${rows}, ${cols}] in ${w.format})`);
  const m = x.size / cols;
  const out = allocOutput(m * rows);
  kernels().matVec({ m, k: cols, n: rows, x: x.data, w: w.data, weights: w.format, out });
  if (bias) for (let r = 0; r < m; r++) for (let j = 0; j < rows; j++) out[r * rows + j] += bias.data[j];
  return new Tensor(out, [...x.shape.slice(0, -1), rows]);
}
