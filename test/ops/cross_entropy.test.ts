// crossEntropy forward values, stability, ignored rows and target errors.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crossEntropy } from '../../src/ops/index.js';
import { backward } from '../../src/autograd/tape.js';
import { fromArray, zeros } from '../../src/tensor/tensor.js';
import { assertClose } from '../helpers.js';

test('crossEntropy of uniform logits is log V', () => {
  const V = 7;
  const loss = crossEntropy(zeros([3, V]), Int32Array.from([0, 3, 6]));
  assert.deepEqual(loss.shape, []);
  assertClose([loss.item()], [Math.log(V)], 1e-6, 1e-6);
});

test('crossEntropy is −log of the target probability, averaged over rows', () => {
  // Row 1: logits [0, ln 3] → p = [1/4, 3/4], target 0: ln 4. Row 2: same logits, target 1: ln(4/3).
  const z = fromArray([[0, Math.log(3)], [0, Math.log(3)]]);
  assertClose([crossEntropy(z, Int32Array.from([0, 1])).item()], [(Math.log(4) + Math.log(4 / 3)) / 2], 1e-6, 1e-6);
});

test('crossEntropy stays finite for logits in the thousands', () => {
  // logits [1000, 0]: loss for target 1 is 1000 + log(1 + e^−1000) = 1000.
  const loss = crossEntropy(fromArray([[1000, 0]]), Int32Array.from([1])).item();
  assertClose([loss], [1000], 1e-3, 1e-6);
});

test('crossEntropy leaves ignored rows out of the mean and of the gradient', () => {
  const z = fromArray([[5, -3], [0, Math.log(3)]], undefined, { requiresGrad: true });
  const loss = crossEntropy(z, Int32Array.from([-100, 0]), { ignoreIndex: -100 });
  assertClose([loss.item()], [Math.log(4)], 1e-6, 1e-6);
  backward(loss);
  // Counted row: softmax − onehot = [1/4 − 1, 3/4]; ignored row: 0.
  assertClose(z.grad!, [0, 0, -0.75, 0.75], 1e-6, 1e-6);
});

test('crossEntropy with every row ignored is 0 with a zero gradient', () => {
  const z = fromArray([[1, 2], [3, 4]], undefined, { requiresGrad: true });
  const loss = crossEntropy(z, Int32Array.from([-1, -1]), { ignoreIndex: -1 });
  assert.equal(loss.item(), 0);
  backward(loss);
  assert.deepEqual(Array.from(z.grad!), [0, 0, 0, 0]);
});

test('crossEntropy names a target outside the vocabulary and its row', () => {
  assert.throws(() => crossEntropy(zeros([2, 3]), Int32Array.from([0, 3])), /crossEntropy: target 3 at row 1 is outside \[0, 3\)/);
  assert.throws(() => crossEntropy(zeros([2, 3]), Int32Array.from([-100, 0])), /target -100 at row 0/);
  assert.throws(() => crossEntropy(zeros([2, 3]), Int32Array.from([0])), /1 targets for logits \[2, 3\]/);
});
