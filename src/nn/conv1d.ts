// Conv1d: causal depthwise convolution over time, channels last (see src/ops/conv1d.ts).
// weight: [C, 1, K], bias: [C]; PyTorch's initialisation for groups = C: uniform ±1/sqrt(K),
// since each output sees fan-in (in_channels / groups) · K = K.

import { Tensor, uniform } from '../tensor/tensor.js';
import { Rng, globalRng } from '../tensor/random.js';
import { conv1d } from '../ops/conv1d.js';
import { Module } from './module.js';

export class Conv1d extends Module {
  readonly weight: Tensor; // [C, 1, K]
  readonly bias: Tensor | null; // [C]

  constructor(readonly channels: number, readonly kernelSize: number, opts: { bias?: boolean; rng?: Rng } = {}) {
    super();
    const rng = opts.rng ?? globalRng();
    const bound = 1 / Math.sqrt(kernelSize);
    this.weight = this.param('weight', uniform([channels, 1, kernelSize], -bound, bound, { rng }));
    this.bias = (opts.bias ?? true) ? this.param('bias', uniform([channels], -bound, bound, { rng })) : null;
  }

  /** x: [B, L, C] → [B, L, C] */
  forward(x: Tensor): Tensor {
    return conv1d(x, this.weight, this.bias);
  }
}
