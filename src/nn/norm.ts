// RMSNorm (weight ones) and LayerNorm (weight ones, bias zeros) over the last axis.

import { Tensor, ones, zeros } from '../tensor/tensor.js';
import { rmsNorm, layerNorm } from '../ops/norm.js';
import { Module } from './module.js';

export class RMSNorm extends Module {
  readonly weight: Tensor; // [dim]

  constructor(readonly dim: number, readonly eps = 1e-5) {
    super();
    this.weight = this.param('weight', ones([dim]));
  }

  /** x: [..., dim] → [..., dim] */
  forward(x: Tensor): Tensor {
    return rmsNorm(x, this.weight, this.eps);
  }
}

export class LayerNorm extends Module {
  readonly weight: Tensor; // [dim]
  readonly bias: Tensor; // [dim]

  constructor(readonly dim: number, readonly eps = 1e-5) {
    super();
    this.weight = this.param('weight', ones([dim]));
    this.bias = this.param('bias', zeros([dim]));
  }

  /** x: [..., dim] → [..., dim] */
  forward(x: Tensor): Tensor {
    return layerNorm(x, this.weight, this.bias, this.eps);
  }
}
