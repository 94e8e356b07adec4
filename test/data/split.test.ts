// The three-way split of the experiments: consecutive blocks, always the same, and no window of
// the test split shares a token with a training or validation window.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitTrainValTest } from '../../src/data/split.js';
import { BatchSampler, evalBatches } from '../../src/data/batches.js';

/** Token i is i, so that a window's contents are its positions in the corpus. */
const positions = (n: number) => Int32Array.from({ length: n }, (_, i) => i);

test('splitTrainValTest gives 80 / 10 / 10 % as consecutive blocks that cover every token once', () => {
  const tokens = positions(10_007);
  const s = splitTrainValTest(tokens);
  assert.deepEqual(s.ranges, { train: [0, 8007], val: [8007, 9007], test: [9007, 10_007] });
  assert.equal(s.train.length + s.val.length + s.test.length, tokens.length);
  assert.equal(s.val[0], 8007);
  assert.equal(s.test[0], 9007);
  assert.deepEqual(splitTrainValTest(tokens).ranges, s.ranges, 'the same corpus splits the same way');
});

test('no test window shares a token with any training or validation window', () => {
  const L = 32;
  const s = splitTrainValTest(positions(20_000), { valFraction: 0.15, testFraction: 0.1 });
  const seen = { train: new Set<number>(), val: new Set<number>(), test: new Set<number>() };
  // Inputs and targets both: a window reads L + 1 tokens.
  const record = (set: Set<number>, b: { inputs: Int32Array; targets: Int32Array }) => {
    for (const t of b.inputs) set.add(t);
    for (const t of b.targets) set.add(t);
  };
  const sampler = new BatchSampler(s.train, { batchSize: 16, contextLength: L, seed: 3 });
  for (let i = 0; i < 400; i++) record(seen.train, sampler.next());
  for (const b of evalBatches(s.val, { batchSize: 8, contextLength: L })) record(seen.val, b);
  for (const b of evalBatches(s.test, { batchSize: 8, contextLength: L })) record(seen.test, b);
  assert.ok(Math.max(...seen.train) >= s.ranges.train[1] - L, 'the sampler reaches the end of the training block');
  for (const t of seen.test) {
    assert.ok(!seen.train.has(t) && !seen.val.has(t), `test token ${t} also in another split`);
    assert.ok(t >= s.ranges.test[0] && t < s.ranges.test[1]);
  }
  for (const t of seen.val) assert.ok(!seen.train.has(t), `validation token ${t} also in training`);
});

test('splitTrainValTest refuses fractions that leave a split empty, naming the option', () => {
  assert.throws(() => splitTrainValTest(positions(100), { testFraction: 0 }), /testFraction must be in \(0, 1\), got 0/);
  assert.throws(() => splitTrainValTest(positions(100), { valFraction: 0.5, testFraction: 0.5 }), /leaves no training tokens/);
});
