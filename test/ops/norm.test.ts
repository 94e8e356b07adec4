// rmsNorm and layerNorm forward values computed by hand.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmsNorm, layerNorm } from '../../src/ops/index.js';
import { fromArray } from '../../src/tensor/tensor.js';
import { assertClose } from '../helpers.js';

test('rmsNorm divides each row by its root mean square and scales by the weight', () => {
  // Row [3, 4]: rms = sqrt((9 + 16) / 2) = sqrt(12.5); row [1, −1]: rms = 1. Weight [1, 2].
  const x = fromArray([[[3, 4], [1, -1]]]);
  const y = rmsNorm(x, fromArray([1, 2]), 0);
  assert.deepEqual(y.shape, [1, 2, 2]);
  const r = Math.sqrt(12.5);
  assertClose(y.data, [3 / r, 8 / r, 1, -2], 1e-6, 1e-6);
});

test('rmsNorm with the default eps differs from eps = 0 only by eps inside the square root', () => {
  const x = fromArray([[0.01, -0.02]]);
  const ms = (0.01 ** 2 + 0.02 ** 2) / 2;
  const r = 1 / Math.sqrt(ms + 1e-5);
  // f32 rounding of the inputs: 1e-5 relative.
  assertClose(rmsNorm(x, fromArray([1, 1])).data, [0.01 * r, -0.02 * r], 1e-6, 1e-5);
});

test('layerNorm centres, scales by the biased standard deviation, then applies weight and bias', () => {
  // [1, 2, 3]: mean 2, variance 2/3 → x̂ = [−1, 0, 1] / sqrt(2/3)
  const s = Math.sqrt(2 / 3);
  const y = layerNorm(fromArray([[1, 2, 3]]), fromArray([1, 1, 2]), fromArray([0, 0, 1]), 0);
  assertClose(y.data, [-1 / s, 0, 2 / s + 1], 1e-6, 1e-6);
});

test('norms reject a weight that does not match the last axis', () => {
  assert.throws(() => rmsNorm(fromArray([[1, 2, 3]]), fromArray([1, 1])), /rmsNorm: weight \[2\] does not match the last axis 3 of input \[1, 3\]/);
  assert.throws(() => layerNorm(fromArray([[1, 2]]), fromArray([1, 1]), fromArray([1])), /layerNorm: bias \[1\]/);
});
