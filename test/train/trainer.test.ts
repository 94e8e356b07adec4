// The trainer: an interrupted run resumed from its checkpoint reproduces the uninterrupted
// losses exactly, and a non-finite loss stops training while keeping the last good checkpoint.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LanguageModel } from '../../src/models/language_model.js';
import { modelConfig } from '../../src/models/config.js';
import { CharTokenizer } from '../../src/data/tokenizer.js';
import { splitTrainVal } from '../../src/data/corpus.js';
import { loadCheckpoint } from '../../src/io/checkpoint.js';
import { train, TrainOptions, TrainingDivergedError } from '../../src/train/trainer.js';

const text = 'Call me Ishmael. Some years ago, never mind how long precisely, having little or no money. '.repeat(8);
const tokenizer = CharTokenizer.fromText(text);
const data = splitTrainVal(tokenizer.encode(text), 0.2);
const newModel = () => new LanguageModel(modelConfig({ vocab_size: tokenizer.vocabSize, hidden_size: 8, num_hidden_layers: 1, state_size: 4 }), { seed: 3 });

function options(runDir: string): TrainOptions {
  return { runDir, steps: 6, batchSize: 2, contextLength: 16, lr: 3e-3, minLr: 3e-4, warmupSteps: 2, weightDecay: 0.1, gradClip: 1, evalEvery: 100, evalBatches: 2, saveEvery: 3, seed: 7 };
}

function trainLosses(runDir: string): number[] {
  return readFileSync(join(runDir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
    .filter((r) => r.type === 'train')
    .map((r) => r.loss);
}

class Interrupt extends Error {}

test('a run interrupted after a checkpoint and resumed gives exactly the uninterrupted losses', () => {
  const dirA = mkdtempSync(join(tmpdir(), 'mamba-ts-a-'));
  const dirB = mkdtempSync(join(tmpdir(), 'mamba-ts-b-'));
  try {
    train(newModel(), tokenizer, data, options(dirA));
    const straight = trainLosses(dirA);
    assert.equal(straight.length, 6);

    assert.throws(
      () =>
        train(newModel(), tokenizer, data, options(dirB), {
          // Killed at step 4, after the step-3 checkpoint: step 4's record must not be kept twice.
          onStep: (info) => {
            if (info.step === 4) throw new Interrupt('killed at step 4');
          },
        }),
      Interrupt,
    );
    train(newModel(), tokenizer, data, options(dirB), {}, true);
    const resumed = trainLosses(dirB);
    assert.equal(resumed.length, 6, 'one record per step');
    assert.deepEqual(resumed.slice(-3), straight.slice(-3), 'steps 4..6 after resume');
    assert.deepEqual(resumed.slice(0, 3), straight.slice(0, 3), 'steps 1..3 before the interruption');
  } finally {
    rmSync(dirA, { recursive: true, force: true });
    rmSync(dirB, { recursive: true, force: true });
  }
});

test('a NaN loss stops training with a clear message and keeps the last good checkpoint', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mamba-ts-nan-'));
  try {
    const model = newModel();
    assert.throws(
      () =>
        train(model, tokenizer, data, options(dir), {
          onSave: (step) => {
            // Poison a weight right after the step-3 checkpoint: step 4's loss becomes NaN.
            if (step === 3) model.backbone.norm_f.weight.data[0] = NaN;
          },
        }),
      (err: unknown) => err instanceof TrainingDivergedError && /step 4: the loss is NaN/.test((err as Error).message) && /last good checkpoint/.test((err as Error).message),
    );
    const ckpt = loadCheckpoint(dir);
    assert.equal((ckpt.trainerState as { step: number }).step, 3);
    for (const [name, t] of ckpt.weights) assert.ok(t.data.every(Number.isFinite), `${name} is finite in the kept checkpoint`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a loss that diverges before the first save says that nothing was saved', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mamba-ts-nan0-'));
  try {
    const model = newModel();
    model.backbone.norm_f.weight.data[0] = NaN;
    assert.throws(
      () => train(model, tokenizer, data, options(dir)),
      (err: unknown) => err instanceof TrainingDivergedError && /step 1: the loss is NaN/.test((err as Error).message) && /Nothing was saved in .*first checkpoint comes at step 3/.test((err as Error).message),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('resume tolerates a torn last line in metrics.jsonl and names the file and line of a garbage one', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mamba-ts-torn-'));
  try {
    const stopAt4 = { onStep: (info: { step: number }) => { if (info.step === 4) throw new Interrupt('killed at step 4'); } };
    assert.throws(() => train(newModel(), tokenizer, data, options(dir), stopAt4), Interrupt);
    const metrics = join(dir, 'metrics.jsonl');
    const lines = readFileSync(metrics, 'utf8');
    // Killed in the middle of writing a record: no newline after it.
    writeFileSync(metrics, lines + '{"type":"train","step":5,"lo');
    train(newModel(), tokenizer, data, options(dir), {}, true);
    assert.equal(trainLosses(dir).length, 6);

    writeFileSync(metrics, lines.replace('\n', '\nnot json\n'));
    assert.throws(() => train(newModel(), tokenizer, data, { ...options(dir), steps: 8 }, {}, true), /metrics\.jsonl line 2: not a JSON record/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
