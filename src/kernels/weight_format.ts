// The formats a generation step's weight matrices may be kept in (src/ops/mamba_step.ts):
//   f32   as trained;
//   bf16  packed bf16 rows (src/kernels/bf16.ts): half the bytes, 8 significant bits;
//   int8  int8 rows with a scale per row (src/kernels/int8.ts): a quarter of the bytes.
// The arithmetic stays f32 (int8: exact integer sums, scaled).

import { bf16RowWords, packBf16Rows, unpackBf16Rows } from './bf16.js';
import { int8Words, packInt8Rows, unpackInt8Rows } from './int8.js';

export type WeightFormat = 'f32' | 'bf16' | 'int8';

export const WEIGHT_FORMATS: readonly WeightFormat[] = ['f32', 'bf16', 'int8'];

/** 32-bit words of a [rows, cols] matrix in `format`. */
export function formatWords(format: WeightFormat, rows: number, cols: number): number {
  if (format === 'bf16') return rows * bf16RowWords(cols);
  if (format === 'int8') return int8Words(rows, cols);
  return rows * cols;
}

/** w [rows, cols] f32 → the same matrix in `format` (f32: w itself). */
export function packRowsAs(format: WeightFormat, w: Float32Array, rows: number, cols: number): Float32Array {
  if (format === 'bf16') return packBf16Rows(w, rows, cols);
  if (format === 'int8') return packInt8Rows(w, rows, cols);
  return w;
}

/** A matrix in `format` → the f32 weights it stands for [rows, cols]. */
export function unpackRowsAs(format: WeightFormat, packed: Float32Array, rows: number, cols: number): Float32Array {
  if (format === 'bf16') return unpackBf16Rows(packed, rows, cols);
  if (format === 'int8') return unpackInt8Rows(packed, rows, cols);
  return packed;
}
