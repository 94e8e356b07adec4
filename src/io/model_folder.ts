// A model folder in the Hugging Face layout (config.json + model.safetensors [+ tokenizer.json])
// loaded into the model its config names: what `generate`, `eval`, `info` and `logits` open. The tokenizer is
// ours (char, byte) or any Hugging Face tokenizer.json, e.g. GPT-NeoX's BPE of a Hub checkpoint.

import path from 'node:path';
import { loadCheckpoint } from './checkpoint.js';
import type { CausalLM } from '../models/causal_lm.js';
import { createModel } from '../models/create.js';
import { Tokenizer, tokenizerFromJSON } from '../data/tokenizer.js';

export function loadModelFolder(dir: string, opts: { requireTokenizer: boolean }): { model: CausalLM; tokenizer: Tokenizer | null } {
  // Only what inference needs: damaged training files (optimizer, trainer state) do not matter here.
  const ckpt = loadCheckpoint(dir, { requireTokenizer: opts.requireTokenizer, training: false });
  const model = createModel(ckpt.config);
  try {
    model.loadWeights(ckpt.weights);
  } catch (err) {
    throw new Error(`${dir}/model.safetensors does not fit config.json: ${(err as Error).message}`);
  }
  return { model, tokenizer: ckpt.tokenizer ? tokenizerFromJSON(ckpt.tokenizer, path.join(dir, 'tokenizer.json')) : null };
}
