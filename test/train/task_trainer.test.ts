// The task trainer: it learns a tiny task, its held-out set is fixed and apart from the training
// batches, accuracy counts exactly the answer positions, and the same seed gives the same run.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LanguageModel } from '../../src/models/language_model.js';
import { modelConfig } from '../../src/models/config.js';
import { makeTask, IGNORE_INDEX, TASK_NAMES } from '../../src/data/tasks.js';
import { trainTask, evaluateTask, heldOutSet, taskSeeds, TaskTrainOptions } from '../../src/train/task_trainer.js';

const opts: TaskTrainOptions = {
  steps: 150, batchSize: 16, lr: 1e-2, minLr: 1e-3, warmupSteps: 15, weightDecay: 0.01, gradClip: 1, evalEvery: 50, evalSize: 64, seed: 0,
};

function lruModel(vocab: number, seed = 0): LanguageModel {
  return new LanguageModel(modelConfig({ vocab_size: vocab, hidden_size: 16, num_hidden_layers: 1, mixer: 'lru' }), { seed });
}

test('an LRU learns delayed recall at L 16 to more than 90 % held-out accuracy in 150 steps', () => {
  const task = makeTask('delayed-recall', { length: 16 });
  const model = lruModel(task.vocabSize);
  const seen: number[] = [];
  const result = trainTask(model, task, opts, { onEval: (e) => seen.push(e.step) });
  assert.deepEqual(seen, [0, 50, 100, 150]);
  assert.deepEqual(result.eval.map((e) => e.step), seen);
  assert.equal(result.train.length, 150);
  assert.ok(result.eval[0].accuracy < 0.3, `chance-level before training (1/14), got ${result.eval[0].accuracy}`);
  assert.ok(result.final.accuracy > 0.9, `final accuracy ${result.final.accuracy}`);
  assert.ok(result.final.loss < result.eval[0].loss / 2, `loss ${result.eval[0].loss} → ${result.final.loss}`);
  assert.deepEqual(result.final, result.eval.at(-1));
});

test('the same seed gives the same curves; another seed gives other batches', () => {
  const task = makeTask('delayed-recall', { length: 8 });
  const short = { ...opts, steps: 5, evalEvery: 0, evalSize: 8 };
  const a = trainTask(lruModel(task.vocabSize), task, short);
  const b = trainTask(lruModel(task.vocabSize), task, short);
  assert.deepEqual(a, b);
  const c = trainTask(lruModel(task.vocabSize), task, { ...short, seed: 1 });
  assert.notDeepEqual(a.train.map((s) => s.loss), c.train.map((s) => s.loss));
});

test('training and held-out seeds never meet, and the held-out set covers evalSize sequences', () => {
  for (const seed of [0, 1, 12345, 2 ** 32 - 1]) {
    const s = taskSeeds(seed);
    const train = new Set(Array.from({ length: 5000 }, (_, i) => s.train(i)));
    for (let k = 0; k < 5000; k++) assert.ok(!train.has(s.heldOut(k)), `seed ${seed}: held-out batch ${k}`);
  }
  const task = makeTask('induction-heads', { length: 12 });
  const set = heldOutSet(task, 37, 16, 3);
  assert.deepEqual(set.map((b) => b.batch), [16, 16, 5]);
  assert.deepEqual(heldOutSet(task, 37, 16, 3), set, 'fixed');
});

test('evaluateTask scores exactly the answer positions (targets ≠ −100): accuracy 2/3 and their mean loss', () => {
  const model = lruModel(6);
  const [B, L, V] = [1, 6, 6];
  const inputs = Int32Array.of(1, 2, 3, 4, 5, 0);
  const logits = model.forward(inputs, B, L).data; // [1, 6, 6]
  const argmaxAt = (t: number) => [...logits.subarray(t * V, (t + 1) * V)].reduce((best, x, v, row) => (x > row[best] ? v : best), 0);
  // Answers at 1 (right), 3 (wrong) and 5 (right); a wrong answer would count at every other position.
  const targets = Int32Array.from({ length: L }, (_, t) => (t === 1 || t === 5 ? argmaxAt(t) : t === 3 ? (argmaxAt(t) + 1) % V : IGNORE_INDEX));
  const { accuracy, loss } = evaluateTask(model, [{ inputs, targets, batch: B, length: L, vocabSize: V }]);
  assert.equal(accuracy, 2 / 3);
  const nll = (t: number) => {
    const row = [...logits.subarray(t * V, (t + 1) * V)];
    const m = Math.max(...row);
    return Math.log(row.reduce((s, x) => s + Math.exp(x - m), 0)) + m - row[targets[t]];
  };
  // f32 logits, f64 reference: rounding only.
  assert.ok(Math.abs(loss - (nll(1) + nll(3) + nll(5)) / 3) < 1e-5, `loss ${loss}`);
});

test('every task name builds a task; bad names and options fail clearly', () => {
  for (const name of TASK_NAMES) {
    const task = makeTask(name, { length: 40 });
    const b = task.generate(1, 2);
    assert.equal(b.inputs.length, 80, name);
    assert.ok(b.targets.some((t) => t !== IGNORE_INDEX), name);
  }
  assert.throws(() => makeTask('copying', { length: 40 }), /unknown task 'copying' \(available: delayed-recall, parity, selective-copying, induction-heads\)/);
  assert.throws(() => makeTask('selective-copying', { length: 10 }), /selectiveCopying: length must be an integer ≥ 32, got 10/);
  const task = makeTask('delayed-recall', { length: 8, vocab: 20 });
  assert.throws(() => trainTask(lruModel(16), task, opts), /vocab_size 16 is smaller than the delayed-recall task's vocabulary 20/);
  assert.throws(() => trainTask(lruModel(20), task, { ...opts, batchSize: 0 }), /batchSize must be an integer ≥ 1, got 0/);
  assert.throws(() => trainTask(lruModel(20), task, { ...opts, gradClip: 0 }), /gradClip must be a number > 0/);
});

test('with stopAt, training ends at the first held-out evaluation that reaches it', () => {
  const task = makeTask('delayed-recall', { length: 16 });
  const result = trainTask(lruModel(task.vocabSize), task, { ...opts, steps: 400, evalEvery: 25, stopAt: 0.9 });
  assert.ok(result.final.accuracy >= 0.9, `final accuracy ${result.final.accuracy}`);
  assert.ok(result.train.length < 400 && result.train.length % 25 === 0, `stopped after ${result.train.length} steps`);
  assert.equal(result.final.step, result.train.length);
  assert.equal(result.eval.filter((e) => e.step === result.final.step).length, 1, 'the last evaluation is not repeated');
});

test('with a deadline already past, training stops after one step, evaluates it and says it ran out of time', () => {
  const task = makeTask('delayed-recall', { length: 16 });
  const result = trainTask(lruModel(task.vocabSize), task, { ...opts, steps: 400, deadline: performance.now() - 1 });
  assert.equal(result.train.length, 1);
  assert.equal(result.final.step, 1);
  assert.equal(result.outOfTime, true);
  assert.equal(trainTask(lruModel(task.vocabSize), task, { ...opts, steps: 2 }).outOfTime, false, 'no deadline: never out of time');
});
