// A tensor and a constant number: x + s and x·s. Backward: dx = dy and dx = s·dy.

import { Tensor } from '../tensor/tensor.js';
import { accumulate, record, registerOp } from '../autograd/tape.js';
import { kernels } from '../kernels/backend.js';
import { allocArray } from '../kernels/memory.js';

registerOp('addScalar');
registerOp('mulScalar');

function checkScalar(op: string, s: number): void {
  if (typeof s !== 'number' || Number.isNaN(s)) throw new Error(`${op}: the scalar must be a number, got ${s}`);
}

export function addScalar(x: Tensor, s: number): Tensor {
  checkScalar('addScalar', s);
  const out = allocArray(x.size);
  kernels().affine(x.data, 1, s, out);
  return record('addScalar', out, x.shape, [x], (g) => accumulate(x, g));
}

export function mulScalar(x: Tensor, s: number): Tensor {
  checkScalar('mulScalar', s);
  const k = kernels();
  const out = allocArray(x.size);
  k.affine(x.data, s, 0, out);
  return record('mulScalar', out, x.shape, [x], (g) => {
    const gx = allocArray(x.size);
    k.affine(g, s, 0, gx);
    accumulate(x, gx, true);
  });
}
