// cosineWithWarmup: lr/warmup at the first step, lr at the end of the warmup, halfway in the
// middle, minLr at and after the end.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cosineWithWarmup } from '../../src/optim/index.js';
import { assertClose } from '../helpers.js';

test('cosineWithWarmup warms up linearly, decays by a cosine to minLr, then stays there', () => {
  const f = cosineWithWarmup({ lr: 1e-3, minLr: 1e-4, warmupSteps: 10, totalSteps: 110 });
  assertClose([f(4)], [5e-4], 1e-12, 1e-9);
  assertClose([f(9)], [1e-3], 1e-12, 1e-9);
  assertClose([f(10)], [1e-3], 1e-12, 1e-9);
  assertClose([f(60)], [(1e-3 + 1e-4) / 2], 1e-12, 1e-9);
  assertClose([f(110)], [1e-4], 1e-12, 1e-9);
  assert.equal(f(1000), 1e-4);
  assert.ok(f(30) > f(31));
});

test('cosineWithWarmup without warmup starts at lr', () => {
  assert.equal(cosineWithWarmup({ lr: 2, minLr: 0, warmupSteps: 0, totalSteps: 4 })(0), 2);
});

test('the first step of a warmup already learns: step 0 runs at lr / warmupSteps, not at 0', () => {
  const f = cosineWithWarmup({ lr: 1e-3, minLr: 1e-4, warmupSteps: 10, totalSteps: 110 });
  assertClose([f(0)], [1e-4], 1e-12, 1e-9);
});
