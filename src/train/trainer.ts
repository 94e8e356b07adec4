// The training loop: seeded random windows → loss → backward → clip → AdamW, with warmup +
// cosine learning rate, periodic validation (loss and bits per token), metrics.jsonl, atomic
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
import { evaluate } from './evaluate.js';
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
  valLoss: number;
  /** Bits per token: bits per character for a character-level tokenizer. */
  valBpc: number;
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
  mkdirSync(opts.runDir, { recursive: true });
  const sampler = new BatchSampler(data.train, { batchSize: opts.batchSize, contextLength: opts.contextLength, seed: opts.seed });
  const opt = createOptimizer(model, { steps: opts.steps, lr: opts.lr, minLr: opts.minLr, warmupSteps: opts.warmupSteps, weightDecay: opts.weightDecay });
  const optimizer = opt.optimizer;
  const metricsPath = join(opts.runDir, 'metrics.jsonl');
  let step = 0;

  if (resume) {
    const ckpt = loadCheckpoint(opts.runDir);
    const state = ckpt.trainerState as TrainerState | undefined;
    if (!state || !ckpt.optimizer) throw new Error(`--resume: ${opts.runDir} has no training state to resume from`);
    model.loadWeights(ckpt.weights);
    optimizer.loadStateDict(momentsFromTensors(optimizer, ckpt.optimizer, state.optimizerStep));
    sampler.setState(state.sampler);
    step = state.step;
    // Records written after the checkpoint (a run killed between saves) are replayed by this run.
    if (existsSync(metricsPath)) {
      const kept = readFileSync(metricsPath, 'utf8').split('\n').filter((l) => l.trim() !== '' && JSON.parse(l).step <= step);
      writeFileSync(metricsPath, kept.map((l) => l + '\n').join(''));
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
    callbacks.onSave?.(step);
  };
  const log = (record: object) => appendFileSync(metricsPath, JSON.stringify(record) + '\n');
  const runEval = (): EvalInfo => {
    const valLoss = evaluate(model, data.val, { batchSize: opts.batchSize, contextLength: opts.contextLength, maxBatches: opts.evalBatches });
    const info = { step, valLoss, valBpc: valLoss / Math.LN2 };
    log({ type: 'eval', ...info });
    callbacks.onEval?.(info);
    return info;
  };

  const advice = `The last good checkpoint in ${opts.runDir} is kept; try a lower --lr or a stronger --grad-clip.`;
  let windowStart = performance.now();
  let windowTokens = 0;
  while (step < opts.steps) {
    const { inputs, targets } = sampler.next();
    const batch = { inputs, targets, batch: opts.batchSize, length: opts.contextLength };
    const { loss: lossValue, gradNorm, lr } = optimizerStep(model, opt, step, batch, opts.gradClip, advice);
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
  }
  const finalEval = runEval();
  save();
  return { finalEval, step };
}
