// The mamba-ts command on model folders whose tokenizer.json is a Hugging Face file we did not write
// (a byte-level BPE like GPT-NeoX's, as in the state-spaces/mamba-*-hf checkpoints), and on one
// with our byte tokenizer: generate streams whole characters, eval and info work.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { saveCheckpoint } from '../../src/io/checkpoint.js';
import { modelConfig } from '../../src/models/config.js';
import { LanguageModel } from '../../src/models/language_model.js';
import { ByteTokenizer, type TokenizerJson } from '../../src/data/tokenizer.js';
import { tinyBpeJson } from '../data/fixtures/tiny_bpe.js';

const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env: { ...process.env, MAMBA_TS_THREADS: '1' } });

const work = mkdtempSync(join(tmpdir(), 'mamba-ts-hf-folder-'));
test.after(() => rmSync(work, { recursive: true, force: true }));

/** A randomly initialised one-layer model folder; vocab_size may exceed the tokenizer's ids (HF pads it). */
function modelFolder(name: string, vocabSize: number, tokenizer: TokenizerJson): string {
  const dir = join(work, name);
  const model = new LanguageModel(modelConfig({ vocab_size: vocabSize, hidden_size: 8, num_hidden_layers: 1, state_size: 4 }), { seed: 5 });
  saveCheckpoint(dir, { config: model.config, weights: model.weights(), tokenizer });
  return dir;
}

test('generate, eval and info work on a folder whose tokenizer.json is a Hugging Face byte-level BPE', () => {
  const dir = modelFolder('bpe', 272, tinyBpeJson() as TokenizerJson);
  const gen = run('generate', '--model', dir, '--prompt', 'the whale 🐋', '--max-tokens', '24', '--seed', '3');
  assert.equal(gen.status, 0, gen.stderr);
  assert.ok(gen.stdout.startsWith('the whale 🐋') && gen.stdout.length > 'the whale 🐋\n'.length, JSON.stringify(gen.stdout));
  assert.match(gen.stderr, /generated 24 tokens/);

  const corpus = join(work, 'whales.txt');
  writeFileSync(corpus, 'the whale\n\nthe  whale 🐋 '.repeat(40));
  const ev = run('eval', '--model', dir, '--data', corpus, '--context', '16', '--batches', '1');
  assert.equal(ev.status, 0, ev.stderr);
  assert.match(ev.stdout, /val loss \d+\.\d+ nats/);

  const info = run('info', '--model', dir);
  assert.equal(info.status, 0, info.stderr);
  assert.equal(JSON.parse(info.stdout).tokenizer, 'hf');
});

test('generate on a byte-tokenizer folder prints the prompt and the stream', () => {
  const dir = modelFolder('byte', 256, new ByteTokenizer().toJSON());
  const gen = run('generate', '--model', dir, '--prompt', 'naïve 🐋', '--max-tokens', '16', '--seed', '1');
  assert.equal(gen.status, 0, gen.stderr);
  assert.ok(gen.stdout.startsWith('naïve 🐋'), JSON.stringify(gen.stdout));
  assert.equal(JSON.parse(run('info', '--model', dir).stdout).tokenizer, 'byte');
});

test('a Hugging Face tokenizer with more ids than the model has embeddings is refused with the file named', () => {
  const dir = modelFolder('small-vocab', 256, new ByteTokenizer().toJSON());
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(tinyBpeJson()));
  const gen = run('generate', '--model', dir, '--prompt', 'the', '--max-tokens', '2');
  assert.equal(gen.status, 1);
  assert.match(gen.stderr, /small-vocab\/tokenizer\.json: 270 tokens, but config\.json vocab_size is 256/);
  assert.doesNotMatch(gen.stderr, /\n\s+at .+:\d+:\d+/, 'no stack trace');
});
