// A model folder in the Hugging Face layout (config.json + model.safetensors [+ tokenizer.json])
// loaded into the model its config names: what `generate`, `eval`, `info` and `logits` open. The tokenizer is
// ours (char, byte) or any Hugging Face tokenizer.json, e.g. GPT-NeoX's BPE of a Hub checkpoint.
// The weights stream into the model one tensor at a time (the peak is the model and one tensor).
// With `weights: 'bf16' | 'int8'` a Mamba-family model keeps its matrices in that format from the
// file on (src/nn/packed.ts): each is packed as it streams in, and no f32 copy of the model exists.

import path from 'node:path';
import { loadCheckpointInto } from './checkpoint.js';
import type { CausalLM } from '../models/causal_lm.js';
import { createModel } from '../models/create.js';
import { Tokenizer, tokenizerFromJSON } from '../data/tokenizer.js';
import { buildPacked } from '../nn/packed.js';
import type { WeightFormat } from '../kernels/weight_format.js';

/** Bytes a model keeps per parameter in each format (int8: a byte and its row's share of a scale, rounded up). */
const KEPT_BYTES: Record<WeightFormat, number> = { f32: 4, bf16: 2, int8: 1.1 };

export function loadModelFolder(dir: string, opts: { requireTokenizer: boolean; weights?: WeightFormat }): { model: CausalLM; tokenizer: Tokenizer | null } {
  const format = opts.weights ?? 'f32';
  // Only what inference needs (damaged training files do not matter here), streamed into the model.
  const { model, tokenizer } = loadCheckpointInto(dir, { requireTokenizer: opts.requireTokenizer, bytesPerParameter: KEPT_BYTES[format] }, (config) => {
    if (format === 'f32') return createModel(config);
    const type = config.model_type ?? 'mamba';
    if (type !== 'mamba' && type !== 'falcon_mamba' && type !== 'mamba2') {
      throw new Error(`${dir}/config.json: model_type "${type}" loads with weights f32 only (weights '${format}' keeps the matrices of Mamba, Falcon Mamba and Mamba-2 models)`);
    }
    return buildPacked(format, () => createModel(config));
  });
  return { model, tokenizer: tokenizer ? tokenizerFromJSON(tokenizer, path.join(dir, 'tokenizer.json')) : null };
}
