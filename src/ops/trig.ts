// cos and sin, element-wise: y = f(x), dx = dy ⊙ f'(x). Kernels: trigForward / trigBackward.

import { Tensor } from '../tensor/tensor.js';
import { accumulate, record, registerOp } from '../autograd/tape.js';
import { kernels } from '../kernels/backend.js';
import type { TrigOp } from '../kernels/reference/trig.js';
import { allocArray } from '../kernels/memory.js';

registerOp('cos');
registerOp('sin');

function trig(op: TrigOp, x: Tensor): Tensor {
  const k = kernels();
  const out = allocArray(x.size);
  k.trigForward(op, x.data, out);
  return record(op, out, x.shape, [x], (g) => {
    const gx = allocArray(x.size);
    k.trigBackward(op, x.data, g, gx);
    accumulate(x, gx, true);
  });
}

export const cos = (x: Tensor): Tensor => trig('cos', x);
export const sin = (x: Tensor): Tensor => trig('sin', x);
