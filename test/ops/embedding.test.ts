// embedding forward: row lookup, output shape, and the error for an id out of range.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { embedding } from '../../src/ops/index.js';
import { fromArray } from '../../src/tensor/tensor.js';

test('embedding picks the rows of the ids and appends the width to their shape', () => {
  const w = fromArray([[0, 1], [10, 11], [20, 21]]);
  const y = embedding(w, Int32Array.from([2, 0, 2, 1]), [2, 2]);
  assert.deepEqual(y.shape, [2, 2, 2]);
  assert.deepEqual(Array.from(y.data), [20, 21, 0, 1, 20, 21, 10, 11]);
});

test('embedding names an id outside the vocabulary and its position', () => {
  const w = fromArray([[0, 1], [10, 11]]);
  assert.throws(() => embedding(w, Int32Array.from([1, 0, 2]), [3]), /embedding: id 2 at position 2 is outside the vocabulary \[0, 2\)/);
  assert.throws(() => embedding(w, Int32Array.from([-1]), [1]), /id -1 at position 0/);
});
