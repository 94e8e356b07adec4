// Forward values of the element-wise functions and pow, against hand-computed values; the
// gradients are checked by finite differences in test/gradcases/elementwise.ts.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exp, log, sqrt, neg, silu, sigmoid, softplus, tanh, gelu, relu, pow } from '../../src/ops/index.js';
import { backward } from '../../src/autograd/tape.js';
import { Tensor, fromArray } from '../../src/tensor/tensor.js';
import { assertClose } from '../helpers.js';

// f32 storage: relative error up to 6e-8 on top of the double-precision maths.
const F32 = 2e-7;

test('exp, log, sqrt, neg, tanh and relu match their definitions', () => {
  assertClose(exp(fromArray([0, 1, -2])).data, [1, Math.E, Math.exp(-2)], 0, F32);
  assertClose(log(fromArray([1, Math.E, 0.25])).data, [0, 1, Math.log(0.25)], 1e-7, F32);
  assertClose(sqrt(fromArray([0, 4, 2])).data, [0, 2, Math.SQRT2], 0, F32);
  assertClose(neg(fromArray([1.5, -2, 0])).data, [-1.5, 2, 0], 0, 0);
  assertClose(tanh(fromArray([0, 0.5, -20])).data, [0, 0.46211715726000974, -1], 0, F32);
  assertClose(relu(fromArray([-3, 0, 2.5])).data, [0, 0, 2.5], 0, 0);
});

test('element-wise ops keep odd and size-1 shapes', () => {
  assert.deepEqual(silu(new Tensor(new Float32Array(15), [3, 1, 5])).shape, [3, 1, 5]);
  assert.deepEqual(gelu(new Tensor(new Float32Array(1), [1])).shape, [1]);
  assert.deepEqual(pow(new Tensor(new Float32Array([3]), []), 2).shape, []);
});

test('sigmoid and silu match their definitions', () => {
  assertClose(sigmoid(fromArray([0, 2, -2])).data, [0.5, 0.8807970779778823, 1 - 0.8807970779778823], 0, F32);
  assertClose(silu(fromArray([-1, 0, 2])).data, [-0.2689414213699951, 0, 1.7615941559557646], 0, F32);
});

test('sigmoid stays finite at ±100, as does its gradient', () => {
  const x = fromArray([100, -100], undefined, { requiresGrad: true });
  const y = sigmoid(x);
  assert.equal(y.data[0], 1);
  assert.ok(y.data[1] >= 0 && y.data[1] < 1e-40, `sigmoid(-100) = ${y.data[1]}`);
  backward(y, new Float32Array([1, 1]));
  assert.ok(x.grad!.every((g) => Number.isFinite(g) && g >= 0 && g < 1e-40), `gradients ${x.grad}`);
});

test('softplus(100) is 100 and softplus(-100) is e^-100 ≈ 3.7e-44, with finite gradients 1 and ≈ 0', () => {
  const x = fromArray([100, -100, 0, 1, -1], undefined, { requiresGrad: true });
  const y = softplus(x);
  assert.equal(y.data[0], 100);
  // e^-100 is an f32 subnormal: stored to within one subnormal step (1.4e-45).
  assert.ok(Math.abs(y.data[1] - Math.exp(-100)) <= 1.5e-45, `softplus(-100) = ${y.data[1]}`);
  assertClose(y.data.subarray(2), [Math.LN2, 1.3132616875182228, 0.31326168751822286], 0, F32);
  backward(y, new Float32Array(5).fill(1));
  const g = x.grad!;
  assert.equal(g[0], 1);
  assert.ok(Number.isFinite(g[1]) && g[1] >= 0 && g[1] < 1e-40, `softplus'(-100) = ${g[1]}`);
  assertClose(g.subarray(2), [0.5, 0.7310585786300049, 0.2689414213699951], 0, F32);
});

test('gelu is the exact x·Φ(x), accurate in the negative tail too', () => {
  // Reference: x · erfc(−x/√2) / 2 in double precision (Python math.erfc).
  const x = fromArray([0, 0.5, 1, -1, 3, -5, -10]);
  const want = [0, 0.34573123063700656, 0.8413447460685429, -0.15865525393145707, 2.99595030590511, -1.4332578593959731e-6, -7.619853024160593e-23];
  // erfc's fractional error (< 1.2e-7) plus f32 rounding.
  assertClose(gelu(x).data, want, 0, 3e-7);
});

test('pow raises to a constant exponent and rejects a non-finite one', () => {
  assertClose(pow(fromArray([4, 9, 2]), 0.5).data, [2, 3, Math.SQRT2], 0, F32);
  assertClose(pow(fromArray([-2, 0.5]), 3).data, [-8, 0.125], 0, 0);
  assertClose(pow(fromArray([2, 4]), -1).data, [0.5, 0.25], 0, 0);
  assertClose(pow(fromArray([0, -3]), 0).data, [1, 1], 0, 0);
  assert.throws(() => pow(fromArray([1]), NaN), /pow: exponent must be a finite number, got NaN/);
});
