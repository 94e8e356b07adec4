// `train --arch transformer` trains a Transformer++ into a Llama folder; generate, eval, info and
// logits work on it (chosen by its config), and it resumes; options of the other architecture
// are refused naming them.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env: { ...process.env, MAMBA_TS_THREADS: '1' } });

const work = mkdtempSync(join(tmpdir(), 'mamba-ts-cli-tf-'));
const corpus = join(work, 'tiny.txt');
writeFileSync(corpus, 'It was the best of times, it was the worst of times. '.repeat(40));
const runDir = join(work, 'run');
const base = ['--data', corpus, '--out', runDir, '--layers', '2', '--d-model', '16', '--context', '16', '--batch', '2', '--eval-every', '2', '--eval-batches', '1', '--no-progress'];

test('train --arch transformer writes a Llama folder that generate, eval, info and logits open, and --resume extends', () => {
  const tr = run('train', ...base, '--arch', 'transformer', '--heads', '4', '--kv-heads', '2', '--ffn', '24', '--steps', '3');
  assert.equal(tr.status, 0, tr.stderr);
  assert.match(tr.stdout, /transformer · 2 layers · d_model 16 · 4 heads \(2 kv\) of 4 · ffn 24/);
  const config = JSON.parse(readFileSync(join(runDir, 'config.json'), 'utf8'));
  assert.deepEqual([config.model_type, config.architectures[0], config.num_key_value_heads, config.intermediate_size], ['llama', 'LlamaForCausalLM', 2, 24]);

  const gen = run('generate', '--model', runDir, '--prompt', 'It was', '--max-tokens', '20', '--seed', '1');
  assert.equal(gen.status, 0, gen.stderr);
  assert.ok(gen.stdout.startsWith('It was') && gen.stdout.length > 'It was'.length);
  const ev = run('eval', '--model', runDir, '--data', corpus, '--context', '16', '--batches', '1');
  assert.equal(ev.status, 0, ev.stderr);
  assert.match(ev.stdout, /val bpc \d/);
  const info = run('info', '--model', runDir);
  assert.equal(info.status, 0, info.stderr);
  assert.equal(JSON.parse(info.stdout).num_attention_heads, 4);
  const lg = run('logits', '--model', runDir, '--tokens', '1,2,3');
  assert.equal(lg.status, 0, lg.stderr);
  assert.equal((JSON.parse(lg.stdout) as number[][]).length, 3);

  const resumed = run('train', '--out', runDir, '--resume', '--steps', '4', '--no-progress');
  assert.equal(resumed.status, 0, resumed.stderr);
  const conflict = run('train', '--out', runDir, '--resume', '--steps', '5', '--heads', '2', '--no-progress');
  assert.equal(conflict.status, 1);
  assert.match(conflict.stderr, /--heads 2 conflicts with the run .* which has --heads 4/);
});

test('options of the other architecture and heads that do not divide are refused, naming the option', () => {
  const fail = (pattern: RegExp, ...args: string[]) => {
    const r = run('train', ...base, '--overwrite', '--steps', '1', ...args);
    assert.equal(r.status, 1, r.stdout);
    assert.match(r.stderr, pattern);
  };
  fail(/--d-state does not apply to --arch transformer/, '--arch', 'transformer', '--d-state', '8');
  fail(/--heads does not apply to --arch mamba/, '--heads', '2');
  fail(/--d-model 16 is not divisible by --heads 3/, '--arch', 'transformer', '--heads', '3');
  fail(/--heads 4 is not a multiple of --kv-heads 3/, '--arch', 'transformer', '--kv-heads', '3');
});
