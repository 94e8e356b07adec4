// Packed parameters: a model built to be loaded in bf16 or int8 (buildPacked) keeps each Linear
// and Embedding matrix [rows, cols] only in that format (src/kernels/weight_format.ts, the rows
// generation's fused step reads), never as f32. Its peak memory is then the model in its kept
// precision, which is what lets mamba-1.4b-hf and larger load in the 4 GiB wasm memory.
//
// The model's f32 paths (the chunked forward of a prefill, Mamba-2's and Falcon Mamba's steps)
// still multiply with f32 matrices: unpack(t) fills a scratch array shared by every packed matrix
// of t's shape with t's weights, and makes it t's `data`, just before use (Linear.forward, a mixer
// that splits its in_proj, the head). The scratch is made at the first unpack (until then `data`
// is a zero array the system has not backed with memory), so a model that only steps through
// fused Mamba blocks never holds an f32 matrix. That costs O(weights)
// per call against the matmul's O(tokens × weights): little for a prefill chunk, as much as the
// step itself for a one-token step (the fused Mamba step reads the packed rows directly instead).
// Embedding lookups unpack only the rows they read. A packed model cannot be trained (its
// parameters need no gradient, and AdamW refuses them) nor saved.

import { Tensor, shapeStr } from '../tensor/tensor.js';
import { markPacked, packedWeight, type PackedFormat, type PackedWeight } from '../tensor/packed.js';
import { kernels } from '../kernels/backend.js';
import { formatWords, packRowsAt, unpackRowAs, unpackRowsAs } from '../kernels/weight_format.js';

export { packedWeight, type PackedFormat, type PackedWeight };
/** Which packed tensor's weights each scratch array holds now. */
const holder = new WeakMap<Float32Array, Tensor>();

/** A packed model's scratch arrays, by shape (one per model, so that models do not share). */
const scratchOf = new WeakMap<PackedWeight, Map<string, Float32Array>>();

let building: { format: PackedFormat; scratch: Map<string, Float32Array> } | null = null;

/**
 * Builds a model with fn (createModel) whose Linear and Embedding matrices are packed in `format`:
 * zero weights to be set by the loader (setPacked), no f32 copy, no random initialisation.
 */
export function buildPacked<T>(format: PackedFormat, fn: () => T): T {
  if (building) throw new Error('buildPacked: already building a packed model');
  building = { format, scratch: new Map() };
  try {
    return fn();
  } finally {
    building = null;
  }
}

/** The format matrices are packed in while buildPacked runs; null otherwise (Linear and Embedding then initialise as usual). */
export function packedBuildFormat(): PackedFormat | null {
  return building?.format ?? null;
}

/** A packed matrix parameter [rows, cols] of the model being built: zero words; its f32 data comes with the first unpack. */
export function packedTensor(rows: number, cols: number): Tensor {
  if (!building) throw new Error('packedTensor: only while buildPacked runs');
  // A zeroed array the size of the matrix is never written, so the system backs it with no memory.
  const t = new Tensor(new Float32Array(rows * cols), [rows, cols]);
  const { format } = building;
  const p: PackedWeight = { format, rows, cols, words: kernels().residentCopy(new Float32Array(formatWords(format, rows, cols))) };
  markPacked(t, p);
  scratchOf.set(p, building.scratch);
  return t;
}

/** Makes t.data hold t's f32 weights (unpacking them into the scratch of its shape unless it holds them already); t itself. */
export function unpack(t: Tensor): Tensor {
  const p = packedWeight(t);
  if (!p || holder.get(t.data) === t) return t;
  const scratches = scratchOf.get(p)!;
  const key = `${p.rows}x${p.cols}`;
  let scratch = scratches.get(key);
  if (!scratch) scratches.set(key, (scratch = kernels().residentCopy(new Float32Array(p.rows * p.cols))));
  t.data = scratch;
  unpackRowsAs(p.format, p.words, p.rows, p.cols, scratch);
  holder.set(scratch, t);
  return t;
}

/** Sets packed parameter t from f32 weights w [rows, cols]. */
export function setPacked(t: Tensor, w: Float32Array, name: string): void {
  const p = packedWeight(t)!;
  if (w.length !== p.rows * p.cols) throw new Error(`setPacked: tensor ${name} has ${w.length} values, the model expects ${shapeStr(t.shape)}`);
  setPackedRows(t, w, 0);
}

/** Sets rows [firstRow, firstRow + w.length / cols) of packed parameter t from f32 weights (a loader streams a matrix by blocks of rows). */
export function setPackedRows(t: Tensor, w: Float32Array, firstRow: number): void {
  const p = packedWeight(t)!;
  packRowsAt(p.format, w, w.length / p.cols, p.cols, p.words, p.rows, firstRow);
  if (holder.get(t.data) === t) holder.delete(t.data);
}

/** Rows `ids` of packed t [rows, cols] as f32 → out [ids.length · cols] (an embedding lookup: only those rows are unpacked). */
export function gatherRows(t: Tensor, ids: Int32Array, out: Float32Array): void {
  const p = packedWeight(t)!;
  for (let i = 0; i < ids.length; i++) {
    if (!(ids[i] >= 0 && ids[i] < p.rows)) throw new Error(`embedding: id ${ids[i]} at position ${i} is outside the vocabulary [0, ${p.rows})`);
    unpackRowAs(p.format, p.words, p.rows, p.cols, ids[i], out, i * p.cols);
  }
}
