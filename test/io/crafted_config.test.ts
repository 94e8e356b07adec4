// Defect 4 of issue 11: a crafted config.json (10^6 layers, a 10^30 width, a huge vocabulary or
// kernel) made the loader hang for minutes at gigabytes or crash with "Invalid typed array length"
// naming no file. The sizes are now checked against the tensors in model.safetensors, from its
// header, before anything is allocated: each such folder fails at once, naming the file and key.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { saveCheckpoint } from '../../src/io/checkpoint.js';
import { loadModelFolder } from '../../src/io/model_folder.js';
import { modelConfig } from '../../src/models/config.js';
import { createModel } from '../../src/models/create.js';
import { CharTokenizer } from '../../src/data/tokenizer.js';

const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mamba-ts-crafted-'));
test.after(() => fs.rmSync(root, { recursive: true, force: true }));

const config = modelConfig({ vocab_size: 6, hidden_size: 8, num_hidden_layers: 2, state_size: 4 });
const source = path.join(root, 'source');
saveCheckpoint(source, { config, weights: createModel(config).weights(), tokenizer: CharTokenizer.fromText('abcdef').toJSON() });

/** The good folder with config.json's `key` set to `value`. */
function crafted(key: string, value: unknown): string {
  const dir = path.join(root, `${key}-${String(value)}`);
  fs.cpSync(source, dir, { recursive: true });
  const json = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
  json[key] = value;
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(json));
  return dir;
}

const cases: Array<[string, unknown, RegExp]> = [
  ['num_hidden_layers', 1_000_000, /config\.json: num_hidden_layers is 1000000, but .*model\.safetensors holds 2 layers/],
  ['num_hidden_layers', 65536, /num_hidden_layers is 65536/],
  ['num_hidden_layers', 1e30, /num_hidden_layers is 1e\+30/],
  ['num_hidden_layers', 2 ** 53, /num_hidden_layers is 9007199254740992/],
  ['hidden_size', 1e30, /model\.safetensors: tensor backbone\.embeddings\.weight has shape \[6, 8\], .*config\.json expects \[6, 1e\+30\] \(hidden_size\)/],
  ['vocab_size', 2 ** 40, /tensor backbone\.embeddings\.weight has shape \[6, 8\], .*config\.json expects \[1099511627776, 8\] \(vocab_size\)/],
  ['conv_kernel', 1e9, /tensor backbone\.layers\.0\.mixer\.conv1d\.weight has shape \[16, 1, 4\], .*config\.json expects \[16, 1, 1000000000\] \(conv_kernel\)/],
  ['time_step_rank', 1e9, /tensor backbone\.layers\.0\.mixer\.x_proj\.weight has shape \[9, 16\], .*expects \[1000000008, 16\] \(time_step_rank, state_size\)/],
  ['intermediate_size', 2 ** 31, /\(intermediate_size\)/],
];

for (const [key, value, expected] of cases) {
  test(`a config.json with ${key} ${value} is refused at once, naming the file and the key`, () => {
    const dir = crafted(key, value);
    const t0 = performance.now();
    assert.throws(() => loadModelFolder(dir, { requireTokenizer: false }), expected);
    assert.ok(performance.now() - t0 < 2000, `refused in ${(performance.now() - t0).toFixed(0)} ms`);
  });
}

test('info refuses a crafted config.json at once, and on the good folder reports the parameters without building the model', () => {
  const bad = spawnSync(process.execPath, [cli, 'info', '--model', crafted('num_hidden_layers', 1e7)], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(bad.status, 1, bad.stderr);
  assert.match(bad.stderr, /config\.json: num_hidden_layers is 10000000, but .*model\.safetensors holds 2 layers/);
  const good = spawnSync(process.execPath, [cli, 'info', '--model', source], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(good.status, 0, good.stderr);
  const info = JSON.parse(good.stdout);
  assert.equal(info.parameters, createModel(config).parameterCount());
  assert.equal(info.tokenizer, 'char');
});

test('a weights file with a tensor the config does not describe, or without one it does, is refused naming the tensor', () => {
  const untied = crafted('tie_word_embeddings', false);
  assert.throws(() => loadModelFolder(untied, { requireTokenizer: false }), /model\.safetensors: tensor lm_head\.weight is missing; .*config\.json describes a model with it \(tie_word_embeddings is false\)/);
  const s4d = crafted('mixer', 's4d');
  assert.throws(() => loadModelFolder(s4d, { requireTokenizer: false }), /tensor backbone\.layers\.0\.mixer\.dt_low is missing/);
});
