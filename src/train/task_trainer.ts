// Training on a synthetic task (src/data/tasks.ts): a fresh seeded batch every step, AdamW with
// warmup + cosine and gradient clipping (the optimisation step every trainer shares), and loss and
// accuracy on the answer positions (targets ≠ −100) of a fixed held-out set, whose seeds the
// training batches never use. Returns the curves; nothing is written to disk.

import { noGrad } from '../autograd/tape.js';
import type { CausalLM } from '../models/causal_lm.js';
import { crossEntropy, reshape } from '../ops/index.js';
import { IGNORE_INDEX, Task, TaskBatch } from '../data/tasks.js';
import { createOptimizer, optimizerStep } from './step.js';

export interface TaskTrainOptions {
  steps: number;
  batchSize: number;
  lr: number;
  minLr: number;
  warmupSteps: number;
  weightDecay: number;
  gradClip: number;
  /** Steps between held-out evaluations (0: only before training and at the end). */
  evalEvery: number;
  /** Held-out sequences, evaluated in batches of batchSize. */
  evalSize: number;
  seed: number;
  /** Stop at the first held-out evaluation whose accuracy reaches this (a budget of "steps until solved"). */
  stopAt?: number;
  /** Stop after the first step that ends past this time (performance.now(), ms): a wall-clock budget. */
  deadline?: number;
}

export interface TaskStepInfo {
  step: number;
  loss: number;
  lr: number;
  gradNorm: number;
}

/** Held-out loss (nats, mean over answer tokens) and accuracy (fraction of answer tokens right). */
export interface TaskEvalInfo {
  step: number;
  loss: number;
  accuracy: number;
}

export interface TaskCallbacks {
  onStep?: (info: TaskStepInfo) => void;
  onEval?: (info: TaskEvalInfo) => void;
}

export interface TaskTrainResult {
  train: TaskStepInfo[];
  /** Step 0 (before training), every evalEvery steps, and the last step (earlier with stopAt). */
  eval: TaskEvalInfo[];
  final: TaskEvalInfo;
  /** True when the deadline, not the step cap or stopAt, ended training. */
  outOfTime: boolean;
}

/**
 * Seeds of training batch s and held-out batch k: one odd-multiplier hash of the run seed, then
 * even offsets for training and odd ones for the held-out set, so the two never meet (mod 2³²).
 */
export function taskSeeds(seed: number): { train: (step: number) => number; heldOut: (k: number) => number } {
  const base = Math.imul(seed, 0x9e3779b1) >>> 0;
  return { train: (s) => (base + 2 * s + 2) >>> 0, heldOut: (k) => (base + 2 * k + 1) >>> 0 };
}

/** The held-out set: ⌈evalSize / batchSize⌉ batches, the last one shorter when batchSize does not divide it. */
export function heldOutSet(task: Task, evalSize: number, batchSize: number, seed: number): TaskBatch[] {
  const seeds = taskSeeds(seed);
  const out: TaskBatch[] = [];
  for (let k = 0, left = evalSize; left > 0; k++, left -= batchSize) out.push(task.generate(seeds.heldOut(k), Math.min(batchSize, left)));
  return out;
}

/** Loss and accuracy over the answer positions of `batches` (no gradient). */
export function evaluateTask(model: CausalLM, batches: TaskBatch[]): { loss: number; accuracy: number } {
  return noGrad(() => {
    let lossSum = 0;
    let correct = 0;
    let answers = 0;
    for (const b of batches) {
      const V = model.config.vocab_size;
      const logits = reshape(model.forward(b.inputs, b.batch, b.length), [b.batch * b.length, V]); // [B·L, V]
      let n = 0;
      for (let i = 0; i < b.targets.length; i++) {
        const target = b.targets[i];
        if (target === IGNORE_INDEX) continue;
        n++;
        let best = 0;
        for (let v = 1; v < V; v++) if (logits.data[i * V + v] > logits.data[i * V + best]) best = v;
        if (best === target) correct++;
      }
      if (n === 0) continue;
      lossSum += crossEntropy(logits, b.targets, { ignoreIndex: IGNORE_INDEX }).item() * n;
      answers += n;
    }
    if (answers === 0) throw new Error('evaluateTask: the held-out set has no answer positions');
    return { loss: lossSum / answers, accuracy: correct / answers };
  });
}

/** Trains `model` on `task`; the model's vocabulary must hold the task's. */
export function trainTask(model: CausalLM, task: Task, opts: TaskTrainOptions, callbacks: TaskCallbacks = {}): TaskTrainResult {
  checkOptions(model, task, opts);
  const opt = createOptimizer(model, opts);
  const seeds = taskSeeds(opts.seed);
  const heldOut = heldOutSet(task, opts.evalSize, opts.batchSize, opts.seed);
  const result: TaskTrainResult = { train: [], eval: [], final: { step: 0, loss: NaN, accuracy: NaN }, outOfTime: false };
  const runEval = (step: number) => {
    const info = { step, ...evaluateTask(model, heldOut) };
    result.eval.push(info);
    callbacks.onEval?.(info);
    return info;
  };
  const advice = 'Try a lower --lr or a stronger --grad-clip.';

  runEval(0);
  for (let step = 0; step < opts.steps; ) {
    const data = task.generate(seeds.train(step), opts.batchSize);
    const { loss, gradNorm, lr } = optimizerStep(model, opt, step, data, opts.gradClip, advice);
    step++;
    const info = { step, loss, lr, gradNorm };
    result.train.push(info);
    callbacks.onStep?.(info);
    if (opts.evalEvery > 0 && step % opts.evalEvery === 0 && step < opts.steps) {
      if (runEval(step).accuracy >= (opts.stopAt ?? Infinity)) break;
    }
    if (opts.deadline !== undefined && step < opts.steps && performance.now() > opts.deadline) {
      result.outOfTime = true;
      break;
    }
  }
  const last = result.train.length;
  result.final = last > 0 && result.eval.at(-1)!.step === last ? result.eval.at(-1)! : last > 0 ? runEval(last) : result.eval[0];
  return result;
}

function checkOptions(model: CausalLM, task: Task, o: TaskTrainOptions): void {
  const V = model.config.vocab_size;
  if (V < task.vocabSize) throw new Error(`trainTask: the model's vocab_size ${V} is smaller than the ${task.name} task's vocabulary ${task.vocabSize}`);
  for (const key of ['steps', 'evalEvery', 'warmupSteps'] as const) {
    if (!Number.isInteger(o[key]) || o[key] < 0) throw new Error(`trainTask: ${key} must be an integer ≥ 0, got ${o[key]}`);
  }
  for (const key of ['batchSize', 'evalSize'] as const) {
    if (!Number.isInteger(o[key]) || o[key] < 1) throw new Error(`trainTask: ${key} must be an integer ≥ 1, got ${o[key]}`);
  }
  for (const key of ['lr', 'minLr', 'weightDecay'] as const) {
    if (!Number.isFinite(o[key]) || o[key] < 0) throw new Error(`trainTask: ${key} must be a number ≥ 0, got ${o[key]}`);
  }
  if (!(o.gradClip > 0)) throw new Error(`trainTask: gradClip must be a number > 0, got ${o.gradClip}`);
}
