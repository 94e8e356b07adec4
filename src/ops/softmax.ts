// softmax and logSoftmax along one axis (default the last). Backward reuses the forward output.

import { Tensor, shapeStr } from '../tensor/tensor.js';
import { accumulate, record, registerOp } from '../autograd/tape.js';
import { kernels } from '../kernels/backend.js';
import { allocArray } from '../kernels/memory.js';

registerOp('softmax');
registerOp('logSoftmax');

function softmaxAlong(op: string, x: Tensor, axis: number, log: boolean): Tensor {
  const ax = axis < 0 ? axis + x.ndim : axis;
  if (!Number.isInteger(ax) || ax < 0 || ax >= x.ndim) throw new Error(`${op}: axis ${axis} is out of range for input ${shapeStr(x.shape)}`);
  // View x as [outer, n, inner] around the axis.
  const n = x.shape[ax];
  const outer = x.shape.slice(0, ax).reduce((a, b) => a * b, 1);
  const inner = x.shape.slice(ax + 1).reduce((a, b) => a * b, 1);
  const k = kernels();
  const out = allocArray(x.size);
  k.softmaxForward(x.data, out, outer, n, inner, log);
  return record(op, out, x.shape, [x], (g) => {
    const gx = allocArray(x.size);
    k.softmaxBackward(g, out, gx, outer, n, inner, log);
    accumulate(x, gx, true);
  });
}

export const softmax = (x: Tensor, axis = -1): Tensor => softmaxAlong('softmax', x, axis, false);
export const logSoftmax = (x: Tensor, axis = -1): Tensor => softmaxAlong('logSoftmax', x, axis, true);
