// Which tensors are kept packed: a matrix parameter of a model loaded in bf16 or int8 (built by
// src/nn/packed.ts) exists only as packed rows (src/kernels/weight_format.ts). The registry lives
// here, below the ops, so that an op asked for a packed copy of such a matrix hands out its own
// rows (packRows) instead of packing an f32 array that is not its weights.

import type { Tensor } from './tensor.js';

/** The packed formats of src/kernels/weight_format.ts (named here: this layer imports no kernel). */
export type PackedFormat = 'bf16' | 'int8';

/** A matrix [rows, cols] kept packed: `words` (resident) in `format`. */
export interface PackedWeight {
  format: PackedFormat;
  rows: number;
  cols: number;
  words: Float32Array;
}

const packedOf = new WeakMap<Tensor, PackedWeight>();

/** Records that t is kept as p (src/nn/packed.ts). */
export function markPacked(t: Tensor, p: PackedWeight): void {
  packedOf.set(t, p);
}

/** The packed form of t, or undefined for an f32 tensor. */
export function packedWeight(t: Tensor): PackedWeight | undefined {
  return packedOf.get(t);
}
