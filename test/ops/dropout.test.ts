// dropout: identity outside training, inverted scaling, and the drop rate.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dropout } from '../../src/ops/index.js';
import { ones } from '../../src/tensor/tensor.js';
import { Rng } from '../../src/tensor/random.js';

test('dropout is the identity when not training or when p is 0', () => {
  const x = ones([4]);
  assert.equal(dropout(x, 0.5, new Rng(1), false), x);
  assert.equal(dropout(x, 0, new Rng(1)), x);
});

test('dropout zeroes about p of the elements and scales the others by 1/(1 − p)', () => {
  const y = dropout(ones([10000]), 0.25, new Rng(2));
  let kept = 0;
  for (const v of y.data) {
    if (v !== 0) {
      kept++;
      assert.ok(Math.abs(v - 4 / 3) < 1e-6);
    }
  }
  // Binomial(10000, 0.75): standard deviation ≈ 43; 5 of them is 217.
  assert.ok(Math.abs(kept - 7500) < 217, `kept ${kept}`);
  assert.throws(() => dropout(ones([1]), 1, new Rng(0)), /dropout: p must be in \[0, 1\), got 1/);
});
