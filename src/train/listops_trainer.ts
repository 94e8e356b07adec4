// Training a sequence classifier on LRA ListOps (src/data/listops.ts): batches drawn from the
// training split in a seeded order, AdamW with warmup + cosine and clipping (the optimisation
// step every trainer shares), and loss and accuracy on the validation split during training. The
// test split is read once, at the end, by the caller: never for choices.
//
// Sequences are 500–2,000 tokens; a batch is padded only to its own longest one (the classifier
// pools the last real token, so right padding does not change it), and each batch is filled
// with sequences of similar length (sorted within pools of 32 batches, then the batches
// shuffled), which roughly halves the padding of random batches.

import { noGrad } from '../autograd/tape.js';
import { Rng } from '../tensor/random.js';
import type { SequenceClassifier } from '../models/classifier.js';
import { LISTOPS_PAD, type ListOpsSplit } from '../data/listops.js';
import { createOptimizer, optimizerStep } from './step.js';
import type { TaskTrainOptions } from './task_trainer.js';

/** The task trainer's options; evalSize counts validation examples (the first ones of the split). */
export type ClassifierTrainOptions = TaskTrainOptions;

export interface ClassifierEvalInfo {
  step: number;
  loss: number;
  accuracy: number;
}

export interface ClassifierStepInfo {
  step: number;
  loss: number;
  lr: number;
  gradNorm: number;
  /** Padded tokens in the batch (B × its longest sequence). */
  tokens: number;
}

export interface ClassifierTrainResult {
  train: ClassifierStepInfo[];
  eval: ClassifierEvalInfo[];
  final: ClassifierEvalInfo;
}

/** Examples `indices` of a split as a right-padded batch: inputs [B·L], labels [B]. */
export function listOpsBatch(split: ListOpsSplit, indices: ArrayLike<number>): { inputs: Int32Array; targets: Int32Array; batch: number; length: number } {
  const B = indices.length;
  let L = 0;
  for (let i = 0; i < B; i++) L = Math.max(L, split.tokens(indices[i]).length);
  const inputs = new Int32Array(B * L).fill(LISTOPS_PAD);
  const targets = new Int32Array(B);
  for (let i = 0; i < B; i++) {
    inputs.set(split.tokens(indices[i]), i * L);
    targets[i] = split.target(indices[i]);
  }
  return { inputs, targets, batch: B, length: L };
}

/** Batches of similar lengths covering the split once, in a seeded order (see the file comment). */
export function epochBatches(split: ListOpsSplit, batchSize: number, rng: Rng): number[][] {
  const order = Array.from({ length: split.size }, (_, i) => i);
  shuffle(order, rng);
  const pool = 32 * batchSize;
  const batches: number[][] = [];
  for (let p = 0; p < order.length; p += pool) {
    const chunk = order.slice(p, p + pool).sort((a, b) => split.tokens(a).length - split.tokens(b).length);
    for (let i = 0; i < chunk.length; i += batchSize) batches.push(chunk.slice(i, i + batchSize));
  }
  shuffle(batches, rng);
  return batches;
}

function shuffle<T>(a: T[], rng: Rng): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [a[i], a[j]] = [a[j], a[i]];
  }
}

/** Loss and accuracy over the first `count` examples of `split` (no gradient). */
export function evaluateClassifier(model: SequenceClassifier, split: ListOpsSplit, count: number, batchSize: number): { loss: number; accuracy: number } {
  const n = Math.min(count, split.size);
  if (n < 1) throw new Error('evaluateClassifier: no examples to evaluate');
  const C = model.config.num_labels;
  return noGrad(() => {
    let lossSum = 0;
    let correct = 0;
    // Sorted by length so that each batch pads little; the result does not depend on the order.
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => split.tokens(a).length - split.tokens(b).length);
    for (let i = 0; i < n; i += batchSize) {
      const b = listOpsBatch(split, order.slice(i, i + batchSize));
      const logits = model.forward(b.inputs, b.batch, b.length).data; // [B, C]
      for (let r = 0; r < b.batch; r++) {
        const row = logits.subarray(r * C, (r + 1) * C);
        let best = 0;
        for (let c = 1; c < C; c++) if (row[c] > row[best]) best = c;
        let sum = 0;
        for (let c = 0; c < C; c++) sum += Math.exp(row[c] - row[best]);
        lossSum += Math.log(sum) - (row[b.targets[r]] - row[best]);
        if (best === b.targets[r]) correct++;
      }
    }
    return { loss: lossSum / n, accuracy: correct / n };
  });
}

/**
 * Seconds a training step takes on average over an epoch's batches: `probeSteps` steps timed on a
 * throwaway copy of the model (same config and seed; the caller's model is untouched), the median
 * of their costs per padded token times the mean padded tokens of a batch of the first epoch. Used
 * to give every model the same training time: steps = budget / this. A first step is run untimed
 * (allocation, warm-up); the median keeps one step slowed by another process from setting the
 * budget (a mean over 2 steps once gave the LRU 0.63 s a step where its run then took 0.52).
 */
export function probeStepSeconds(
  makeModel: () => SequenceClassifier, train: ListOpsSplit, o: ClassifierTrainOptions, probeSteps = 5,
): number {
  const model = makeModel();
  const opt = createOptimizer(model, o);
  const batches = epochBatches(train, o.batchSize, new Rng(o.seed));
  const padded = (b: number[]) => b.length * Math.max(...b.map((i) => train.tokens(i).length));
  const meanTokens = batches.reduce((a, b) => a + padded(b), 0) / batches.length;
  const perToken: number[] = []; // seconds per padded token of each timed step
  for (let k = 0; k <= probeSteps; k++) {
    const batch = listOpsBatch(train, batches[k % batches.length]);
    const t0 = performance.now();
    optimizerStep(model, opt, k, batch, o.gradClip, 'Try a lower --lr or a stronger --grad-clip.');
    if (k > 0) perToken.push((performance.now() - t0) / 1000 / (batch.batch * batch.length));
  }
  perToken.sort((a, b) => a - b);
  const mid = perToken.length >> 1;
  const median = perToken.length % 2 ? perToken[mid] : (perToken[mid - 1] + perToken[mid]) / 2;
  return median * meanTokens;
}

export function trainClassifier(
  model: SequenceClassifier,
  data: { train: ListOpsSplit; val: ListOpsSplit },
  o: ClassifierTrainOptions,
  callbacks: { onStep?: (s: ClassifierStepInfo) => void; onEval?: (e: ClassifierEvalInfo) => void } = {},
): ClassifierTrainResult {
  if (!(Number.isInteger(o.steps) && o.steps >= 0)) throw new Error(`trainClassifier: steps must be an integer ≥ 0, got ${o.steps}`);
  if (!(Number.isInteger(o.batchSize) && o.batchSize >= 1)) throw new Error(`trainClassifier: batchSize must be an integer ≥ 1, got ${o.batchSize}`);
  const opt = createOptimizer(model, o);
  const rng = new Rng(o.seed);
  const result: ClassifierTrainResult = { train: [], eval: [], final: { step: 0, loss: NaN, accuracy: NaN } };
  const runEval = (step: number) => {
    const info = { step, ...evaluateClassifier(model, data.val, o.evalSize, o.batchSize) };
    result.eval.push(info);
    callbacks.onEval?.(info);
    return info;
  };
  runEval(0);
  let queue: number[][] = [];
  for (let step = 0; step < o.steps; ) {
    if (queue.length === 0) queue = epochBatches(data.train, o.batchSize, rng);
    const batch = listOpsBatch(data.train, queue.pop()!);
    const { loss, gradNorm, lr } = optimizerStep(model, opt, step, batch, o.gradClip, 'Try a lower --lr or a stronger --grad-clip.');
    step++;
    const info = { step, loss, lr, gradNorm, tokens: batch.batch * batch.length };
    result.train.push(info);
    callbacks.onStep?.(info);
    if (o.evalEvery > 0 && step % o.evalEvery === 0 && step < o.steps) runEval(step);
    // A wall-clock budget: stop after the step that ends past the deadline (the schedule stays the one over o.steps).
    if (o.deadline !== undefined && step < o.steps && performance.now() > o.deadline) break;
  }
  const last = result.train.length;
  result.final = last > 0 ? (result.eval.at(-1)!.step === last ? result.eval.at(-1)! : runEval(last)) : result.eval[0];
  return result;
}
