// A tiny model folder for the server's tests: random weights (seeded), a character tokenizer of
// printable ASCII and newline (whatever the model writes is text that encodes back to the same
// ids, which a chat's next turn relies on), written through the checkpoint writer, so that a
// server starts and answers in milliseconds.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { saveCheckpoint } from '../../src/io/checkpoint.js';
import { modelConfig } from '../../src/models/config.js';
import { LanguageModel } from '../../src/models/language_model.js';
import { CharTokenizer } from '../../src/data/tokenizer.js';

export const ALPHABET = ['\n', ...Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i))];

export function tinyModelFolder(opts: { hidden?: number; layers?: number; seed?: number } = {}): { dir: string; remove(): void } {
  const root = mkdtempSync(join(tmpdir(), 'mamba-ts-serve-'));
  const dir = join(root, 'tiny');
  const model = new LanguageModel(modelConfig({ vocab_size: ALPHABET.length, hidden_size: opts.hidden ?? 32, num_hidden_layers: opts.layers ?? 2, state_size: 8 }), { seed: opts.seed ?? 7 });
  saveCheckpoint(dir, { config: model.config, weights: model.weights(), tokenizer: new CharTokenizer(ALPHABET).toJSON() });
  return { dir, remove: () => rmSync(root, { recursive: true, force: true }) };
}
