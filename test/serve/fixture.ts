// A tiny model folder for the server's tests: random weights (seeded), a character tokenizer of
// printable ASCII and newline (whatever the model writes is text that encodes back to the same
// ids, which a chat's next turn relies on), written through the checkpoint writer, so that a
// server starts and answers in milliseconds.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { saveCheckpoint } from '../../src/io/checkpoint.js';
import { modelConfig, type Mamba2Config, type Mamba2ConfigInput } from '../../src/models/config.js';
import { LanguageModel } from '../../src/models/language_model.js';
import { TransformerLM } from '../../src/models/transformer.js';
import { llamaConfig } from '../../src/models/llama_config.js';
import { CharTokenizer } from '../../src/data/tokenizer.js';

export const ALPHABET = ['\n', ...Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i))];

/**
 * A tiny Mamba folder; with arch 'transformer' a tiny Transformer++ (Llama) folder: 4 heads over 2
 * kv heads; with arch 'mamba2' a tiny Mamba-2 (2 groups of 2 heads).
 */
export function tinyModelFolder(opts: { hidden?: number; layers?: number; seed?: number; arch?: 'mamba' | 'transformer' | 'mamba2' } = {}): { dir: string; remove(): void } {
  const root = mkdtempSync(join(tmpdir(), 'mamba-ts-serve-'));
  const dir = join(root, 'tiny');
  const [D, n, seed] = [opts.hidden ?? 32, opts.layers ?? 2, opts.seed ?? 7];
  const model =
    opts.arch === 'transformer'
      ? new TransformerLM(llamaConfig({ vocab_size: ALPHABET.length, hidden_size: D, intermediate_size: 2 * D, num_hidden_layers: n, num_attention_heads: 4, num_key_value_heads: 2 }), { seed })
      : opts.arch === 'mamba2'
        ? new LanguageModel(modelConfig({ model_type: 'mamba2', vocab_size: ALPHABET.length, hidden_size: D, num_hidden_layers: n, num_heads: 4, head_dim: D / 2, n_groups: 2, state_size: 8, chunk_size: 8, time_step_limit: [0.001, Infinity] } as Mamba2ConfigInput & { model_type: 'mamba2' }) as Mamba2Config, { seed })
        : new LanguageModel(modelConfig({ vocab_size: ALPHABET.length, hidden_size: D, num_hidden_layers: n, state_size: 8 }), { seed });
  saveCheckpoint(dir, { config: model.config, weights: model.weights(), tokenizer: new CharTokenizer(ALPHABET).toJSON() });
  return { dir, remove: () => rmSync(root, { recursive: true, force: true }) };
}
