// sum, mean and max over some axes (all of them by default, giving a scalar of shape []).
// Backward: sum copies dy back along the reduced axes, mean also divides by the count, max
// sends dy to the first maximal element of each reduced group.

import { Tensor, shapeStr } from '../tensor/tensor.js';
import { accumulate, record, registerOp } from '../autograd/tape.js';
import { kernels } from '../kernels/backend.js';
import { allocArray } from '../kernels/memory.js';

registerOp('sum');
registerOp('mean');
registerOp('max');

export type Axes = number | number[];

interface Reduction {
  outShape: number[]; // with or without the reduced axes, as keepDims asks
  outSize: number;
  outStrides: number[]; // per input axis: the output stride, 0 on a reduced axis
  count: number; // input elements per output element
}

function plan(op: string, x: Tensor, axis: Axes | undefined, keepDims: boolean): Reduction {
  const nd = x.ndim;
  const list = axis === undefined ? x.shape.map((_, i) => i) : typeof axis === 'number' ? [axis] : axis;
  const reduced = new Array<boolean>(nd).fill(false);
  for (const a of list) {
    const ax = a < 0 ? a + nd : a;
    if (!Number.isInteger(ax) || ax < 0 || ax >= nd) throw new Error(`${op}: axis ${a} is out of range for input ${shapeStr(x.shape)}`);
    if (reduced[ax]) throw new Error(`${op}: axis ${a} is listed twice for input ${shapeStr(x.shape)}`);
    reduced[ax] = true;
  }
  const outShape: number[] = [];
  const outStrides = new Array<number>(nd);
  let outSize = 1;
  let count = 1;
  for (let ax = nd - 1; ax >= 0; ax--) {
    outStrides[ax] = reduced[ax] ? 0 : outSize;
    if (reduced[ax]) count *= x.shape[ax];
    else outSize *= x.shape[ax];
    if (!reduced[ax] || keepDims) outShape.unshift(reduced[ax] ? 1 : x.shape[ax]);
  }
  return { outShape, outSize, outStrides, count };
}

function sumOrMean(op: 'sum' | 'mean', x: Tensor, axis: Axes | undefined, keepDims: boolean): Tensor {
  const p = plan(op, x, axis, keepDims);
  const scale = op === 'mean' ? 1 / p.count : 1;
  const k = kernels();
  const out = allocArray(p.outSize);
  k.reduceSum(x.data, out, x.shape, p.outStrides, scale);
  return record(op, out, p.outShape, [x], (g) => {
    const gx = allocArray(x.size);
    k.reduceSumBackward(g, gx, x.shape, p.outStrides, scale);
    accumulate(x, gx, true);
  });
}

export function sum(x: Tensor, axis?: Axes, keepDims = false): Tensor {
  return sumOrMean('sum', x, axis, keepDims);
}

/** The mean over the axes; an empty group gives NaN (0/0), as numpy. */
export function mean(x: Tensor, axis?: Axes, keepDims = false): Tensor {
  return sumOrMean('mean', x, axis, keepDims);
}

export function max(x: Tensor, axis?: Axes, keepDims = false): Tensor {
  const p = plan('max', x, axis, keepDims);
  if (p.count === 0 && p.outSize > 0) throw new Error(`max: cannot reduce an empty axis of input ${shapeStr(x.shape)}`);
  const k = kernels();
  const out = allocArray(p.outSize);
  const argmax = new Int32Array(p.outSize); // input offset of each maximum
  k.reduceMax(x.data, out, argmax, x.shape, p.outStrides);
  return record('max', out, p.outShape, [x], (g) => {
    const gx = allocArray(x.size);
    k.reduceMaxBackward(g, argmax, gx);
    accumulate(x, gx, true);
  });
}
