// ListOps batches for the classifier: each row is an example's tokens, right-padded, and decodes
// back to the release text of that example; an epoch covers every example once, in batches of
// similar lengths; the same seed gives the same order.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateListOps, listOpsTokenizer, LISTOPS_PAD } from '../../src/data/listops.js';
import { listOpsBatch, epochBatches } from '../../src/train/listops_trainer.js';
import { Rng } from '../../src/tensor/random.js';

const split = generateListOps(40, { seed: 3 });

test('a batch row is its example\'s tokens then padding, decoding to the same text; the labels are the values', () => {
  const b = listOpsBatch(split, [5, 0, 17]);
  assert.equal(b.batch, 3);
  assert.equal(b.length, Math.max(split.tokens(5).length, split.tokens(0).length, split.tokens(17).length));
  [5, 0, 17].forEach((i, r) => {
    const row = b.inputs.subarray(r * b.length, (r + 1) * b.length);
    const n = split.tokens(i).length;
    assert.deepEqual(Array.from(row.subarray(0, n)), Array.from(split.tokens(i)));
    assert.ok(row.subarray(n).every((id) => id === LISTOPS_PAD));
    assert.equal(listOpsTokenizer.decode(row), split.source(i));
    assert.deepEqual(listOpsTokenizer.encode(split.source(i)), Int32Array.from(split.tokens(i)));
    assert.equal(b.targets[r], split.target(i));
  });
});

test('an epoch covers every example once, each batch of similar lengths, in a seeded order', () => {
  const batches = epochBatches(split, 4, new Rng(1));
  assert.deepEqual(batches.flat().sort((a, b) => a - b), Array.from({ length: 40 }, (_, i) => i));
  assert.ok(batches.every((b) => b.length === 4));
  // The pool (32 batches) holds the whole split here: the batches are consecutive runs of the sorted lengths.
  const sorted = Array.from({ length: 40 }, (_, i) => split.tokens(i).length).sort((a, b) => a - b);
  const runs = batches.map((b) => b.map((i) => split.tokens(i).length).sort((x, y) => x - y)).sort((x, y) => x[0] - y[0] || x[3] - y[3]);
  assert.deepEqual(runs.flat(), sorted);
  assert.deepEqual(epochBatches(split, 4, new Rng(1)), batches);
  assert.notDeepEqual(epochBatches(split, 4, new Rng(2)), batches);
});
