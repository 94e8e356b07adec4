// Embedding: a [num, dim] table of rows looked up by token id. Initialised N(0, 0.02²), the
// GPT-2 / Hugging Face Mamba choice, rather than PyTorch's N(0, 1): with a tied head the same
// matrix produces the logits, and std 1 would start them with a spread of about sqrt(dim).

import { Tensor, randn } from '../tensor/tensor.js';
import { Rng, globalRng } from '../tensor/random.js';
import { embedding } from '../ops/embedding.js';
import { allocOutput } from '../kernels/memory.js';
import { Module } from './module.js';
import { gatherRows, packedBuildFormat, packedTensor, packedWeight } from './packed.js';

export class Embedding extends Module {
  readonly weight: Tensor; // [num, dim]

  constructor(readonly num: number, readonly dim: number, opts: { rng?: Rng; std?: number } = {}) {
    super();
    const packed = packedBuildFormat() !== null;
    this.weight = this.param('weight', packed ? packedTensor(num, dim) : randn([num, dim], { std: opts.std ?? 0.02, rng: opts.rng ?? globalRng() }));
  }

  /** ids: idsShape → [...idsShape, dim]; a packed table unpacks only the rows looked up. */
  forward(ids: Int32Array, idsShape: number[]): Tensor {
    if (!packedWeight(this.weight)) return embedding(this.weight, ids, idsShape);
    const out = allocOutput(ids.length * this.dim);
    gatherRows(this.weight, ids, out);
    return new Tensor(out, [...idsShape, this.dim]);
  }
}
