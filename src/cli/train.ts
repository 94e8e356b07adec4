// `mamba-ts train` and `mamba-ts start`: build the corpus and tokenizer, the model, and run the
// trainer with a progress bar; `start` then reports the validation bpc and a sample.

import type { CausalLM } from '../models/causal_lm.js';
import { createModel } from '../models/create.js';
import { modelConfig, MixerKind, type ModelConfig } from '../models/config.js';
import { generate } from '../models/generate.js';
import { startTraining, type EvalInfo, type TrainOptions } from '../train/trainer.js';
import { loadCorpus, splitTrainVal, assertSplitLongEnough, type CorpusRecord } from '../data/corpus.js';
import { CharTokenizer, ByteTokenizer, Tokenizer, streamDecoder } from '../data/tokenizer.js';
import { resumeRun } from './resume.js';
import { flagOf } from './parse.js';
import { defaultRunDir, prepareFreshRunDir } from './run_folder.js';
import { describeBackend } from '../kernels/index.js';
import { TrainProgress } from './progress.js';

/** Defaults: a character-level Mamba on Moby Dick that writes recognisable English in minutes on 2 cores. */
export const TRAIN_DEFAULTS = {
  tokenizer: 'char',
  arch: 'mamba' as Arch,
  mixer: 'mamba' as MixerKind,
  layers: 4,
  dModel: 128,
  dState: 16,
  headDim: 64,
  groups: 1,
  heads: 4,
  steps: 720,
  batch: 8,
  context: 256,
  lr: 4e-3,
  minLr: 4e-4,
  warmup: 40,
  weightDecay: 0.1,
  gradClip: 1,
  evalEvery: 120,
  evalBatches: 8,
  saveEvery: 120,
  seed: 0,
};

export interface TrainCliOptions {
  data?: string;
  tokenizer: string;
  /** Default: runs/<corpus>-<date>-<time> (run_folder.ts). */
  out?: string;
  arch: Arch;
  mixer: MixerKind;
  layers: number;
  dModel: number;
  dState: number;
  /** Mamba-2: head width P and groups of heads sharing B and C (heads = expand · D / P). */
  headDim: number;
  groups: number;
  /** Transformer: attention heads, key/value heads (default heads), SwiGLU width (default 8/3·D). */
  heads: number;
  kvHeads?: number;
  ffn?: number;
  steps: number;
  batch: number;
  context: number;
  lr: number;
  minLr: number;
  warmup: number;
  weightDecay: number;
  gradClip: number;
  evalEvery: number;
  evalBatches: number;
  saveEvery: number;
  seed: number;
  resume?: boolean;
  overwrite?: boolean;
  progress: boolean;
}

/** The block kind: Mamba (with its mixers), Mamba-2 (SSD) or the Transformer++ baseline (Llama blocks). */
export type Arch = 'mamba' | 'mamba2' | 'transformer';

/** Which options the user typed (commander's value source 'cli'); the rest are defaults. */
export type Typed = (key: keyof TrainCliOptions) => boolean;

/** Checks between options (each option alone is checked by its parser in main.ts). */
function checkSettings(o: TrainCliOptions, typed: Typed): void {
  const notFor: Record<Arch, string[]> = {
    mamba: ['heads', 'kvHeads', 'ffn', 'headDim', 'groups'],
    mamba2: ['mixer', 'heads', 'kvHeads', 'ffn'],
    transformer: ['mixer', 'dState', 'headDim', 'groups'],
  };
  const only = notFor[o.arch];
  for (const key of only as Array<keyof TrainCliOptions>) {
    if (typed(key)) throw new Error(`${flagOf(key)} does not apply to --arch ${o.arch}`);
  }
  if (o.arch === 'transformer') {
    if (o.dModel % o.heads !== 0) throw new Error(`--d-model ${o.dModel} is not divisible by --heads ${o.heads} (head_dim = d-model / heads)`);
    if ((o.dModel / o.heads) % 2 !== 0) throw new Error(`--d-model ${o.dModel} / --heads ${o.heads} = ${o.dModel / o.heads} must be even (rotary embeddings pair the dimensions of a head)`);
    if (o.kvHeads !== undefined && o.heads % o.kvHeads !== 0) throw new Error(`--heads ${o.heads} is not a multiple of --kv-heads ${o.kvHeads}`);
  }
  if (o.arch === 'mamba2') {
    const inner = MAMBA2_EXPAND * o.dModel;
    if (inner % o.headDim !== 0) throw new Error(`--head-dim ${o.headDim} does not divide the inner width ${MAMBA2_EXPAND} × --d-model ${o.dModel} = ${inner} (heads = inner width / head-dim)`);
    if ((inner / o.headDim) % o.groups !== 0) throw new Error(`--groups ${o.groups} does not divide the ${inner / o.headDim} heads (${inner} / --head-dim ${o.headDim})`);
  }
  if (o.minLr > o.lr) throw new Error(`--min-lr ${o.minLr} is above --lr ${o.lr}: the cosine decays from --lr down to --min-lr`);
  if (o.warmup > o.steps) throw new Error(`--warmup ${o.warmup} is longer than the run (--steps ${o.steps})`);
}

/** "480,384" below a million, "1.23M" above. */
export function formatCount(n: number): string {
  return n < 1e6 ? n.toLocaleString('en-US') : `${(n / 1e6).toFixed(2)}M`;
}

export const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export async function runTraining(
  opts: TrainCliOptions,
  typed: Typed = () => false,
): Promise<{ model: CausalLM; tokenizer: Tokenizer; out: string; finalEval: EvalInfo; seconds: number }> {
  let o: TrainCliOptions;
  let text: string;
  let corpus: CorpusRecord;
  let tokenizer: Tokenizer;
  let config: ModelConfig;
  if (opts.resume) {
    const run = resumeRun(opts, typed);
    ({ settings: o, text, corpus, tokenizer } = run);
    config = run.ckpt.config;
    checkSettings(o, () => false);
  } else {
    // The default warmup shrinks with a short run (a tenth of it); a typed one must fit.
    o = typed('warmup') ? opts : { ...opts, warmup: Math.min(opts.warmup, Math.floor(opts.steps / 10)) };
    checkSettings(o, typed);
    ({ text, record: corpus } = loadCorpus(o.data));
    tokenizer = o.tokenizer === 'char' ? CharTokenizer.fromText(text) : new ByteTokenizer();
    config =
      o.arch === 'transformer' ? transformerConfig(o, tokenizer.vocabSize)
      : o.arch === 'mamba2' ? mamba2Config(o, tokenizer.vocabSize)
      : modelConfig({ vocab_size: tokenizer.vocabSize, hidden_size: o.dModel, num_hidden_layers: o.layers, state_size: o.dState, mixer: o.mixer });
  }
  const { train: trainTokens, val } = splitTrainVal(tokenizer.encode(text));
  try {
    assertSplitLongEnough({ train: trainTokens, val }, o.context);
  } catch (err) {
    throw new Error(`--context ${o.context}: ${(err as Error).message}; use a smaller --context or a longer text`);
  }
  const out = o.out ?? defaultRunDir(corpus);
  if (!o.resume) prepareFreshRunDir(out, o.overwrite === true);

  const model = createModel(config, { seed: o.seed });
  console.log(
    `mamba-ts: ${config.model_type === 'llama' ? 'transformer' : config.model_type === 'mamba2' ? 'mamba2' : config.mixer} · ${plural(config.num_hidden_layers, 'layer')} · d_model ${config.hidden_size} · ${blockSizes(config)} · ` +
      `${formatCount(model.parameterCount())} parameters · vocab ${tokenizer.vocabSize} · ${trainTokens.length.toLocaleString('en-US')} training tokens · kernels ${describeBackend()}` +
      (o.resume ? ` · resuming ${out}` : ` · run folder ${out}`),
  );

  const trainOpts: TrainOptions = {
    runDir: out,
    steps: o.steps,
    batchSize: o.batch,
    contextLength: o.context,
    lr: o.lr,
    minLr: o.minLr,
    warmupSteps: o.warmup,
    weightDecay: o.weightDecay,
    gradClip: o.gradClip,
    evalEvery: o.evalEvery,
    evalBatches: o.evalBatches,
    saveEvery: o.saveEvery,
    seed: o.seed,
    corpus,
  };
  const progress = new TrainProgress(o.steps, o.progress && process.stderr.isTTY === true);
  const t0 = performance.now();
  // The steps run one per turn of the event loop, so that Ctrl-C reaches this handler between two
  // steps; the loop then stops, the bar gives the terminal its cursor back, and the message says
  // what is saved.
  let interrupted = false;
  const onSigint = () => {
    interrupted = true;
  };
  process.on('SIGINT', onSigint);
  try {
    const run = startTraining(model, tokenizer, { train: trainTokens, val }, trainOpts, progress.callbacks(), o.resume ?? false);
    while (!run.done && !interrupted) {
      run.next();
      await new Promise((resolve) => setImmediate(resolve));
    }
    progress.stop();
    if (interrupted) throw new InterruptedError(interruptMessage(out, run.step, run.savedStep, o.saveEvery));
    const { finalEval } = run.finish();
    return { model, tokenizer, out, finalEval, seconds: (performance.now() - t0) / 1000 };
  } finally {
    process.off('SIGINT', onSigint);
    progress.stop();
  }
}

/** Thrown on Ctrl-C: main.ts prints the message and exits with 130 (128 + SIGINT). */
export class InterruptedError extends Error {}

function interruptMessage(out: string, step: number, savedStep: number | null, saveEvery: number): string {
  if (savedStep === null) return `interrupted at step ${step}: nothing was saved in ${out} (the first checkpoint comes at step ${saveEvery})`;
  return `interrupted at step ${step}: the last checkpoint, of step ${savedStep}, is in ${out}; continue with: mamba-ts train --out ${out} --resume`;
}

/** "val bpc 2.11 · 2.11 bits per token": bits per character of the text first, the comparable figure. */
function describeEval(e: EvalInfo): string {
  return `val bpc ${e.bitsPerChar.toFixed(2)} · ${e.bitsPerToken.toFixed(2)} bits per token`;
}

export async function trainCommand(o: TrainCliOptions, typed: Typed): Promise<void> {
  const { finalEval, seconds, out } = await runTraining(o, typed);
  console.log(`${describeEval(finalEval)} · ${seconds.toFixed(0)} s · saved to ${out}`);
}

/** `npm start`: the default run into runs/start, replacing the previous demo run there. */
export async function startCommand(o: { out: string }): Promise<void> {
  const { model, tokenizer, finalEval, seconds } = await runTraining({ ...TRAIN_DEFAULTS, out: o.out, overwrite: true, progress: true });
  console.log(`\n${describeEval(finalEval)} (${seconds.toFixed(0)} s of training; model saved to ${o.out})`);
  const prompt = 'Call me Ishmael.';
  process.stdout.write(`\nSample (temperature 0.8):\n${prompt}`);
  const stream = streamDecoder(tokenizer);
  generate(model, tokenizer.encode(prompt), {
    maxTokens: 400,
    temperature: 0.8,
    seed: 1,
    onToken: (t) => {
      process.stdout.write(stream.push(t));
    },
  });
  process.stdout.write(stream.flush());
  process.stdout.write(`\n\nNext: npx mamba-ts generate --model ${o.out} --prompt "The whale"\n`);
}

/** A Transformer++ (Llama) config from the options: tied head as the Mamba default, positions up to --context. */
function transformerConfig(o: TrainCliOptions, vocab: number): ModelConfig {
  return modelConfig({
    model_type: 'llama',
    vocab_size: vocab,
    hidden_size: o.dModel,
    intermediate_size: o.ffn ?? defaultFfn(o.dModel),
    num_hidden_layers: o.layers,
    num_attention_heads: o.heads,
    num_key_value_heads: o.kvHeads ?? o.heads,
    max_position_embeddings: o.context,
    tie_word_embeddings: true,
  }, 'train');
}

/** Mamba-2's inner width is this times d-model (transformers' and mamba_ssm's default expand). */
const MAMBA2_EXPAND = 2;

/**
 * A Mamba-2 config from the options: heads of --head-dim, --groups, N --d-state, a tied head as the
 * Mamba default (the file says so: the key is written), and chunks of 16 steps: the intra-chunk
 * work grows with the chunk length, and at the default shape the SSD's forward + backward took
 * 50 ms at chunk 16 against 91 at 64 and 376 at 256 (docs/results/mamba2.md).
 */
function mamba2Config(o: TrainCliOptions, vocab: number): ModelConfig {
  return modelConfig({
    model_type: 'mamba2',
    vocab_size: vocab,
    hidden_size: o.dModel,
    num_hidden_layers: o.layers,
    expand: MAMBA2_EXPAND,
    num_heads: (MAMBA2_EXPAND * o.dModel) / o.headDim,
    head_dim: o.headDim,
    n_groups: o.groups,
    state_size: o.dState,
    chunk_size: 16,
    tie_word_embeddings: true,
  }, 'train');
}

/** The SwiGLU width with about the parameters of a 4·D GELU MLP (LLaMA): 8/3 · D, up to a multiple of 8. */
export function defaultFfn(D: number): number {
  return Math.ceil((8 * D) / 3 / 8) * 8;
}

/** The block's sizes in the first line of a run: `N 16`, or `4 heads (2 kv) of 32 · ffn 512`. */
function blockSizes(c: ModelConfig): string {
  if (c.model_type === 'llama') return `${c.num_attention_heads} heads (${c.num_key_value_heads} kv) of ${c.head_dim} · ffn ${c.intermediate_size}`;
  if (c.model_type === 'mamba2') return `${c.num_heads} heads of ${c.head_dim} · ${plural(c.n_groups, 'group')} · N ${c.state_size}`;
  return `N ${c.state_size}`;
}
