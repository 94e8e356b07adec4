// The formats a generation step's weight matrices may be kept in (src/ops/mamba_step.ts):
//   f32   as trained;
//   bf16  packed bf16 rows (src/kernels/bf16.ts): half the bytes, 8 significant bits;
//   int8  int8 rows with a scale per row (src/kernels/int8.ts): a quarter of the bytes.
// The arithmetic stays f32 (int8: exact integer sums, scaled).

import { bf16RowWords, packBf16Rows, unpackBf16Row, unpackBf16Rows } from './bf16.js';
import { int8RowBytes, int8Words, packInt8Rows, unpackInt8Row, unpackInt8Rows } from './int8.js';

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

/**
 * Packs rows [firstRow, firstRow + n) of a [rows, cols] matrix, given as f32 w [n, cols], into
 * `words` (the whole matrix in `format`): a loader packs a large matrix a block of rows at a time.
 */
export function packRowsAt(format: Exclude<WeightFormat, 'f32'>, w: Float32Array, n: number, cols: number, words: Float32Array, rows: number, firstRow: number): void {
  const part = packRowsAs(format, w, n, cols);
  if (format === 'bf16') {
    words.set(part, firstRow * bf16RowWords(cols));
    return;
  }
  // int8 rows: the rows' weights, then one scale per row (src/kernels/int8.ts).
  const rowWords = int8RowBytes(cols) / 4;
  words.set(part.subarray(0, n * rowWords), firstRow * rowWords);
  words.set(part.subarray(n * rowWords), rows * rowWords + firstRow);
}

/** A matrix in `format` → the f32 weights it stands for [rows, cols] (in `out` when given; f32: packed itself, or copied to out). */
export function unpackRowsAs(format: WeightFormat, packed: Float32Array, rows: number, cols: number, out?: Float32Array): Float32Array {
  if (format === 'bf16') return unpackBf16Rows(packed, rows, cols, out);
  if (format === 'int8') return unpackInt8Rows(packed, rows, cols, out);
  if (out) out.set(packed);
  return out ?? packed;
}

/** Row r of a [rows, cols] matrix in a packed format, as f32, written to out from `offset`. */
export function unpackRowAs(format: Exclude<WeightFormat, 'f32'>, packed: Float32Array, rows: number, cols: number, r: number, out: Float32Array, offset: number): void {
  if (format === 'bf16') unpackBf16Row(packed, cols, r, out, offset);
  else unpackInt8Row(packed, rows, cols, r, out, offset);
}
