// softmax and logSoftmax forward values.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { softmax, logSoftmax } from '../../src/ops/index.js';
import { fromArray } from '../../src/tensor/tensor.js';
import { assertClose } from '../helpers.js';

test('softmax of [0, ln 2, ln 5] is [1, 2, 5] / 8', () => {
  assertClose(softmax(fromArray([0, Math.log(2), Math.log(5)])).data, [1 / 8, 2 / 8, 5 / 8], 1e-6, 1e-6);
});

test('softmax along the first axis normalises columns', () => {
  // Columns [0, 0] → [1/2, 1/2]; [ln 3, 0] → [3/4, 1/4].
  const y = softmax(fromArray([[0, Math.log(3)], [0, 0]]), 0);
  assertClose(y.data, [0.5, 0.75, 0.5, 0.25], 1e-6, 1e-6);
});

test('logSoftmax equals log of softmax and stays finite for huge logits', () => {
  const y = logSoftmax(fromArray([[1000, 1000 + Math.log(3)]]));
  assertClose(y.data, [Math.log(1 / 4), Math.log(3 / 4)], 1e-4, 1e-4);
  assert.throws(() => softmax(fromArray([1, 2]), 1), /softmax: axis 1 is out of range for input \[2\]/);
});
