// The SwiGLU MLP of a Llama block (Shazeer, 2020): down_proj(SiLU(gate_proj(x)) ⊙ up_proj(x)),
// no biases. gate() computes y ⊙ SiLU(z) in one op.

import { Tensor } from '../tensor/tensor.js';
import { Rng } from '../tensor/random.js';
import { gate } from '../ops/index.js';
import { Module } from '../nn/module.js';
import { Linear } from '../nn/linear.js';
import { normalLinear } from './init.js';

export class SwiGLU extends Module {
  readonly gate_proj: Linear; // [F, D]
  readonly up_proj: Linear; // [F, D]
  readonly down_proj: Linear; // [D, F]

  constructor(D: number, F: number, rng: Rng, residualStd: number) {
    super();
    this.gate_proj = this.child('gate_proj', normalLinear(D, F, 0.02, rng));
    this.up_proj = this.child('up_proj', normalLinear(D, F, 0.02, rng));
    this.down_proj = this.child('down_proj', normalLinear(F, D, residualStd, rng));
  }

  /** x: [..., D] → [..., D] */
  forward(x: Tensor): Tensor {
    return this.down_proj.forward(gate(this.up_proj.forward(x), this.gate_proj.forward(x)));
  }
}
