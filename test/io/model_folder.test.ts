// What the inference commands (generate, eval, info, logits) read from a model folder: only the
// model and its tokenizer (defect 6 of issue 11: a truncated optimizer.safetensors broke them), and
// never weights holding NaN or Inf (defect 8: they loaded silently and generate printed newlines).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { saveCheckpoint, loadCheckpoint } from '../../src/io/checkpoint.js';
import { loadModelFolder } from '../../src/io/model_folder.js';
import { encodeSafetensors } from '../../src/io/safetensors.js';
import { modelConfig } from '../../src/models/config.js';
import { createModel } from '../../src/models/create.js';
import { CharTokenizer } from '../../src/data/tokenizer.js';

const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, MAMBA_TS_THREADS: '1' } });
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mamba-ts-model-folder-'));
test.after(() => fs.rmSync(root, { recursive: true, force: true }));

const config = modelConfig({ vocab_size: 6, hidden_size: 8, num_hidden_layers: 1, state_size: 4 });
const tokenizer = CharTokenizer.fromText('abcdef').toJSON();

/** A trained-looking run folder: model, tokenizer, trainer state and optimizer moments. */
function runFolder(name: string): { dir: string; weights: ReturnType<ReturnType<typeof createModel>['weights']> } {
  const dir = path.join(root, name);
  const weights = createModel(config, { seed: 1 }).weights();
  const optimizer = new Map([...weights].flatMap(([n, t]) => [[`m.${n}`, t], [`v.${n}`, t]] as const));
  saveCheckpoint(dir, { config, weights, tokenizer, trainerState: { step: 3 }, optimizer });
  return { dir, weights };
}

test('a truncated optimizer.safetensors or trainer_state.json does not stop the inference commands; resuming names the file', () => {
  const { dir } = runFolder('truncated-optimizer');
  const file = path.join(dir, 'optimizer.safetensors');
  fs.truncateSync(file, Math.floor(fs.statSync(file).size / 2));
  fs.writeFileSync(path.join(dir, 'trainer_state.json'), '{"step": ');
  const { model, tokenizer: tok } = loadModelFolder(dir, { requireTokenizer: true });
  assert.equal(model.config.hidden_size, 8);
  assert.equal(tok!.kind, 'char');
  const gen = run('generate', '--model', dir, '--prompt', 'ab', '--max-tokens', '3');
  assert.equal(gen.status, 0, gen.stderr);
  assert.equal(run('info', '--model', dir).status, 0);
  assert.equal(run('logits', '--model', dir, '--tokens', '0,1').status, 0);
  assert.throws(() => loadCheckpoint(dir), /truncated-optimizer\/(optimizer\.safetensors|trainer_state\.json)/);
});

for (const [what, value] of [['NaN', NaN], ['Inf', Infinity], ['-Inf', -Infinity]] as const) {
  test(`weights holding ${what} are refused at load, naming the tensor; generate exits 1 saying so`, () => {
    const { dir, weights } = runFolder(`bad-${what}`);
    const name = 'backbone.layers.0.mixer.dt_proj.bias';
    weights.get(name)!.data[3] = value;
    fs.writeFileSync(path.join(dir, 'model.safetensors'), encodeSafetensors(weights, { format: 'pt' }));
    const expected = new RegExp(`bad-${what}/model\\.safetensors: tensor ${name.replace(/\./g, '\\.')} holds 1 non-finite value \\(the first, ${what.replace('Inf', 'Infinity')}, at index 3`);
    assert.throws(() => loadModelFolder(dir, { requireTokenizer: false }), expected);
    assert.throws(() => loadCheckpoint(dir), expected);
    const gen = run('generate', '--model', dir, '--prompt', 'ab', '--max-tokens', '3');
    assert.equal(gen.status, 1);
    assert.match(gen.stderr, expected);
  });
}
