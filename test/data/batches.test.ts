import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BatchSampler, evalBatches } from '../../src/data/batches.js';

/** Token value = position, so a window's start and contiguity can be read off its values. */
const positions = (n: number): Int32Array => Int32Array.from({ length: n }, (_, i) => i);

test('each row is a contiguous window and targets are the inputs shifted by one', () => {
  const s = new BatchSampler(positions(50), { batchSize: 3, contextLength: 8, seed: 1 });
  const { inputs, targets } = s.next();
  assert.equal(inputs.length, 24);
  for (let b = 0; b < 3; b++) {
    for (let t = 0; t < 8; t++) {
      assert.equal(inputs[b * 8 + t], inputs[b * 8] + t);
      assert.equal(targets[b * 8 + t], inputs[b * 8 + t] + 1);
    }
  }
});

test('window starts reach both ends of the tokens and never run past them', () => {
  const n = 12;
  const L = 4;
  const s = new BatchSampler(positions(n), { batchSize: 16, contextLength: L, seed: 2 });
  const starts = new Set<number>();
  for (let i = 0; i < 20; i++) {
    const { inputs } = s.next();
    for (let b = 0; b < 16; b++) starts.add(inputs[b * L]);
  }
  assert.deepEqual([...starts].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7]); // last start n − L − 1
});

test('the same seed gives the same batches and another seed different ones', () => {
  const opts = { batchSize: 2, contextLength: 5, seed: 9 };
  const a = new BatchSampler(positions(1000), opts);
  const b = new BatchSampler(positions(1000), opts);
  const c = new BatchSampler(positions(1000), { ...opts, seed: 10 });
  const [ba, bb, bc] = [a.next(), b.next(), c.next()];
  assert.deepEqual(ba, bb);
  assert.notDeepEqual(ba.inputs, bc.inputs);
});

test('a state saved after k batches and restored (through JSON) continues with the same batches', () => {
  const opts = { batchSize: 4, contextLength: 6, seed: 5 };
  const a = new BatchSampler(positions(500), opts);
  for (let k = 0; k < 7; k++) a.next();
  const saved = JSON.parse(JSON.stringify(a.getState()));
  const expected = [a.next(), a.next(), a.next()];
  const b = new BatchSampler(positions(500), { ...opts, seed: 123 });
  b.setState(saved);
  assert.deepEqual([b.next(), b.next(), b.next()], expected);
  assert.throws(() => b.setState({ s: [1, 2, 3], spare: null } as never), /BatchSampler\.setState: expected \{s: \[4 unsigned 32-bit integers\]/);
});

test('the sampler refuses a split too short for one window', () => {
  assert.throws(() => new BatchSampler(positions(8), { batchSize: 1, contextLength: 8, seed: 0 }), /corpus too short: training split has 8 tokens, need at least 9 for context 8/);
  assert.throws(() => new BatchSampler(positions(80), { batchSize: 0, contextLength: 8, seed: 0 }), /batchSize must be a positive integer, got 0/);
});

test('evalBatches covers the split with consecutive windows, the last batch holding the remainder', () => {
  const tokens = positions(103);
  const batches = [...evalBatches(tokens, { batchSize: 4, contextLength: 10 })];
  assert.deepEqual(batches.map((b) => b.inputs.length / 10), [4, 4, 2]); // floor(102 / 10) = 10 windows
  const inputs = batches.flatMap((b) => [...b.inputs]);
  const targets = batches.flatMap((b) => [...b.targets]);
  assert.deepEqual(inputs, [...positions(100)]);
  assert.deepEqual(targets, [...positions(101).subarray(1)]);
  assert.deepEqual([...evalBatches(tokens, { batchSize: 4, contextLength: 10 })], batches);
});

test('evalBatches uses the very last token when it fits exactly, and stops at maxBatches', () => {
  const exact = [...evalBatches(positions(41), { batchSize: 8, contextLength: 10 })];
  assert.equal(exact.length, 1);
  assert.equal(exact[0].targets[39], 40);
  assert.equal([...evalBatches(positions(1000), { batchSize: 2, contextLength: 10, maxBatches: 3 })].length, 3);
  assert.throws(() => evalBatches(positions(5), { batchSize: 2, contextLength: 10 }), /corpus too short: validation split has 5 tokens, need at least 11/);
});
