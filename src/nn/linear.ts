// Linear: y = x · Wᵀ + b with W: [out, in], b: [out]. PyTorch's default initialisation:
// W and b uniform in ±1/sqrt(in) (kaiming_uniform with a = sqrt(5) reduces to this bound).

import { Tensor, uniform } from '../tensor/tensor.js';
import { Rng, globalRng } from '../tensor/random.js';
import { linear } from '../ops/linear.js';
import { matVec } from '../ops/mat_vec.js';
import type { PackedMatrix } from '../ops/mamba_step.js';
import { Module } from './module.js';
import { packedBuildFormat, packedTensor, unpack } from './packed.js';

export interface LinearOptions {
  bias?: boolean;
  rng?: Rng;
  /** Keep W in f32 in a model built packed (src/nn/packed.ts): a matrix the fused step reads as f32 (Mamba's dt_proj). */
  f32?: boolean;
}

export class Linear extends Module {
  readonly weight: Tensor; // [out, in]
  readonly bias: Tensor | null; // [out]

  constructor(readonly inFeatures: number, readonly outFeatures: number, opts: LinearOptions = {}) {
    super();
    const rng = opts.rng ?? globalRng();
    const bound = 1 / Math.sqrt(inFeatures);
    const packed = packedBuildFormat() !== null && !opts.f32;
    this.weight = this.param('weight', packed ? packedTensor(outFeatures, inFeatures) : uniform([outFeatures, inFeatures], -bound, bound, { rng }));
    this.bias = (opts.bias ?? true) ? this.param('bias', uniform([outFeatures], -bound, bound, { rng })) : null;
  }

  /** x: [..., in] → [..., out] */
  forward(x: Tensor): Tensor {
    return linear(x, unpack(this.weight), this.bias);
  }

  /** As forward, multiplying with `packed` (a generation state's compact copy of the weight) when given. */
  forwardWith(x: Tensor, packed?: PackedMatrix): Tensor {
    return packed ? matVec(x, packed, this.bias) : this.forward(x);
  }
}
