// ListOps batches for the classifier: each row is an example's tokens, right-padded, and decodes
// back to the release text of that example; an epoch covers every example once, in batches of
// similar lengths; the same seed gives the same order.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateListOps, listOpsTokenizer, LISTOPS_PAD } from '../../src/data/listops.js';
import { listOpsBatch, epochBatches, trainClassifier, probeStepSeconds } from '../../src/train/listops_trainer.js';
import { SequenceClassifier } from '../../src/models/classifier.js';
import { modelConfig } from '../../src/models/config.js';
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

const tinyClassifier = () => new SequenceClassifier(modelConfig({ vocab_size: listOpsTokenizer.vocabSize, hidden_size: 8, num_hidden_layers: 1, mixer: 'lru' }), { numLabels: 10, padId: LISTOPS_PAD, seed: 0 });
const opts = { steps: 50, batchSize: 4, lr: 1e-3, minLr: 1e-4, warmupSteps: 0, weightDecay: 0, gradClip: 1, evalEvery: 0, evalSize: 4, seed: 0 };

test('with a deadline already past, classifier training stops after one step and evaluates that step', () => {
  const result = trainClassifier(tinyClassifier(), { train: split, val: split }, { ...opts, deadline: performance.now() - 1 });
  assert.equal(result.train.length, 1);
  assert.equal(result.final.step, 1);
});

test('the probed step time is positive and leaves the caller\'s model as it was', () => {
  const model = tinyClassifier();
  const before = Float32Array.from(model.weights().values().next().value!.data);
  const seconds = probeStepSeconds(tinyClassifier, split, opts);
  assert.ok(seconds > 0 && seconds < 10, `${seconds} s`);
  assert.deepEqual(Float32Array.from(model.weights().values().next().value!.data), before);
});
