// cosineWithWarmup: 0 at the start, lr after warmup, halfway in the middle, minLr at and after the end.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cosineWithWarmup } from '../../src/optim/index.js';
import { assertClose } from '../helpers.js';

test('cosineWithWarmup warms up linearly from 0, decays by a cosine to minLr, then stays there', () => {
  const f = cosineWithWarmup({ lr: 1e-3, minLr: 1e-4, warmupSteps: 10, totalSteps: 110 });
  assert.equal(f(0), 0);
  assertClose([f(5)], [5e-4], 1e-12, 1e-9);
  assertClose([f(10)], [1e-3], 1e-12, 1e-9);
  assertClose([f(60)], [(1e-3 + 1e-4) / 2], 1e-12, 1e-9);
  assertClose([f(110)], [1e-4], 1e-12, 1e-9);
  assert.equal(f(1000), 1e-4);
  assert.ok(f(30) > f(31));
});

test('cosineWithWarmup without warmup starts at lr', () => {
  assert.equal(cosineWithWarmup({ lr: 2, minLr: 0, warmupSteps: 0, totalSteps: 4 })(0), 2);
});
