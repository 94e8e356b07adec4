// `mamba-ts generate | eval | info | logits`: commands that load a model folder (HF layout).

import { loadModelFolder } from '../io/model_folder.js';
import { describeCheckpoint } from '../io/checkpoint.js';
import { generate } from '../models/generate.js';
import { evaluate } from '../train/evaluate.js';
import { loadMobyDick, loadTextFile, splitTrainVal } from '../data/corpus.js';
import { streamDecoder } from '../data/tokenizer.js';
import { noGrad } from '../autograd/tape.js';

interface GenerateCliOptions {
  model: string;
  prompt: string;
  maxTokens: number;
  temperature: number;
  topK: number;
  topP: number;
  stop?: string;
  seed: number;
  weights: 'f32' | 'bf16';
}

export function generateCommand(o: GenerateCliOptions): void {
  const { model, tokenizer } = loadModelFolder(o.model, { requireTokenizer: true });
  const prompt = tokenizer!.encode(o.prompt);
  // A byte or BPE token can hold part of a character: the stream prints whole characters only.
  const stream = streamDecoder(tokenizer!);
  let text = '';
  let stopped = false;
  process.stdout.write(o.prompt);
  const t0 = performance.now();
  const tokens = generate(model, prompt, {
    maxTokens: o.maxTokens,
    temperature: o.temperature,
    topK: o.topK,
    topP: o.topP,
    seed: o.seed,
    weights: o.weights,
    vocabLimit: tokenizer!.vocabSize,
    onToken: (id) => {
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
  const seconds = (performance.now() - t0) / 1000;
  if (!stopped) process.stdout.write(stream.flush());
  process.stdout.write('\n');
  console.error(`[${tokens.length} tokens in ${seconds.toFixed(2)} s · ${(tokens.length / seconds).toFixed(0)} tokens/s]`);
}

export function evalCommand(o: { model: string; data?: string; context: number; batches: number }): void {
  const { model, tokenizer } = loadModelFolder(o.model, { requireTokenizer: true });
  const text = o.data ? loadTextFile(o.data) : loadMobyDick();
  const { val } = splitTrainVal(tokenizer!.encode(text));
  const loss = evaluate(model, val, { batchSize: 8, contextLength: o.context, maxBatches: o.batches > 0 ? o.batches : undefined });
  // Bits per character for a character tokenizer; per token otherwise.
  const unit = tokenizer!.kind === 'char' ? 'bpc' : 'bits per token';
  console.log(`val loss ${loss.toFixed(4)} nats · val ${unit} ${(loss / Math.LN2).toFixed(3)}`);
}

export function infoCommand(o: { model: string }): void {
  const { config, parameters, tokenizer } = describeCheckpoint(o.model);
  console.log(JSON.stringify({ ...config, parameters, tokenizer: tokenizer?.kind ?? null }, null, 2));
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
