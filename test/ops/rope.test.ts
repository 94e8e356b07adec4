// rope against rotations worked by hand, and its backward as the opposite rotation.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rope } from '../../src/ops/index.js';
import { Tensor, fromArray } from '../../src/tensor/tensor.js';
import { Rng } from '../../src/tensor/random.js';
import { assertClose, rand } from '../helpers.js';

test('rope turns dimension i with i + d/2 by position · theta^(−2i/d)', () => {
  // d = 4, θ = 100: inv_freq = [1, 1/10]. Position 2 (offset 1, row 1): angles 2 and 0.2.
  // Pair (x0, x2) = (1, 2) by 2 rad; pair (x1, x3) = (3, 4) by 0.2 rad.
  const x = fromArray([0, 0, 0, 0, 1, 3, 2, 4], [1, 2, 1, 4]);
  const y = rope(x, 100, 1);
  const [c2, s2, c02, s02] = [Math.cos(2), Math.sin(2), Math.cos(0.2), Math.sin(0.2)];
  assertClose(y.data, [0, 0, 0, 0, 1 * c2 - 2 * s2, 3 * c02 - 4 * s02, 2 * c2 + 1 * s2, 4 * c02 + 3 * s02], 1e-6, 1e-6);
});

test('rope leaves position 0 unchanged and keeps every head the same rotation', () => {
  const x = fromArray([1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 1, 2, 3, 4], [1, 2, 2, 4]);
  const y = rope(x, 10000);
  assertClose(y.data.subarray(0, 8), [1, 2, 3, 4, 5, 6, 7, 8]);
  assertClose(y.data.subarray(8, 12), y.data.subarray(12, 16)); // two heads of the same values at one position
  // A rotation keeps the norm of each pair: (1, 3) at position 1 by 1 rad.
  assert.ok(Math.abs(Math.hypot(y.data[8], y.data[10]) - Math.hypot(1, 3)) < 1e-6);
});

test('rope rejects an odd head_dim', () => {
  assert.throws(() => rope(fromArray([1, 2, 3], [1, 1, 1, 3]), 10000), /head_dim 3 .* must be even/);
});

test('rope with an offset per batch entry turns each entry as rope of that entry alone', () => {
  const x = rand([3, 4, 2, 6], new Rng(3), { grad: false });
  const offsets = Int32Array.of(0, 7, 2);
  const y = rope(x, 500, offsets);
  const per = 4 * 2 * 6;
  for (let b = 0; b < 3; b++) {
    const alone = rope(new Tensor(x.data.slice(b * per, (b + 1) * per), [1, 4, 2, 6]), 500, offsets[b]);
    assertClose(y.data.subarray(b * per, (b + 1) * per), alone.data, 0, 0, `entry ${b}`);
  }
  assert.throws(() => rope(x, 500, Int32Array.of(1, 2)), /2 offsets for input \[3, 4, 2, 6\]/);
});
