// Procedurally generated long-range tasks, seeded: each call with the same options returns the
// same batch. Every generator gives inputs and targets [B·L] (row b is sequence b), with target
// IGNORE_INDEX (−100) wherever nothing is to be predicted, so that the loss and the accuracy count
// only the answers. `vocab` is always the whole vocabulary, special tokens included.

import { Rng } from '../tensor/random.js';

export const IGNORE_INDEX = -100;

export interface TaskBatch {
  inputs: Int32Array; // [B·L]
  targets: Int32Array; // [B·L], IGNORE_INDEX where nothing is to be predicted
  batch: number;
  length: number;
  vocabSize: number;
}

export interface TaskOptions {
  /** L, tokens per sequence. */
  length: number;
  /** Sequences in the batch (default 1). */
  batch?: number;
  seed: number;
}

function checkInt(task: string, name: string, v: number, min: number): void {
  if (!Number.isInteger(v) || v < min) throw new Error(`${task}: ${name} must be an integer ≥ ${min}, got ${v}`);
}

function emptyBatch(task: string, opts: TaskOptions, minLength: number, vocabSize: number): TaskBatch {
  checkInt(task, 'length', opts.length, minLength);
  const batch = opts.batch ?? 1;
  checkInt(task, 'batch', batch, 1);
  const n = batch * opts.length;
  return { inputs: new Int32Array(n), targets: new Int32Array(n).fill(IGNORE_INDEX), batch, length: opts.length, vocabSize };
}

/**
 * Delayed recall: a data token at position 0, blanks (0), and a query token (1) at position L−1
 * where the data token is the target. Data tokens are 2..vocab−1. Pure memory over L−1 steps.
 */
export function delayedRecall(opts: TaskOptions & { vocab: number }): TaskBatch {
  checkInt('delayedRecall', 'vocab', opts.vocab, 3);
  const out = emptyBatch('delayedRecall', opts, 2, opts.vocab);
  const rng = new Rng(opts.seed);
  const L = out.length;
  for (let b = 0; b < out.batch; b++) {
    const token = 2 + rng.int(opts.vocab - 2);
    out.inputs[b * L] = token;
    out.inputs[b * L + L - 1] = 1;
    out.targets[b * L + L - 1] = token;
  }
  return out;
}

/** Running parity: random bits; the target at every position is the XOR of the bits so far. */
export function runningParity(opts: TaskOptions): TaskBatch {
  const out = emptyBatch('runningParity', opts, 1, 2);
  const rng = new Rng(opts.seed);
  for (let b = 0; b < out.batch; b++) {
    let parity = 0;
    for (let t = 0; t < out.length; t++) {
      const i = b * out.length + t;
      const bit = rng.int(2);
      parity ^= bit;
      out.inputs[i] = bit;
      out.targets[i] = parity;
    }
  }
  return out;
}

/**
 * Selective copying (Mamba paper, Section 4.1, after the S4 repository's copying generator):
 * numData data tokens (1..vocab−2) at random positions, in order, among noise tokens (0) in the
 * first L − numData positions; then numData marker tokens (vocab − 1), at which the data tokens
 * are the targets, in order. The paper: L 4096, vocab 16, numData 16.
 */
export function selectiveCopying(opts: TaskOptions & { numData?: number; vocab?: number }): TaskBatch {
  const numData = opts.numData ?? 16;
  const vocab = opts.vocab ?? 16;
  checkInt('selectiveCopying', 'numData', numData, 1);
  checkInt('selectiveCopying', 'vocab', vocab, 3);
  const out = emptyBatch('selectiveCopying', opts, 2 * numData, vocab);
  const rng = new Rng(opts.seed);
  const L = out.length;
  const context = L - numData; // where the data tokens may be
  const slots = new Int32Array(context);
  for (let b = 0; b < out.batch; b++) {
    // numData distinct positions: a partial Fisher–Yates shuffle, then sorted to keep the order.
    for (let i = 0; i < context; i++) slots[i] = i;
    for (let i = 0; i < numData; i++) {
      const j = i + rng.int(context - i);
      [slots[i], slots[j]] = [slots[j], slots[i]];
    }
    const positions = Array.from(slots.subarray(0, numData)).sort((x, y) => x - y);
    positions.forEach((p, k) => {
      const token = 1 + rng.int(vocab - 2);
      out.inputs[b * L + p] = token;
      out.inputs[b * L + context + k] = vocab - 1;
      out.targets[b * L + context + k] = token;
    });
  }
  return out;
}

/**
 * Induction heads (Mamba paper, Section 4.1, after H3's associative-recall setting): random
 * tokens 0..vocab−2; the trigger token (vocab − 1) appears once at a random position p ≤ L−3,
 * followed by the token to remember, and again at position L−1, where that token is the target.
 * The paper: vocab 16, trained at L 256 and tested up to 2²⁰.
 */
export function inductionHeads(opts: TaskOptions & { vocab?: number }): TaskBatch {
  const vocab = opts.vocab ?? 16;
  checkInt('inductionHeads', 'vocab', vocab, 2);
  const out = emptyBatch('inductionHeads', opts, 3, vocab);
  const rng = new Rng(opts.seed);
  const L = out.length;
  const trigger = vocab - 1;
  for (let b = 0; b < out.batch; b++) {
    const row = b * L;
    for (let t = 0; t < L; t++) out.inputs[row + t] = rng.int(vocab - 1);
    const p = rng.int(L - 2);
    out.inputs[row + p] = trigger;
    out.inputs[row + L - 1] = trigger;
    out.targets[row + L - 1] = out.inputs[row + p + 1];
  }
  return out;
}

/** The tasks by their command-line names. */
export const TASK_NAMES = ['delayed-recall', 'parity', 'selective-copying', 'induction-heads'] as const;
export type TaskName = (typeof TASK_NAMES)[number];

/** A task at one length: its vocabulary and a seeded batch generator. */
export interface Task {
  name: TaskName;
  length: number;
  vocabSize: number;
  generate: (seed: number, batch: number) => TaskBatch;
}

/**
 * The task `name` at length L. vocab: delayed recall (default 16), selective copying and induction
 * heads (default 16); parity's is 2. numData: selective copying only (default 16).
 */
export function makeTask(name: string, opts: { length: number; vocab?: number; numData?: number }): Task {
  const { length, vocab, numData } = opts;
  let generate: (seed: number, batch: number) => TaskBatch;
  switch (name) {
    case 'delayed-recall':
      generate = (seed, batch) => delayedRecall({ length, batch, seed, vocab: vocab ?? 16 });
      break;
    case 'parity':
      if (vocab !== undefined && vocab !== 2) throw new Error(`parity: the vocabulary is the two bits, got vocab ${vocab}`);
      generate = (seed, batch) => runningParity({ length, batch, seed });
      break;
    case 'selective-copying':
      generate = (seed, batch) => selectiveCopying({ length, batch, seed, vocab, numData });
      break;
    case 'induction-heads':
      generate = (seed, batch) => inductionHeads({ length, batch, seed, vocab });
      break;
    default:
      throw new Error(`unknown task '${name}' (available: ${TASK_NAMES.join(', ')})`);
  }
  if (numData !== undefined && name !== 'selective-copying') throw new Error(`${name}: numData applies to selective-copying only`);
  // One sequence checks the options (lengths, vocab) now, with the generator's own message.
  const probe = generate(0, 1);
  return { name: name as TaskName, length, vocabSize: probe.vocabSize, generate };
}
