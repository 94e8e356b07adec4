// `mamba-ts generate | eval | info | logits`: commands that load a model folder (HF layout).

import { loadModelFolder } from '../io/model_folder.js';
import { describeCheckpoint } from '../io/checkpoint.js';
import { nonFiniteAsPython } from '../io/config.js';
import { generate } from '../models/generate.js';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { evaluateText } from '../train/evaluate.js';
import type { TrainerState } from '../train/trainer.js';
import { splitTrainVal } from '../data/corpus.js';
import { loadRunCorpus } from './resume.js';
import { streamDecoder } from '../data/tokenizer.js';
import { noGrad } from '../autograd/tape.js';
import type { WeightFormat } from '../kernels/weight_format.js';

interface GenerateCliOptions {
  model: string;
  prompt: string;
  maxTokens: number;
  temperature: number;
  topK: number;
  topP: number;
  stop?: string;
  seed: number;
  weights: WeightFormat;
}

export function generateCommand(o: GenerateCliOptions): void {
  // The matrices are kept in o.weights from the file on: a bf16 or int8 model never exists in f32.
  const { model, tokenizer } = loadModelFolder(o.model, { requireTokenizer: true, weights: o.weights });
  const prompt = tokenizer!.encode(o.prompt);
  // A byte or BPE token can hold part of a character: the stream prints whole characters only.
  const stream = streamDecoder(tokenizer!);
  let text = '';
  let stopped = false;
  process.stdout.write(o.prompt);
  const t0 = performance.now();
  // The first token is drawn from the prefill's logits, without a step: the time to it is the
  // prefill's, and each later token costs one step.
  let tFirst = 0;
  const tokens = generate(model, prompt, {
    maxTokens: o.maxTokens,
    temperature: o.temperature,
    topK: o.topK,
    topP: o.topP,
    seed: o.seed,
    weights: o.weights,
    vocabLimit: tokenizer!.vocabSize,
    onToken: (id) => {
      if (tFirst === 0) tFirst = performance.now();
      const piece = stream.push(id);
      text += piece;
      if (o.stop && text.includes(o.stop)) {
        // Print up to and including the stop string, then stop.
        const cut = text.indexOf(o.stop) + o.stop.length;
        process.stdout.write(piece.slice(0, Math.max(0, piece.length - (text.length - cut))));
        stopped = true;
        return true;
      }
      process.stdout.write(piece);
      return false;
    },
  });
  const tEnd = performance.now();
  if (!stopped) process.stdout.write(stream.flush());
  process.stdout.write('\n');
  console.error(`[${describeSpeed(prompt.length, tokens.length, tFirst - t0, tEnd - tFirst)}]`);
}

/** "prefill 15 tokens in 0.02 s (750 tokens/s) · generated 300 tokens (299 steps) in 1.20 s (249 tokens/s)". */
export function describeSpeed(promptTokens: number, newTokens: number, prefillMs: number, stepsMs: number): string {
  const rate = (n: number, ms: number) => (ms > 0 ? `${Math.round((1000 * n) / ms).toLocaleString('en-US')} tokens/s` : '– tokens/s');
  const prefill = `prefill ${promptTokens} tokens in ${(prefillMs / 1000).toFixed(2)} s (${rate(promptTokens, prefillMs)})`;
  // newTokens − 1 steps: the first token came with the prefill.
  const steps = Math.max(0, newTokens - 1);
  return `${prefill} · generated ${newTokens} tokens (${steps} steps) in ${(stepsMs / 1000).toFixed(2)} s (${rate(steps, stepsMs)})`;
}

/**
 * Validation loss, bits per token and bits per character on the validation split of the text the
 * run trained on (recorded in its trainer_state.json), or of --data.
 */
export function evalCommand(o: { model: string; data?: string; context?: number; batches: number }): void {
  const { model, tokenizer } = loadModelFolder(o.model, { requireTokenizer: true });
  const state = readTrainerState(o.model);
  if (!state?.options?.corpus && o.data === undefined) {
    throw new Error(`${o.model} does not record the text it was trained on (no trainer_state.json from mamba-ts train): give it with --data FILE`);
  }
  const { text } = loadRunCorpus(o.model, state?.options?.corpus, o.data, 'eval', 'the figures would be for other text');
  const { val } = splitTrainVal(tokenizer!.encode(text));
  const context = o.context ?? state?.options?.contextLength ?? 256;
  const e = evaluateText(model, tokenizer!, val, { batchSize: 8, contextLength: context, maxBatches: o.batches > 0 ? o.batches : undefined });
  console.log(`val loss ${e.loss.toFixed(4)} nats per token · ${e.bitsPerToken.toFixed(3)} bits per token · val bpc ${e.bitsPerChar.toFixed(3)} (bits per character)`);
}

/** trainer_state.json of a run folder, or undefined for a folder without one (a Hub checkpoint). */
function readTrainerState(dir: string): Partial<TrainerState> | undefined {
  const file = join(dir, 'trainer_state.json');
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Partial<TrainerState>;
  } catch (err) {
    throw new Error(`${file}: invalid JSON (${(err as Error).message})`);
  }
}

export function infoCommand(o: { model: string }): void {
  const { config, parameters, tokenizer } = describeCheckpoint(o.model);
  console.log(JSON.stringify({ ...config, parameters, tokenizer: tokenizer?.kind ?? null }, nonFiniteAsPython, 2));
}

export function logitsCommand(o: { model: string; tokens: string }): void {
  const { model } = loadModelFolder(o.model, { requireTokenizer: false });
  const V = model.config.vocab_size;
  const parts = o.tokens.split(',').map((s) => s.trim());
  const ids = new Int32Array(parts.length);
  parts.forEach((p, i) => {
    const id = Number(p);
    if (p === '' || !Number.isInteger(id) || id < 0 || id >= V) {
      throw new Error(`--tokens: '${p}' at position ${i} is not a token id in [0, ${V - 1}] (vocab_size ${V})`);
    }
    ids[i] = id;
  });
  const logits = noGrad(() => model.forward(ids, 1, ids.length)); // [1, L, V]
  const rows: number[][] = [];
  for (let t = 0; t < ids.length; t++) rows.push(Array.from(logits.data.subarray(t * V, (t + 1) * V)));
  process.stdout.write(JSON.stringify(rows) + '\n');
}
