// Shape ops: reshape, transpose, permute, slice, split, concat. Each returns a contiguous tensor;
// reshape shares x's data (the row-major order does not change). Backward moves the gradient
// back the way the data came: reshape it, permute it by the inverse, or copy it into place.

import { Tensor, sizeOf, shapeStr } from '../tensor/tensor.js';
import { accumulate, accumulateWith, record, registerOp } from '../autograd/tape.js';
import { kernels } from '../kernels/backend.js';
import { allocOutput } from '../kernels/memory.js';

for (const op of ['reshape', 'transpose', 'permute', 'slice', 'split', 'concat']) registerOp(op);

function normaliseAxis(op: string, shape: readonly number[], axis: number): number {
  const ax = axis < 0 ? axis + shape.length : axis;
  if (!Number.isInteger(ax) || ax < 0 || ax >= shape.length) throw new Error(`${op}: axis ${axis} is out of range for input ${shapeStr(shape)}`);
  return ax;
}

/** The shape viewed as [outer, n, inner] around axis ax. */
function around(shape: readonly number[], ax: number): { outer: number; n: number; inner: number } {
  return { outer: sizeOf(shape.slice(0, ax)), n: shape[ax], inner: sizeOf(shape.slice(ax + 1)) };
}

/** The same data under a new shape; one entry may be −1, inferred from the size. */
export function reshape(x: Tensor, shape: number[]): Tensor {
  const fail = (why: string): never => {
    throw new Error(`reshape: cannot reshape ${shapeStr(x.shape)} (${x.size} elements) into ${shapeStr(shape)}: ${why}`);
  };
  const free = shape.filter((d) => d === -1).length;
  if (free > 1) fail('only one dimension may be -1');
  if (shape.some((d) => !Number.isInteger(d) || d < -1)) fail('dimensions must be integers ≥ 0 (or one -1)');
  const known = sizeOf(shape.filter((d) => d !== -1));
  let outShape = shape;
  if (free === 1) {
    if (known === 0 || x.size % known !== 0) fail(`the -1 cannot be inferred`);
    outShape = shape.map((d) => (d === -1 ? x.size / known : d));
  } else if (known !== x.size) fail(`sizes differ`);
  return record('reshape', x.data, outShape, [x], (g) => accumulate(x, g));
}

function permuteAs(op: string, x: Tensor, dims: number[]): Tensor {
  const k = kernels();
  const out = allocOutput(x.size);
  k.permute(x.data, out, x.shape, dims);
  const outShape = dims.map((d) => x.shape[d]);
  const inverse = new Array<number>(dims.length);
  dims.forEach((d, i) => (inverse[d] = i));
  return record(op, out, outShape, [x], (g) => {
    const gx = allocOutput(x.size);
    k.permute(g, gx, outShape, inverse);
    accumulate(x, gx, true);
  });
}

/** Swaps two axes (negative axes count from the end). */
export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  const a = normaliseAxis('transpose', x.shape, dim0);
  const b = normaliseAxis('transpose', x.shape, dim1);
  const dims = x.shape.map((_, i) => (i === a ? b : i === b ? a : i));
  return permuteAs('transpose', x, dims);
}

/** Output axis i is input axis dims[i]. */
export function permute(x: Tensor, dims: number[]): Tensor {
  const fail = (): never => {
    throw new Error(`permute: dims [${dims.join(', ')}] are not a permutation of the ${x.ndim} axes of input ${shapeStr(x.shape)}`);
  };
  if (dims.length !== x.ndim) fail();
  const norm = dims.map((d) => (d < 0 ? d + x.ndim : d));
  const seen = new Set(norm);
  if (seen.size !== x.ndim || norm.some((d) => !Number.isInteger(d) || d < 0 || d >= x.ndim)) fail();
  return permuteAs('permute', x, norm);
}

/** Positions start..end−1 along one axis (a piece of x recorded as op, used by slice and split). */
function piece(op: string, x: Tensor, ax: number, start: number, end: number): Tensor {
  const { outer, n, inner } = around(x.shape, ax);
  const count = end - start;
  const k = kernels();
  const outShape = x.shape.map((d, i) => (i === ax ? count : d));
  const out = allocOutput(outer * count * inner);
  k.copyAlongAxis(x.data, out, { outer, inner, count, srcAxis: n, srcStart: start, dstAxis: count, dstStart: 0 });
  // The piece's gradient goes to its place in x's: added in place when x has one already (the
  // other pieces of a split), else into a fresh zeroed array.
  return record(op, out, outShape, [x], (g) => {
    accumulateWith(x, (gx, add) => k.copyAlongAxis(g, gx, { outer, inner, count, srcAxis: count, srcStart: 0, dstAxis: n, dstStart: start, add }), true);
  });
}

/** x[..., start:end, ...] along axis (end exclusive); negative indices count from the end. */
export function slice(x: Tensor, axis: number, start: number, end: number): Tensor {
  const ax = normaliseAxis('slice', x.shape, axis);
  const n = x.shape[ax];
  const s = start < 0 ? start + n : start;
  const e = end < 0 ? end + n : end;
  if (!Number.isInteger(s) || !Number.isInteger(e) || s < 0 || e > n || s > e) {
    throw new Error(`slice: range [${start}, ${end}) is out of bounds for axis ${axis} (length ${n}) of input ${shapeStr(x.shape)}`);
  }
  return piece('slice', x, ax, s, e);
}

/** Consecutive pieces of the given sizes along axis; the sizes must add up to its length. */
export function split(x: Tensor, sizes: number[], axis: number): Tensor[] {
  const ax = normaliseAxis('split', x.shape, axis);
  const total = sizes.reduce((a, b) => a + b, 0);
  if (sizes.some((s) => !Number.isInteger(s) || s < 0) || total !== x.shape[ax]) {
    throw new Error(`split: sizes [${sizes.join(', ')}] do not add up to the length ${x.shape[ax]} of axis ${axis} of input ${shapeStr(x.shape)}`);
  }
  const pieces: Tensor[] = [];
  let start = 0;
  for (const s of sizes) {
    pieces.push(piece('split', x, ax, start, start + s));
    start += s;
  }
  return pieces;
}

/** Joins tensors along axis; all other dimensions must match. */
export function concat(xs: Tensor[], axis: number): Tensor {
  if (xs.length === 0) throw new Error('concat: needs at least one tensor');
  const first = xs[0].shape;
  const ax = normaliseAxis('concat', first, axis);
  for (const t of xs) {
    if (t.ndim !== first.length || t.shape.some((d, i) => i !== ax && d !== first[i])) {
      throw new Error(`concat: shapes ${xs.map((u) => shapeStr(u.shape)).join(', ')} differ outside axis ${axis}`);
    }
  }
  const { outer, inner } = around(first, ax);
  const total = xs.reduce((a, t) => a + t.shape[ax], 0);
  const offsets = xs.map((_, i) => xs.slice(0, i).reduce((a, t) => a + t.shape[ax], 0));
  const k = kernels();
  const out = allocOutput(outer * total * inner);
  xs.forEach((t, i) => {
    k.copyAlongAxis(t.data, out, { outer, inner, count: t.shape[ax], srcAxis: t.shape[ax], srcStart: 0, dstAxis: total, dstStart: offsets[i] });
  });
  const outShape = first.map((d, i) => (i === ax ? total : d));
  return record('concat', out, outShape, xs, (g) => {
    xs.forEach((t, i) => {
      if (!t.requiresGrad) return;
      const gt = allocOutput(t.size);
      k.copyAlongAxis(g, gt, { outer, inner, count: t.shape[ax], srcAxis: total, srcStart: offsets[i], dstAxis: t.shape[ax], dstStart: 0 });
      accumulate(t, gt, true);
    });
  });
}
