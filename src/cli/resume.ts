// `train --resume`: the run folder holds everything the run needs (config.json: the model;
// tokenizer.json; trainer_state.json: the optimiser, schedule, batches, seed and the corpus with
// its hash), so a resumed run takes its settings from there, not from the defaults. `--steps`
// extends the run; any other setting typed with a different value is refused, naming the option.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadCheckpoint, type Checkpoint } from '../io/checkpoint.js';
import { loadCorpus, loadMobyDick, loadTextFile, sha256, MOBY_DICK, type CorpusRecord } from '../data/corpus.js';
import { tokenizerFromJSON, type Tokenizer } from '../data/tokenizer.js';
import type { TrainerState } from '../train/trainer.js';
import type { TrainCliOptions } from './train.js';
import { flagOf } from './parse.js';

/** The settings a run keeps, by option (`--d-model` is dModel). */
type Kept = Pick<TrainCliOptions, 'tokenizer' | 'arch' | 'layers' | 'dModel' | 'steps' | 'batch' | 'context' | 'lr' | 'minLr' | 'warmup' | 'weightDecay' | 'gradClip' | 'evalEvery' | 'evalBatches' | 'saveEvery' | 'seed'>;

export interface ResumedRun {
  settings: TrainCliOptions;
  ckpt: Checkpoint;
  tokenizer: Tokenizer;
  text: string;
  corpus: CorpusRecord;
}

/** Reads the run in `o.out` and merges what the user typed (`typed(key)`) into its settings. */
export function resumeRun(o: TrainCliOptions, typed: (key: keyof TrainCliOptions) => boolean): ResumedRun {
  const dir = o.out;
  if (dir === undefined) throw new Error('--resume needs --out <the run folder to continue>');
  if (o.overwrite) throw new Error('--resume continues the run in --out and --overwrite replaces it: give one of them');
  if (!existsSync(join(dir, 'config.json'))) throw new Error(`--resume: ${dir} holds no run to resume (config.json is missing)`);
  const ckpt = loadCheckpoint(dir, { requireTokenizer: true });
  const state = ckpt.trainerState as TrainerState | undefined;
  if (!state?.options || !ckpt.optimizer) throw new Error(`--resume: ${dir} has no training state to resume from (trainer_state.json or optimizer.safetensors is missing)`);

  const tokenizer = tokenizerFromJSON(ckpt.tokenizer!, join(dir, 'tokenizer.json'));
  const t = state.options;
  const cfg = ckpt.config;
  // The block's own settings: a Mamba's mixer and N, a Transformer++'s heads and MLP width.
  const block: Partial<TrainCliOptions> =
    cfg.model_type === 'llama' ? { heads: cfg.num_attention_heads, kvHeads: cfg.num_key_value_heads, ffn: cfg.intermediate_size }
    : cfg.model_type === 'mamba2' ? { dState: cfg.state_size, headDim: cfg.head_dim, groups: cfg.n_groups }
    : { mixer: cfg.mixer ?? 'mamba', dState: cfg.state_size };
  const kept: Kept & Partial<TrainCliOptions> = {
    tokenizer: tokenizer.kind,
    arch: cfg.model_type === 'llama' ? 'transformer' : cfg.model_type === 'mamba2' ? 'mamba2' : 'mamba',
    ...block,
    layers: cfg.num_hidden_layers,
    dModel: cfg.hidden_size,
    steps: t.steps,
    batch: t.batchSize,
    context: t.contextLength,
    lr: t.lr,
    minLr: t.minLr,
    warmup: t.warmupSteps,
    weightDecay: t.weightDecay,
    gradClip: t.gradClip,
    evalEvery: t.evalEvery,
    evalBatches: t.evalBatches,
    saveEvery: t.saveEvery,
    seed: t.seed,
  };
  for (const key of Object.keys(kept) as Array<keyof typeof kept>) {
    if (key === 'steps' || !typed(key) || o[key] === kept[key]) continue;
    throw new Error(
      `${flagOf(key)} ${o[key]} conflicts with the run in ${dir}, which has ${flagOf(key)} ${kept[key]}: a resumed run keeps its settings ` +
        `(only --steps may change, to extend it); drop ${flagOf(key)}, or start a new run`,
    );
  }
  if (typed('steps')) {
    if (o.steps <= state.step) throw new Error(`--steps ${o.steps}: the run in ${dir} is already at step ${state.step}; to extend it, give more steps`);
    kept.steps = o.steps;
  } else if (state.step >= kept.steps) {
    throw new Error(`--resume: the run in ${dir} has finished its ${kept.steps} steps; to train it further, add --steps with a larger number`);
  }

  const { text, corpus } = loadRunCorpus(dir, t.corpus, o.data, '--resume', 'resuming on other text would change the run');
  return { settings: { ...o, ...kept, data: corpus.source === MOBY_DICK ? undefined : corpus.source }, ckpt, tokenizer, text, corpus };
}

/**
 * The text the run in `dir` trained on: the recorded file (or `data`, if the file moved), refused
 * when its hash differs (`why` says what other text would do; `label` starts the message).
 */
export function loadRunCorpus(dir: string, recorded: CorpusRecord | undefined, data: string | undefined, label: string, why: string): { text: string; corpus: CorpusRecord } {
  // Runs saved before corpora were recorded: trust --data (or Moby Dick) as before.
  if (!recorded) {
    const { text, record } = loadCorpus(data);
    return { text, corpus: record };
  }
  const where = recorded.source === MOBY_DICK ? 'Moby Dick (the bundled corpus)' : recorded.source;
  if (data === undefined && recorded.source !== MOBY_DICK && !existsSync(recorded.source)) {
    throw new Error(`${label}: the run in ${dir} trained on ${recorded.source}, which is no longer there; give its new path with --data`);
  }
  const text = data !== undefined ? loadTextFile(data) : recorded.source === MOBY_DICK ? loadMobyDick() : loadTextFile(recorded.source);
  const hash = sha256(text);
  if (hash !== recorded.sha256) {
    const what = data !== undefined ? `--data ${data} is not the text` : `${where} has changed since`;
    throw new Error(
      `${label}: ${what} the run in ${dir} trained on (sha256 ${recorded.sha256.slice(0, 12)}…, now ${hash.slice(0, 12)}…); ` +
        `${why}: restore the original file, or start a new run`,
    );
  }
  return { text, corpus: data !== undefined ? { ...recorded, source: loadCorpus(data).record.source } : recorded };
}
