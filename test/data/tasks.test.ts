// The long-range task generators: shapes, token ranges, answers where the task says and −100
// everywhere else, determinism by seed, and the option checks.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { delayedRecall, runningParity, selectiveCopying, inductionHeads, IGNORE_INDEX, TaskBatch } from '../../src/data/tasks.js';

/** Row b of inputs and targets. */
function row(t: TaskBatch, b: number): { x: number[]; y: number[] } {
  const s = b * t.length;
  return { x: Array.from(t.inputs.subarray(s, s + t.length)), y: Array.from(t.targets.subarray(s, s + t.length)) };
}

function assertCommon(t: TaskBatch, batch: number, length: number, vocabSize: number): void {
  assert.equal(t.batch, batch);
  assert.equal(t.length, length);
  assert.equal(t.vocabSize, vocabSize);
  assert.equal(t.inputs.length, batch * length);
  assert.equal(t.targets.length, batch * length);
  assert.ok(t.inputs.every((v) => v >= 0 && v < vocabSize), 'inputs in the vocabulary');
  assert.ok(t.targets.every((v) => v === IGNORE_INDEX || (v >= 0 && v < vocabSize)), 'targets in the vocabulary or ignored');
}

test('delayedRecall: the token at position 0 is the only target, at the query at L−1, blanks between (L 2048)', () => {
  const t = delayedRecall({ length: 2048, vocab: 10, batch: 16, seed: 1 });
  assertCommon(t, 16, 2048, 10);
  const seen = new Set<number>();
  for (let b = 0; b < 16; b++) {
    const { x, y } = row(t, b);
    assert.ok(x[0] >= 2, 'a data token first');
    assert.equal(x[2047], 1, 'the query token last');
    assert.ok(x.slice(1, 2047).every((v) => v === 0), 'blanks between');
    assert.deepEqual(y.slice(0, 2047).filter((v) => v !== IGNORE_INDEX), []);
    assert.equal(y[2047], x[0]);
    seen.add(x[0]);
  }
  assert.ok(seen.size > 3, 'several different tokens to recall');
});

test('runningParity: every target is the XOR of the bits so far', () => {
  const t = runningParity({ length: 50, batch: 3, seed: 2 });
  assertCommon(t, 3, 50, 2);
  for (let b = 0; b < 3; b++) {
    const { x, y } = row(t, b);
    let p = 0;
    x.forEach((bit, i) => {
      p ^= bit;
      assert.equal(y[i], p);
    });
  }
});

test('selectiveCopying: 16 data tokens in order among noise, then 16 markers whose targets are those tokens (L 4096, vocab 16)', () => {
  const t = selectiveCopying({ length: 4096, numData: 16, vocab: 16, batch: 4, seed: 3 });
  assertCommon(t, 4, 4096, 16);
  for (let b = 0; b < 4; b++) {
    const { x, y } = row(t, b);
    const context = x.slice(0, 4080);
    const data = context.filter((v) => v !== 0);
    assert.equal(data.length, 16, 'exactly 16 data tokens in the context');
    assert.ok(data.every((v) => v >= 1 && v <= 14), 'data tokens are 1..vocab−2');
    assert.deepEqual(x.slice(4080), new Array(16).fill(15), 'markers at the end');
    assert.deepEqual(y.slice(4080), data, 'targets: the data tokens in order');
    assert.ok(y.slice(0, 4080).every((v) => v === IGNORE_INDEX));
  }
  // Random positions: the first data token is not always at the start.
  const firsts = [0, 1, 2, 3].map((b) => row(t, b).x.findIndex((v) => v !== 0));
  assert.ok(firsts.some((p) => p > 16), `first data positions ${firsts}`);
});

test('inductionHeads: the trigger appears twice, the target at the end is the token after its first occurrence', () => {
  const t = inductionHeads({ length: 256, vocab: 16, batch: 8, seed: 4 });
  assertCommon(t, 8, 256, 16);
  for (let b = 0; b < 8; b++) {
    const { x, y } = row(t, b);
    const triggers = x.flatMap((v, i) => (v === 15 ? [i] : []));
    assert.equal(triggers.length, 2, 'trigger twice');
    assert.equal(triggers[1], 255, 'the second trigger is last');
    assert.ok(triggers[0] <= 253);
    assert.equal(y[255], x[triggers[0] + 1]);
    assert.ok(y[255] < 15, 'the answer is an ordinary token');
    assert.ok(y.slice(0, 255).every((v) => v === IGNORE_INDEX));
  }
});

test('the same seed gives the same batch, another seed a different one', () => {
  const gens = [
    (seed: number) => delayedRecall({ length: 64, vocab: 8, batch: 4, seed }),
    (seed: number) => runningParity({ length: 64, batch: 2, seed }),
    (seed: number) => selectiveCopying({ length: 64, numData: 4, vocab: 6, batch: 2, seed }),
    (seed: number) => inductionHeads({ length: 64, batch: 2, seed }),
  ];
  for (const gen of gens) {
    assert.deepEqual(gen(7), gen(7));
    assert.notDeepEqual(gen(7).inputs, gen(8).inputs);
  }
});

test('options are checked with the task and option named', () => {
  assert.throws(() => delayedRecall({ length: 1, vocab: 8, seed: 0 }), /delayedRecall: length must be an integer ≥ 2, got 1/);
  assert.throws(() => delayedRecall({ length: 8, vocab: 2, seed: 0 }), /delayedRecall: vocab must be an integer ≥ 3/);
  assert.throws(() => selectiveCopying({ length: 31, numData: 16, seed: 0 }), /selectiveCopying: length must be an integer ≥ 32, got 31/);
  assert.throws(() => inductionHeads({ length: 16, batch: 0, seed: 0 }), /inductionHeads: batch must be an integer ≥ 1, got 0/);
  assert.throws(() => runningParity({ length: 2.5, seed: 0 }), /runningParity: length must be an integer ≥ 1/);
});
