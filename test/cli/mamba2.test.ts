// `train --arch mamba2` trains a Mamba-2 into a Mamba2ForCausalLM folder; generate, eval, info and
// logits work on it (chosen by its config), and it resumes keeping its block settings; options of
// other architectures and head widths that do not divide are refused naming the option.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env: { ...process.env, MAMBA_TS_THREADS: '1' } });

const work = mkdtempSync(join(tmpdir(), 'mamba-ts-cli-mamba2-'));
const corpus = join(work, 'tiny.txt');
writeFileSync(corpus, 'It was the best of times, it was the worst of times. '.repeat(40));
const runDir = join(work, 'run');
const base = ['--data', corpus, '--out', runDir, '--layers', '2', '--d-model', '16', '--context', '16', '--batch', '2', '--eval-every', '2', '--eval-batches', '1', '--no-progress'];

test('train --arch mamba2 writes a Mamba-2 folder that generate, eval, info and logits open, and --resume extends', () => {
  const tr = run('train', ...base, '--arch', 'mamba2', '--head-dim', '8', '--groups', '2', '--d-state', '8', '--steps', '3');
  assert.equal(tr.status, 0, tr.stderr);
  assert.match(tr.stdout, /mamba2 · 2 layers · d_model 16 · 4 heads of 8 · 2 groups · N 8/);
  const config = JSON.parse(readFileSync(join(runDir, 'config.json'), 'utf8'));
  assert.deepEqual([config.model_type, config.architectures[0], config.num_heads, config.head_dim, config.n_groups], ['mamba2', 'Mamba2ForCausalLM', 4, 8, 2]);

  const gen = run('generate', '--model', runDir, '--prompt', 'It was', '--max-tokens', '20', '--seed', '1');
  assert.equal(gen.status, 0, gen.stderr);
  assert.ok(gen.stdout.startsWith('It was') && gen.stdout.length > 'It was'.length);
  const ev = run('eval', '--model', runDir, '--data', corpus, '--context', '16', '--batches', '1');
  assert.equal(ev.status, 0, ev.stderr);
  assert.match(ev.stdout, /val bpc \d/);
  const info = run('info', '--model', runDir);
  assert.equal(info.status, 0, info.stderr);
  const shown = JSON.parse(info.stdout);
  assert.deepEqual([shown.num_heads, shown.time_step_limit], [4, [0, { __float__: 'Infinity' }]]);
  const lg = run('logits', '--model', runDir, '--tokens', '1,2,3');
  assert.equal(lg.status, 0, lg.stderr);
  assert.equal((JSON.parse(lg.stdout) as number[][]).length, 3);

  const resumed = run('train', '--out', runDir, '--resume', '--steps', '4', '--no-progress');
  assert.equal(resumed.status, 0, resumed.stderr);
  const conflict = run('train', '--out', runDir, '--resume', '--steps', '5', '--head-dim', '4', '--no-progress');
  assert.equal(conflict.status, 1);
  assert.match(conflict.stderr, /--head-dim 4 conflicts with the run .* which has --head-dim 8/);
});

test('options of other architectures and head widths that do not divide are refused, naming the option', () => {
  const fail = (pattern: RegExp, ...args: string[]) => {
    const r = run('train', ...base, '--overwrite', '--steps', '1', ...args);
    assert.equal(r.status, 1, r.stdout);
    assert.match(r.stderr, pattern);
  };
  fail(/--heads does not apply to --arch mamba2/, '--arch', 'mamba2', '--heads', '2');
  fail(/--mixer does not apply to --arch mamba2/, '--arch', 'mamba2', '--mixer', 's4d');
  fail(/--head-dim does not apply to --arch mamba\b/, '--head-dim', '8');
  fail(/--groups does not apply to --arch transformer/, '--arch', 'transformer', '--groups', '2');
  fail(/--head-dim 12 does not divide the inner width 2 × --d-model 16 = 32/, '--arch', 'mamba2', '--head-dim', '12');
  fail(/--groups 3 does not divide the 4 heads/, '--arch', 'mamba2', '--head-dim', '8', '--groups', '3');
});
