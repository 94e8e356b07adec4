// sum, mean and max forward values and shapes, max's tie rule, and axis errors.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sum, mean, max, reshape } from '../../src/ops/index.js';
import { backward } from '../../src/autograd/tape.js';
import { Tensor, fromArray, arange } from '../../src/tensor/tensor.js';

const x23 = () => fromArray([[1, 2, 3], [4, 5, 6]]);

test('sum with no axis reduces every element to a scalar of shape []', () => {
  const s = sum(x23());
  assert.deepEqual(s.shape, []);
  assert.equal(s.item(), 21);
  assert.deepEqual(sum(x23(), undefined, true).shape, [1, 1]);
  assert.deepEqual(sum(x23(), [0, 1]).shape, []);
});

test('sum along one axis, negative axes and keepDims', () => {
  assert.deepEqual(sum(x23(), 0).toArray(), [5, 7, 9]);
  const rows = sum(x23(), -1, true);
  assert.deepEqual(rows.shape, [2, 1]);
  assert.deepEqual(rows.toArray(), [6, 15]);
});

test('sum over two non-adjacent axes of a 3-d tensor', () => {
  // x[a, b, c] = 6a + 2b + c with shape [2, 3, 2]; Σ over a and c = 8b + 14.
  const x = reshape(arange(12), [2, 3, 2]);
  const s = sum(x, [0, 2]);
  assert.deepEqual(s.shape, [3]);
  assert.deepEqual(s.toArray(), [14, 22, 30]);
});

test('mean divides by the number of reduced elements, also in its gradient', () => {
  assert.equal(mean(x23()).item(), 3.5);
  assert.deepEqual(mean(x23(), 1).toArray(), [2, 5]);
  const x = fromArray([[1, 2, 3], [4, 5, 6]], undefined, { requiresGrad: true });
  backward(mean(x));
  assert.deepEqual(Array.from(x.grad!), new Array(6).fill(1 / 6).map(Math.fround));
});

test('max along axes, size-1 tensors and keepDims', () => {
  const x = fromArray([[1, 9, 3], [4, -5, 6]]);
  assert.equal(max(x).item(), 9);
  assert.deepEqual(max(x, 0).toArray(), [4, 9, 6]);
  assert.deepEqual(max(x, -1, true).shape, [2, 1]);
  assert.deepEqual(max(x, -1, true).toArray(), [9, 6]);
  const one = new Tensor(new Float32Array([-2]), [1]);
  assert.deepEqual(max(one).shape, []);
  assert.equal(max(one).item(), -2);
});

test('the gradient of max goes to the first maximal element only', () => {
  const x = fromArray([[3, 1, 3], [2, 7, 7]], undefined, { requiresGrad: true });
  backward(max(x, 1), new Float32Array([10, 20]));
  assert.deepEqual(Array.from(x.grad!), [10, 0, 0, 0, 20, 0]);
});

test('bad axes throw errors naming the op, the axis and the input shape', () => {
  assert.throws(() => sum(x23(), 2), /sum: axis 2 is out of range for input \[2, 3\]/);
  assert.throws(() => mean(x23(), -3), /mean: axis -3 is out of range for input \[2, 3\]/);
  assert.throws(() => max(x23(), [1, -1]), /max: axis -1 is listed twice for input \[2, 3\]/);
  assert.throws(() => max(new Tensor(new Float32Array(0), [2, 0]), 1), /max: cannot reduce an empty axis of input \[2, 0\]/);
});
