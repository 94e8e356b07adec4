// addScalar and mulScalar forward values, and a very deep graph of them.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addScalar, mulScalar, sum } from '../../src/ops/index.js';
import { backward } from '../../src/autograd/tape.js';
import { Tensor, fromArray } from '../../src/tensor/tensor.js';

test('addScalar and mulScalar add and multiply every element, keeping the shape', () => {
  const x = fromArray([[1, -2, 0.5]]);
  const a = addScalar(x, 1.5);
  assert.deepEqual(a.shape, [1, 3]);
  assert.deepEqual(a.toArray(), [2.5, -0.5, 2]);
  assert.deepEqual(mulScalar(x, -2).toArray(), [-2, 4, -1]);
  assert.deepEqual(mulScalar(new Tensor(new Float32Array([3]), []), 0.5).toArray(), [1.5]);
  assert.throws(() => addScalar(x, NaN), /addScalar: the scalar must be a number, got NaN/);
});

test('mulScalar scales the gradient by the scalar', () => {
  const x = fromArray([1, 2], undefined, { requiresGrad: true });
  backward(sum(mulScalar(x, 3)));
  assert.deepEqual(Array.from(x.grad!), [3, 3]);
});

test('backward through a chain of 100,000 ops does not overflow the stack', () => {
  // A recursive topological sort would need 100,000 nested calls (Node's stack holds ~10,000).
  const x = fromArray([2, -1], undefined, { requiresGrad: true });
  let y = x;
  for (let i = 0; i < 100_000; i++) y = addScalar(y, 1);
  assert.deepEqual(y.toArray(), [100_002, 99_999]); // integers below 2^24 are exact in f32
  backward(sum(y));
  assert.deepEqual(Array.from(x.grad!), [1, 1]);
});
