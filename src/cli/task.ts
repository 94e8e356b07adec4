// `mamba-ts task <name>`: trains a small model on a synthetic long-range task (src/data/tasks.ts)
// with the task trainer, shows a progress bar, and reports the held-out accuracy on the answer
// positions. The LRU's ablation switches (--no-stable-exp, --no-ring-init, --no-gamma, --real) go
// into the config's `lru` object, so that a saved run (--out) rebuilds the same model.

import { join } from 'node:path';
import type { CausalLM } from '../models/causal_lm.js';
import { createModel } from '../models/create.js';
import { LRUConfig, MixerKind, modelConfig, MambaConfig } from '../models/config.js';
import { saveCheckpoint } from '../io/checkpoint.js';
import { writeJsonAtomic } from '../io/atomic.js';
import { makeTask, Task } from '../data/tasks.js';
import { trainTask, TaskTrainResult } from '../train/task_trainer.js';
import { describeBackend } from '../kernels/index.js';
import { StepProgress } from './progress.js';

/** The mixers createMixer builds today. */
export const TASK_MIXERS = ['mamba', 's4d', 'lru'] as const;

/**
 * Defaults: a one-layer LRU that learns delayed recall at L 64 in a few seconds (100 % held-out
 * accuracy from step 200). Longer sequences need the ring closer to |λ| = 1 and a smaller lr:
 * see docs/results/lru.md.
 */
export const TASK_DEFAULTS = {
  mixer: 'lru' as MixerKind,
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
};

export interface TaskCliOptions {
  mixer: MixerKind;
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
}

/** The task and the model config the options describe; LRU options with another mixer are an error. */
export function taskSetup(name: string, o: TaskCliOptions): { task: Task; config: MambaConfig } {
  for (const [flag, v] of [['--batch', o.batch], ['--eval-size', o.evalSize]] as const) if (v < 1) throw new Error(`${flag} must be at least 1, got ${v}`);
  const task = makeTask(name, { length: o.length, vocab: o.vocab, numData: o.numData });
  const lruFlags: Array<[string, boolean]> = [
    ['--no-stable-exp', !o.stableExp], ['--no-ring-init', !o.ringInit], ['--no-gamma', !o.gamma], ['--real', o.real === true],
    ['--r-min', o.rMin !== undefined], ['--r-max', o.rMax !== undefined], ['--max-phase', o.maxPhase !== undefined],
  ];
  const given = lruFlags.filter(([, on]) => on).map(([flag]) => flag);
  if (o.mixer !== 'lru' && given.length > 0) throw new Error(`${given.join(', ')}: LRU options, but --mixer is ${o.mixer}; use --mixer lru`);
  const lru: LRUConfig = {
    state_size: o.dState, r_min: o.rMin, r_max: o.rMax, max_phase: o.maxPhase,
    ...(o.stableExp ? {} : { stable_exp_param: false }),
    ...(o.ringInit ? {} : { ring_init: false }),
    ...(o.gamma ? {} : { gamma_norm: false }),
    ...(o.real ? { complex: false } : {}),
  };
  try {
    const config = modelConfig(
      {
        vocab_size: task.vocabSize, hidden_size: o.dModel, num_hidden_layers: o.layers, mixer: o.mixer,
        ...(o.mixer === 'lru' ? { lru } : { state_size: o.dState }),
      },
      'task',
    );
    return { task, config };
  } catch (err) {
    // The config's names for what the user typed as options.
    const flags: Array<[RegExp, string]> = [
      [/\blru\.r_min\b/g, '--r-min'], [/\blru\.r_max\b/g, '--r-max'], [/\blru\.max_phase\b/g, '--max-phase'],
      [/\blru\.state_size\b/g, '--d-state'], [/\bstate_size\b/g, '--d-state'], [/\bhidden_size\b/g, '--d-model'], [/\bnum_hidden_layers\b/g, '--layers'],
    ];
    throw new Error(flags.reduce((m, [re, flag]) => m.replace(re, flag), (err as Error).message));
  }
}

export function runTask(name: string, o: TaskCliOptions): { result: TaskTrainResult; model: CausalLM; seconds: number } {
  const { task, config } = taskSetup(name, o);
  const model = createModel(config, { seed: o.seed });
  const N = config.mixer === 'lru' ? config.lru?.state_size ?? config.hidden_size : config.state_size;
  console.log(
    `mamba-ts task ${task.name} · L ${task.length} · vocab ${task.vocabSize} · ${config.mixer}${ablationNote(config)} · ${config.num_hidden_layers} layer(s) · ` +
      `d_model ${config.hidden_size} · N ${N} · ${model.parameterCount().toLocaleString()} parameters · kernels ${describeBackend()}`,
  );
  const progress = new StepProgress(o.steps, o.progress && process.stderr.isTTY === true, `${task.name} [{bar}] {value}/{total} · loss {loss} · held-out acc {acc} · ETA {eta_formatted}`);
  let acc = '–';
  const t0 = performance.now();
  try {
    const result = trainTask(
      model,
      task,
      {
        steps: o.steps, batchSize: o.batch, lr: o.lr, minLr: o.minLr, warmupSteps: o.warmup ?? Math.min(100, Math.floor(o.steps / 10)),
        weightDecay: o.weightDecay, gradClip: o.gradClip, evalEvery: o.evalEvery, evalSize: o.evalSize, seed: o.seed,
      },
      {
        onStep: (s) => progress.update(s.step, { loss: s.loss.toFixed(3), acc }, () => `step ${s.step}/${o.steps} · loss ${s.loss.toFixed(3)} · lr ${s.lr.toExponential(2)}`),
        onEval: (e) => {
          acc = `${(100 * e.accuracy).toFixed(1)} %`;
          progress.note(`step ${e.step} · held-out loss ${e.loss.toFixed(4)} · accuracy ${acc}`);
        },
      },
    );
    progress.stop();
    if (o.out) {
      saveCheckpoint(o.out, { config, weights: model.weights() });
      writeJsonAtomic(join(o.out, 'curves.json'), { task: task.name, length: task.length, options: o, train: result.train, eval: result.eval });
    }
    return { result, model, seconds: (performance.now() - t0) / 1000 };
  } finally {
    progress.stop();
  }
}

export function taskCommand(name: string, o: TaskCliOptions): void {
  const { result, seconds } = runTask(name, o);
  const f = result.final;
  console.log(
    `accuracy ${(100 * f.accuracy).toFixed(1)} % · loss ${f.loss.toFixed(4)} on ${o.evalSize} held-out sequences · ${result.train.length} steps · ${seconds.toFixed(1)} s` +
      (o.out ? ` · saved to ${o.out}` : ''),
  );
}

/** " (no γ, real)" for an ablated LRU, else "". */
function ablationNote(c: MambaConfig): string {
  const l = c.lru ?? {};
  const off = [
    l.stable_exp_param === false && 'no exp parameterisation', l.ring_init === false && 'no ring init',
    l.gamma_norm === false && 'no γ', l.complex === false && 'real',
  ].filter(Boolean);
  return off.length ? ` (${off.join(', ')})` : '';
}
