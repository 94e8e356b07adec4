// The training loop: seeded random windows → loss → backward → clip → AdamW, with warmup +
// cosine learning rate, periodic validation (loss, bits per token and per character), metrics.jsonl, atomic
// checkpoints that resume exactly, and a hard stop on a non-finite loss.

import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CausalLM } from '../models/causal_lm.js';
import { AdamW } from '../optim/index.js';
import type { Tensor } from '../tensor/tensor.js';
import { BatchSampler } from '../data/batches.js';
import { Tokenizer } from '../data/tokenizer.js';
import type { CorpusRecord } from '../data/corpus.js';
import { saveCheckpoint, loadCheckpoint } from '../io/checkpoint.js';
import { evaluateText } from './evaluate.js';
import { createOptimizer, optimizerStep } from './step.js';

export { TrainingDivergedError } from './step.js';

export interface TrainOptions {
  runDir: string;
  steps: number;
  batchSize: number;
  contextLength: number;
  lr: number;
  minLr: number;
  warmupSteps: number;
  weightDecay: number;
  gradClip: number;
  evalEvery: number;
  /** Validation batches per evaluation (consecutive windows from the start of the split). */
  evalBatches: number;
  saveEvery: number;
  seed: number;
  /** The text the tokens came from, kept in trainer_state.json for resume and eval. */
  corpus?: CorpusRecord;
}

export interface StepInfo {
  step: number;
  loss: number;
  lr: number;
  gradNorm: number;
  tokensPerSec: number;
}

export interface EvalInfo {
  step: number;
  /** Nats per token. */
  valLoss: number;
  bitsPerToken: number;
  /** Total bits ÷ characters of the decoded validation text (evaluate.ts). */
  bitsPerChar: number;
}

export interface TrainCallbacks {
  onStep?: (info: StepInfo) => void;
  onEval?: (info: EvalInfo) => void;
  onSave?: (step: number) => void;
}

/** trainer_state.json: where the run is, and the options it runs with. */
export interface TrainerState {
  step: number;
  sampler: ReturnType<BatchSampler['getState']>;
  optimizerStep: number;
  options: TrainOptions;
}

type NamedTensor = { shape: number[]; data: Float32Array };

/** AdamW moments as named tensors `m.<param>` and `v.<param>` for optimizer.safetensors. */
function momentsToTensors(optimizer: AdamW): Map<string, NamedTensor> {
  const state = optimizer.stateDict();
  const out = new Map<string, NamedTensor>();
  optimizerParams(optimizer).forEach((p, i) => {
    out.set(`m.${p.name}`, { shape: p.shape, data: state.m[i] });
    out.set(`v.${p.name}`, { shape: p.shape, data: state.v[i] });
  });
  return out;
}

function momentsFromTensors(optimizer: AdamW, tensors: Map<string, NamedTensor>, step: number) {
  const take = (key: string) => {
    const t = tensors.get(key);
    if (!t) throw new Error(`optimizer.safetensors: tensor ${key} is missing`);
    return t.data;
  };
  const params = optimizerParams(optimizer);
  return { step, m: params.map((p) => take(`m.${p.name}`)), v: params.map((p) => take(`v.${p.name}`)) };
}

function optimizerParams(optimizer: AdamW): Tensor[] {
  return optimizer.groups.flatMap((g) => g.params);
}

/** A run in progress: next() trains one step; the caller may stop between steps (Ctrl-C). */
export interface TrainingRun {
  /** Steps done. */
  readonly step: number;
  /** The step of the checkpoint in runDir, or null when nothing has been saved yet. */
  readonly savedStep: number | null;
  readonly done: boolean;
  next(): void;
  /** The final validation and checkpoint, once done. */
  finish(): { finalEval: EvalInfo; step: number };
}

/**
 * Trains `model` on `train` tokens, validating on `val`. With `resume`, reloads the weights,
 * optimizer moments, step and data position from runDir and continues exactly.
 */
export function train(
  model: CausalLM,
  tokenizer: Tokenizer,
  data: { train: Int32Array; val: Int32Array },
  opts: TrainOptions,
  callbacks: TrainCallbacks = {},
  resume = false,
): { finalEval: EvalInfo; step: number } {
  const run = startTraining(model, tokenizer, data, opts, callbacks, resume);
  while (!run.done) run.next();
  return run.finish();
}

/** train(), one step at a time. */
export function startTraining(
  model: CausalLM,
  tokenizer: Tokenizer,
  data: { train: Int32Array; val: Int32Array },
  opts: TrainOptions,
  callbacks: TrainCallbacks = {},
  resume = false,
): TrainingRun {
  mkdirSync(opts.runDir, { recursive: true });
  const sampler = new BatchSampler(data.train, { batchSize: opts.batchSize, contextLength: opts.contextLength, seed: opts.seed });
  const opt = createOptimizer(model, { steps: opts.steps, lr: opts.lr, minLr: opts.minLr, warmupSteps: opts.warmupSteps, weightDecay: opts.weightDecay });
  const optimizer = opt.optimizer;
  const metricsPath = join(opts.runDir, 'metrics.jsonl');
  let step = 0;
  let savedStep: number | null = null;

  if (resume) {
    const ckpt = loadCheckpoint(opts.runDir);
    const state = ckpt.trainerState as TrainerState | undefined;
    if (!state || !ckpt.optimizer) throw new Error(`--resume: ${opts.runDir} has no training state to resume from`);
    model.loadWeights(ckpt.weights);
    optimizer.loadStateDict(momentsFromTensors(optimizer, ckpt.optimizer, state.optimizerStep));
    sampler.setState(state.sampler);
    step = savedStep = state.step;
    // Records written after the checkpoint (a run killed between saves) are replayed by this run.
    if (existsSync(metricsPath)) {
      const kept = readMetrics(metricsPath).filter((r) => r.record.step <= step);
      writeFileSync(metricsPath, kept.map((r) => r.line + '\n').join(''));
    }
  } else if (existsSync(metricsPath)) {
    writeFileSync(metricsPath, '');
  }

  const save = () => {
    const trainerState: TrainerState = { step, sampler: sampler.getState(), optimizerStep: optimizer.stepCount, options: opts };
    saveCheckpoint(opts.runDir, {
      config: model.config,
      weights: model.weights(),
      tokenizer: tokenizer.toJSON(),
      trainerState,
      optimizer: momentsToTensors(optimizer),
    });
    savedStep = step;
    callbacks.onSave?.(step);
  };
  const log = (record: object) => appendFileSync(metricsPath, JSON.stringify(record) + '\n');
  const runEval = (): EvalInfo => {
    const e = evaluateText(model, tokenizer, data.val, { batchSize: opts.batchSize, contextLength: opts.contextLength, maxBatches: opts.evalBatches });
    const info = { step, valLoss: e.loss, bitsPerToken: e.bitsPerToken, bitsPerChar: e.bitsPerChar };
    log({ type: 'eval', ...info });
    callbacks.onEval?.(info);
    return info;
  };
  // Said when the loss diverges: what the folder really holds.
  const advice = () =>
    (savedStep === null
      ? `Nothing was saved in ${opts.runDir} (the first checkpoint comes at step ${Math.min(opts.saveEvery, opts.steps)})`
      : `${opts.runDir} holds the last good checkpoint, of step ${savedStep}`) + '; try a lower --lr or a stronger --grad-clip.';

  let windowStart = performance.now();
  let windowTokens = 0;
  return {
    get step() {
      return step;
    },
    get savedStep() {
      return savedStep;
    },
    get done() {
      return step >= opts.steps;
    },
    next() {
      const { inputs, targets } = sampler.next();
      const batch = { inputs, targets, batch: opts.batchSize, length: opts.contextLength };
      const { loss: lossValue, gradNorm, lr } = optimizerStep(model, opt, step, batch, opts.gradClip, advice());
      step++;

      windowTokens += opts.batchSize * opts.contextLength;
      const elapsed = (performance.now() - windowStart) / 1000;
      const tokensPerSec = windowTokens / Math.max(elapsed, 1e-9);
      if (elapsed > 5) {
        windowStart = performance.now();
        windowTokens = 0;
      }
      const info = { step, loss: lossValue, lr, gradNorm, tokensPerSec };
      log({ type: 'train', ...info });
      callbacks.onStep?.(info);

      if (step % opts.evalEvery === 0 && step < opts.steps) runEval();
      if (step % opts.saveEvery === 0 && step < opts.steps) save();
    },
    finish() {
      const finalEval = runEval();
      save();
      return { finalEval, step };
    },
  };
}

/**
 * The records of metrics.jsonl. A torn last line (a run killed mid-write) is dropped; any other
 * line that is not a JSON record is an error naming the file and line.
 */
export function readMetrics(file: string): Array<{ line: string; record: { step: number } }> {
  const text = readFileSync(file, 'utf8');
  const lines = text.split('\n');
  const out: Array<{ line: string; record: { step: number } }> = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch {
      if (i === lines.length - 1) return; // no newline after it: the write was cut short
      throw new Error(`${file} line ${i + 1}: not a JSON record (${JSON.stringify(line.slice(0, 40))}); delete the line to resume`);
    }
    if (typeof record !== 'object' || record === null || typeof (record as { step?: unknown }).step !== 'number') {
      throw new Error(`${file} line ${i + 1}: expected a record with a step number, got ${JSON.stringify(line.slice(0, 40))}`);
    }
    out.push({ line, record: record as { step: number } });
  });
  return out;
}
