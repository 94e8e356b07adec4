// reshape, transpose, permute, slice, split and concat: values, shapes, where gradients land,
// and the errors on bad shapes and axes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reshape, transpose, permute, slice, split, concat, sum, mulScalar } from '../../src/ops/index.js';
import { backward } from '../../src/autograd/tape.js';
import { Tensor, fromArray, arange } from '../../src/tensor/tensor.js';

test('reshape infers one -1, keeps the row-major data and passes the gradient through', () => {
  const x = new Tensor(Float32Array.from([1, 2, 3, 4, 5, 6]), [2, 3], true);
  const y = reshape(x, [3, -1]);
  assert.deepEqual(y.shape, [3, 2]);
  assert.deepEqual(y.toArray(), [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(reshape(fromArray([7]), []).shape, []);
  backward(y, Float32Array.from([1, 2, 3, 4, 5, 6]));
  assert.deepEqual(Array.from(x.grad!), [1, 2, 3, 4, 5, 6]);
});

test('reshape errors name both shapes', () => {
  const x = arange(6);
  assert.throws(() => reshape(x, [4, -1]), /reshape: cannot reshape \[6\] \(6 elements\) into \[4, -1\]/);
  assert.throws(() => reshape(x, [2, 2]), /reshape: cannot reshape \[6\] \(6 elements\) into \[2, 2\]: sizes differ/);
  assert.throws(() => reshape(x, [-1, -1]), /reshape: .* into \[-1, -1\]: only one dimension may be -1/);
});

test('transpose swaps two axes into a new contiguous tensor', () => {
  const x = fromArray([[1, 2, 3], [4, 5, 6]]);
  const t = transpose(x, 0, 1);
  assert.deepEqual(t.shape, [3, 2]);
  assert.deepEqual(t.toArray(), [1, 4, 2, 5, 3, 6]);
  t.data[0] = 100;
  assert.equal(x.data[0], 1, 'the output does not share the input data');
  // x[i, 0, k] = 3i + k with shape [2, 1, 3] → out[k, 0, i]
  const y = transpose(reshape(arange(6), [2, 1, 3]), -1, 0);
  assert.deepEqual(y.shape, [3, 1, 2]);
  assert.deepEqual(y.toArray(), [0, 3, 1, 4, 2, 5]);
  assert.deepEqual(transpose(fromArray([[5]]), 0, 1).toArray(), [5]);
  assert.throws(() => transpose(x, 0, 2), /transpose: axis 2 is out of range for input \[2, 3\]/);
});

test('permute puts input axis dims[i] at output axis i', () => {
  const x = reshape(arange(24), [2, 3, 4]); // x[a, b, c] = 12a + 4b + c
  const y = permute(x, [2, 0, 1]); // y[c, a, b] = x[a, b, c]
  assert.deepEqual(y.shape, [4, 2, 3]);
  const want: number[] = [];
  for (let c = 0; c < 4; c++) for (let a = 0; a < 2; a++) for (let b = 0; b < 3; b++) want.push(12 * a + 4 * b + c);
  assert.deepEqual(y.toArray(), want);
  assert.deepEqual(permute(x, [-1, 1, 0]).shape, [4, 3, 2]);
  assert.throws(() => permute(x, [0, 0, 1]), /permute: dims \[0, 0, 1\] are not a permutation of the 3 axes of input \[2, 3, 4\]/);
  assert.throws(() => permute(x, [1, 0]), /permute: dims \[1, 0\] are not a permutation/);
});

test('slice takes [start, end) along an axis, with negative indices counted from the end', () => {
  const x = arange(10);
  assert.deepEqual(slice(x, 0, 2, 5).toArray(), [2, 3, 4]);
  assert.deepEqual(slice(x, 0, -3, 10).toArray(), [7, 8, 9]);
  assert.deepEqual(slice(x, -1, -3, -1).toArray(), [7, 8]);
  assert.deepEqual(slice(x, 0, 4, 4).shape, [0]);
  const m = fromArray([[1, 2, 3], [4, 5, 6]]);
  const col = slice(m, 1, 1, 2);
  assert.deepEqual(col.shape, [2, 1]);
  assert.deepEqual(col.toArray(), [2, 5]);
  assert.throws(() => slice(x, 0, 4, 11), /slice: range \[4, 11\) is out of bounds for axis 0 \(length 10\) of input \[10\]/);
  assert.throws(() => slice(x, 0, 5, 3), /slice: range \[5, 3\) is out of bounds/);
  assert.throws(() => slice(m, 2, 0, 1), /slice: axis 2 is out of range for input \[2, 3\]/);
});

test('split cuts consecutive pieces and each piece sends its gradient to its own place', () => {
  const x = new Tensor(arange(12).data, [2, 6], true);
  const [a, b, c] = split(x, [1, 2, 3], -1);
  assert.deepEqual(a.shape, [2, 1]);
  assert.deepEqual(b.toArray(), [1, 2, 7, 8]);
  assert.deepEqual(c.toArray(), [3, 4, 5, 9, 10, 11]);
  backward(sum(mulScalar(b, 2))); // only the middle piece reaches the loss
  assert.deepEqual(Array.from(x.grad!), [0, 2, 2, 0, 0, 0, 0, 2, 2, 0, 0, 0]);
  assert.throws(() => split(x, [1, 2], 1), /split: sizes \[1, 2\] do not add up to the length 6 of axis 1 of input \[2, 6\]/);
});

test('concat joins along an axis and checks the other dimensions', () => {
  const a = fromArray([[1, 2], [3, 4]]);
  const b = fromArray([[5], [6]]);
  const c = concat([a, b], 1);
  assert.deepEqual(c.shape, [2, 3]);
  assert.deepEqual(c.toArray(), [1, 2, 5, 3, 4, 6]);
  assert.deepEqual(concat([a, fromArray([[7, 8]])], 0).toArray(), [1, 2, 3, 4, 7, 8]);
  assert.deepEqual(concat([b], -1).toArray(), [5, 6]);
  assert.throws(() => concat([a, fromArray([[1], [2], [3]])], 1), /concat: shapes \[2, 2\], \[3, 1\] differ outside axis 1/);
  assert.throws(() => concat([a, b], 0), /concat: shapes \[2, 2\], \[2, 1\] differ outside axis 0/);
  assert.throws(() => concat([], 0), /concat: needs at least one tensor/);
});
