// `mamba-ts task <name>`: trains a small model on a synthetic long-range task (src/data/tasks.ts)
// with the task trainer, shows a progress bar, and reports the held-out accuracy on the answer
// positions. The LRU's ablation switches (--no-stable-exp, --no-ring-init, --no-gamma, --real) go
// into the config's `lru` object, so that a saved run (--out) rebuilds the same model.
// --arch transformer trains the Transformer++ baseline instead (Llama blocks, RoPE, --heads).
// --eval-lengths evaluates the model at other lengths through its generation state, chunk by
// chunk (src/train/length_eval.ts); --eval-only --model DIR does that for a saved model.
// `task listops` (a classifier, not a causal task) is in task_listops.ts.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { CausalLM } from '../models/causal_lm.js';
import { createModel } from '../models/create.js';
import { LRUConfig, MixerKind, modelConfig, ModelConfig } from '../models/config.js';
import { saveCheckpoint } from '../io/checkpoint.js';
import { loadModelFolder } from '../io/model_folder.js';
import { writeJsonAtomic } from '../io/atomic.js';
import { makeTask, Task } from '../data/tasks.js';
import { trainTask, evaluateTask, heldOutSet, TaskTrainOptions, TaskTrainResult } from '../train/task_trainer.js';
import { evaluateLengths, LengthEvalResult, LENGTH_EVAL_DEFAULTS } from '../train/length_eval.js';
import { defaultFfn } from './train.js';
import { describeBackend } from '../kernels/index.js';
import { StepProgress } from './progress.js';
import { listOpsCommand } from './task_listops.js';

/** The mixers createMixer builds today. */
export const TASK_MIXERS = ['mamba', 's4d', 'lru'] as const;

/**
 * Defaults: a one-layer LRU that learns delayed recall at L 64 in a few seconds (100 % held-out
 * accuracy from step 200). Longer sequences need the ring closer to |λ| = 1 and a smaller lr:
 * see docs/results/lru.md.
 */
export const TASK_DEFAULTS = {
  arch: 'mamba' as TaskArch,
  mixer: 'lru' as MixerKind,
  heads: 4,
  length: 64,
  steps: 300,
  batch: 16,
  dModel: 32,
  layers: 1,
  lr: 1e-2,
  minLr: 1e-3,
  weightDecay: 0.01,
  gradClip: 1,
  evalEvery: 50,
  evalSize: 64,
  seed: 0,
  evalChunk: LENGTH_EVAL_DEFAULTS.chunk,
  evalBatch: LENGTH_EVAL_DEFAULTS.batch,
  maxEvalSeconds: LENGTH_EVAL_DEFAULTS.maxSeconds,
  maxCacheMb: LENGTH_EVAL_DEFAULTS.maxStateBytes / 2 ** 20,
};

/** mamba: the Mamba-family model (its block's mixer is --mixer); transformer: Transformer++ (Llama blocks). */
export type TaskArch = 'mamba' | 'transformer';

export interface TaskCliOptions {
  arch: TaskArch;
  mixer: MixerKind;
  /** Transformer: attention heads (head_dim = dModel / heads). */
  heads: number;
  length: number;
  steps: number;
  batch: number;
  dModel: number;
  layers: number;
  /** Mamba/S4D: N (default 16); LRU: its state_size (default d_model). */
  dState?: number;
  lr: number;
  minLr: number;
  /** Default: a tenth of the steps, at most 100. */
  warmup?: number;
  weightDecay: number;
  gradClip: number;
  evalEvery: number;
  evalSize: number;
  seed: number;
  vocab?: number;
  numData?: number;
  rMin?: number;
  rMax?: number;
  maxPhase?: number;
  stableExp: boolean;
  ringInit: boolean;
  gamma: boolean;
  real?: boolean;
  out?: string;
  progress: boolean;
  /** Lengths to evaluate at after training (or with evalOnly), through the generation state. */
  evalLengths?: number[];
  /** Sequences per evaluation length (default: evalSize). */
  evalSequences?: number;
  evalChunk: number;
  evalBatch: number;
  maxEvalSeconds: number;
  maxCacheMb: number;
  /** Evaluate the model in `model` without training. */
  evalOnly?: boolean;
  model?: string;
  /** listops: training examples generated (default 96,000, the LRA's). */
  trainSize?: number;
  /** listops: every token reads the whole sequence (config `bidirectional`). */
  bidirectional?: boolean;
}

/** The task and the model config the options describe; LRU options with another mixer are an error. */
export function taskSetup(name: string, o: TaskCliOptions): { task: Task; config: ModelConfig } {
  if (o.bidirectional) throw new Error(`--bidirectional is for task listops (a classifier): ${name}'s model predicts each token from the ones before it, and would read the answer`);
  for (const [flag, v] of [['--batch', o.batch], ['--eval-size', o.evalSize]] as const) if (v < 1) throw new Error(`${flag} must be at least 1, got ${v}`);
  const task = makeTask(name, { length: o.length, vocab: o.vocab, numData: o.numData });
  return { task, config: taskModelConfig(o, task.vocabSize, task.length) };
}

/**
 * The model config of a task run: the Mamba family (block mixer --mixer) or Transformer++ (RoPE
 * attention with --heads, SwiGLU 8/3·D); both with the head tied to the embedding.
 */
export function taskModelConfig(o: TaskCliOptions, vocab: number, length: number): ModelConfig {
  const lruFlags: Array<[string, boolean]> = [
    ['--no-stable-exp', !o.stableExp], ['--no-ring-init', !o.ringInit], ['--no-gamma', !o.gamma], ['--real', o.real === true],
    ['--r-min', o.rMin !== undefined], ['--r-max', o.rMax !== undefined], ['--max-phase', o.maxPhase !== undefined],
  ];
  const given = lruFlags.filter(([, on]) => on).map(([flag]) => flag);
  if (o.arch === 'transformer') {
    const ssmFlags = [...given, ...(o.dState !== undefined ? ['--d-state'] : [])];
    if (ssmFlags.length > 0) throw new Error(`${ssmFlags.join(', ')}: state-space options, but --arch is transformer`);
    if (o.dModel % o.heads !== 0) throw new Error(`--d-model ${o.dModel} is not divisible by --heads ${o.heads} (head_dim = d-model / heads)`);
    if ((o.dModel / o.heads) % 2 !== 0) throw new Error(`--d-model ${o.dModel} / --heads ${o.heads} = ${o.dModel / o.heads} must be even (rotary embeddings pair the dimensions of a head)`);
    return modelConfig({
      model_type: 'llama', vocab_size: vocab, hidden_size: o.dModel, intermediate_size: defaultFfn(o.dModel), num_hidden_layers: o.layers,
      num_attention_heads: o.heads, max_position_embeddings: length, tie_word_embeddings: true,
    }, 'task');
  }
  if (o.mixer !== 'lru' && given.length > 0) throw new Error(`${given.join(', ')}: LRU options, but --mixer is ${o.mixer}; use --mixer lru`);
  const lru: LRUConfig = {
    state_size: o.dState, r_min: o.rMin, r_max: o.rMax, max_phase: o.maxPhase,
    ...(o.stableExp ? {} : { stable_exp_param: false }),
    ...(o.ringInit ? {} : { ring_init: false }),
    ...(o.gamma ? {} : { gamma_norm: false }),
    ...(o.real ? { complex: false } : {}),
  };
  try {
    return modelConfig(
      {
        vocab_size: vocab, hidden_size: o.dModel, num_hidden_layers: o.layers, mixer: o.mixer,
        ...(o.mixer === 'lru' ? { lru } : { state_size: o.dState }),
      },
      'task',
    );
  } catch (err) {
    // The config's names for what the user typed as options.
    const flags: Array<[RegExp, string]> = [
      [/\blru\.r_min\b/g, '--r-min'], [/\blru\.r_max\b/g, '--r-max'], [/\blru\.max_phase\b/g, '--max-phase'],
      [/\blru\.state_size\b/g, '--d-state'], [/\bstate_size\b/g, '--d-state'], [/\bhidden_size\b/g, '--d-model'], [/\bnum_hidden_layers\b/g, '--layers'],
    ];
    throw new Error(flags.reduce((m, [re, flag]) => m.replace(re, flag), (err as Error).message));
  }
}

/** The trainer's options from the command line's (warmup: a tenth of the steps, at most 100, unless given). */
export function trainOptionsOf(o: TaskCliOptions): TaskTrainOptions {
  return {
    steps: o.steps, batchSize: o.batch, lr: o.lr, minLr: o.minLr, warmupSteps: o.warmup ?? Math.min(100, Math.floor(o.steps / 10)),
    weightDecay: o.weightDecay, gradClip: o.gradClip, evalEvery: o.evalEvery, evalSize: o.evalSize, seed: o.seed,
  };
}

/** The first line of a run: the model's kind, sizes and parameters. */
export function describeModel(config: ModelConfig, parameters: number): string {
  const sizes =
    config.model_type === 'llama'
      ? `${config.bidirectional ? 'bidirectional ' : ''}transformer · ${config.num_hidden_layers} layer(s) · d_model ${config.hidden_size} · ${config.num_attention_heads} heads of ${config.head_dim}`
      : config.model_type === 'mamba'
        ? `${config.bidirectional ? 'bidirectional ' : ''}${config.mixer}${ablationNote(config)} · ${config.num_hidden_layers} layer(s) · d_model ${config.hidden_size} · N ${config.mixer === 'lru' ? config.lru?.state_size ?? config.hidden_size : config.state_size}`
        : `${config.model_type} · ${config.num_hidden_layers} layer(s) · d_model ${config.hidden_size} · N ${config.state_size}`;
  return `${sizes} · ${parameters.toLocaleString()} parameters · kernels ${describeBackend()}`;
}

export interface TaskRun {
  /** Absent with evalOnly. */
  result?: TaskTrainResult;
  model: CausalLM;
  seconds: number;
  /** Held-out accuracy at the task's length (the training result's final, or a fresh evaluation). */
  final: { loss: number; accuracy: number };
  lengths?: LengthEvalResult[];
}

export function runTask(name: string, o: TaskCliOptions): TaskRun {
  const task = makeTask(name, { length: o.length, vocab: o.vocab, numData: o.numData });
  if (o.evalOnly) return evalOnly(task, o);
  if (o.model !== undefined) throw new Error('--model is the folder to evaluate with --eval-only; to save a trained model use --out');
  const { config } = taskSetup(name, o);
  const model = createModel(config, { seed: o.seed });
  console.log(`mamba-ts task ${task.name} · L ${task.length} · vocab ${task.vocabSize} · ${describeModel(config, model.parameterCount())}`);
  const progress = new StepProgress(o.steps, o.progress && process.stderr.isTTY === true, `${task.name} [{bar}] {value}/{total} · loss {loss} · held-out acc {acc} · ETA {eta_formatted}`);
  let acc = '–';
  const t0 = performance.now();
  try {
    const result = trainTask(
      model,
      task,
      trainOptionsOf(o),
      {
        onStep: (s) => progress.update(s.step, { loss: s.loss.toFixed(3), acc }, () => `step ${s.step}/${o.steps} · loss ${s.loss.toFixed(3)} · lr ${s.lr.toExponential(2)}`),
        onEval: (e) => {
          acc = `${(100 * e.accuracy).toFixed(1)} %`;
          progress.note(`step ${e.step} · held-out loss ${e.loss.toFixed(4)} · accuracy ${acc}`);
        },
      },
    );
    progress.stop();
    const seconds = (performance.now() - t0) / 1000;
    if (o.out) {
      saveCheckpoint(o.out, { config, weights: model.weights() });
      writeJsonAtomic(join(o.out, 'curves.json'), { task: task.name, length: task.length, options: o, seconds, train: result.train, eval: result.eval });
    }
    const lengths = o.evalLengths ? runLengths(model, name, o) : undefined;
    return { result, model, seconds, final: result.final, lengths };
  } finally {
    progress.stop();
  }
}

/** A saved model (--model) evaluated at --length, and at --eval-lengths when given. */
function evalOnly(task: Task, o: TaskCliOptions): TaskRun {
  if (o.model === undefined) throw new Error('--eval-only needs --model <dir>, the folder of a model saved by `mamba-ts task ... --out`');
  const { model } = loadModelFolder(o.model, { requireTokenizer: false });
  if (model.config.vocab_size < task.vocabSize) throw new Error(`${o.model}: vocab_size ${model.config.vocab_size} is smaller than the ${task.name} task's vocabulary ${task.vocabSize} (give the --vocab it was trained with)`);
  console.log(`mamba-ts task ${task.name} --eval-only · ${o.model} · ${describeModel(model.config as ModelConfig, model.parameterCount())}`);
  const t0 = performance.now();
  const final = evaluateTask(model, heldOutSet(task, o.evalSize, o.batch, o.seed));
  const lengths = o.evalLengths ? runLengths(model, task.name, o) : undefined;
  if (o.out && lengths) {
    mkdirSync(o.out, { recursive: true });
    writeJsonAtomic(join(o.out, 'lengths.json'), { task: task.name, model: o.model, lengths });
  }
  return { model, seconds: (performance.now() - t0) / 1000, final, lengths };
}

function runLengths(model: CausalLM, name: string, o: TaskCliOptions): LengthEvalResult[] {
  const lengths = evaluateLengths(
    model,
    (length) => makeTask(name, { length, vocab: o.vocab, numData: o.numData }),
    o.evalLengths!,
    { sequences: o.evalSequences ?? o.evalSize, batch: o.evalBatch, chunk: o.evalChunk, seed: o.seed, maxStateBytes: o.maxCacheMb * 2 ** 20, maxSeconds: o.maxEvalSeconds },
    (r) => console.log(describeLength(r)),
  );
  if (o.out && !o.evalOnly) writeJsonAtomic(join(o.out, 'lengths.json'), { task: name, lengths });
  return lengths;
}

/** One line per evaluated length. */
export function describeLength(r: LengthEvalResult): string {
  if (r.status !== 'ok') return `L ${r.length} · not evaluated (${r.status}): ${r.note}`;
  return (
    `L ${r.length} · accuracy ${(100 * r.accuracy).toFixed(1)} % · loss ${r.loss.toFixed(4)} · ${r.sequences} sequences · ${r.seconds.toFixed(1)} s · ` +
    `state ${(r.stateBytes / 1024).toFixed(1)} KiB · rss ${r.rssMiB} MiB`
  );
}

export function taskCommand(name: string, o: TaskCliOptions): void {
  if (name === 'listops') return listOpsCommand(o);
  const run = runTask(name, o);
  const f = run.final;
  console.log(
    `accuracy ${(100 * f.accuracy).toFixed(1)} % · loss ${f.loss.toFixed(4)} on ${o.evalSize} held-out sequences · ` +
      (run.result ? `${run.result.train.length} steps · ` : '') + `${run.seconds.toFixed(1)} s` +
      (o.out && !o.evalOnly ? ` · saved to ${o.out}` : ''),
  );
}

/** " (no γ, real)" for an ablated LRU, else "". */
function ablationNote(c: Extract<ModelConfig, { model_type: 'mamba' }>): string {
  const l = c.lru ?? {};
  const off = [
    l.stable_exp_param === false && 'no exp parameterisation', l.ring_init === false && 'no ring init',
    l.gamma_norm === false && 'no γ', l.complex === false && 'real',
  ].filter(Boolean);
  return off.length ? ` (${off.join(', ')})` : '';
}
