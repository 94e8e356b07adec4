// gate: y ⊙ SiLU(z), the output gate of a Mamba block (Gu & Dao, 2023, Fig. 3), as one op: one
// pass over y and z forward and one backward instead of silu's and mul's two each.
// y, z: [..., E] of the same shape → [..., E]. Kernels gateForward / gateBackward
// (src/kernels/reference/gate.ts).

import { Tensor, shapeStr } from '../tensor/tensor.js';
import { accumulate, record, registerOp } from '../autograd/tape.js';
import { kernels } from '../kernels/backend.js';
import { allocOutput } from '../kernels/memory.js';

registerOp('gate');

export function gate(y: Tensor, z: Tensor): Tensor {
  if (y.shape.length !== z.shape.length || y.shape.some((d, i) => d !== z.shape[i])) {
    throw new Error(`gate: y ${shapeStr(y.shape)} and z ${shapeStr(z.shape)} must have the same shape`);
  }
  const k = kernels();
  const out = allocOutput(y.size);
  k.gateForward(y.data, z.data, out);
  return record('gate', out, y.shape, [y, z], (g) => {
    const gy = y.requiresGrad ? allocOutput(y.size) : null;
    const gz = z.requiresGrad ? allocOutput(z.size) : null;
    k.gateBackward(y.data, z.data, g, gy, gz);
    if (gy) accumulate(y, gy, true);
    if (gz) accumulate(z, gz, true);
  });
}
