// clipGradNorm: the global L2 norm, scaling above the limit, non-finite norms left alone.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clipGradNorm } from '../../src/optim/index.js';
import { zeros } from '../../src/tensor/tensor.js';
import { assertClose } from '../helpers.js';

test('clipGradNorm returns the norm over all gradients and scales them down to maxNorm', () => {
  const a = zeros([1]);
  const b = zeros([2]);
  const c = zeros([3]); // no gradient: ignored
  a.grad = Float32Array.from([3]);
  b.grad = Float32Array.from([0, 4]);
  assert.equal(clipGradNorm([a, b, c], 1), 5);
  // Scale 1 / (5 + 1e-6), as PyTorch.
  assertClose([...a.grad, ...b.grad], [0.6, 0, 0.8], 1e-6, 1e-6);
});

test('clipGradNorm leaves gradients under the limit and non-finite gradients untouched', () => {
  const a = zeros([2]);
  const before = Float32Array.from([0.3, 0.4]);
  a.grad = before.slice();
  assertClose([clipGradNorm([a], 1)], [0.5], 1e-7, 1e-6);
  assert.deepEqual(a.grad, before);
  a.grad = Float32Array.from([NaN, 1]);
  assert.ok(Number.isNaN(clipGradNorm([a], 1)));
  assert.equal(a.grad[1], 1);
  a.grad = Float32Array.from([Infinity, 1]);
  assert.equal(clipGradNorm([a], 1), Infinity);
  assert.equal(a.grad[1], 1);
});
