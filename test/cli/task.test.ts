// `mamba-ts task` as a user runs it: a tiny run reports its held-out accuracy and saves a model
// whose config keeps the LRU options; bad task names and options get a one-line error, exit 1.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, [cli, 'task', ...args], { encoding: 'utf8', env: { ...process.env, MAMBA_TS_THREADS: '1' } });
const work = mkdtempSync(join(tmpdir(), 'mamba-ts-task-cli-'));
after(() => rmSync(work, { recursive: true, force: true }));

function assertCleanFailure(r: ReturnType<typeof run>, pattern: RegExp): void {
  assert.equal(r.status, 1, `exit code (stderr: ${r.stderr})`);
  assert.match(r.stderr, pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at .+:\d+:\d+/, 'no stack trace');
}

test('task delayed-recall on a tiny LRU reports a high held-out accuracy', () => {
  const r = run('delayed-recall', '--length', '16', '--steps', '150', '--d-model', '16', '--no-progress');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /task delayed-recall · L 16 · vocab 16 · lru · 1 layer/);
  const m = /accuracy (\d+\.\d) % · loss \d+\.\d+ on 64 held-out sequences · 150 steps/.exec(r.stdout);
  assert.ok(m, r.stdout);
  assert.ok(Number(m[1]) > 90, `accuracy ${m[1]} %`);
  assert.match(r.stderr, /step 150 · held-out loss/, 'plain progress lines without a terminal');
});

test('an ablated LRU run saves its options in config.json and its curves', () => {
  const out = join(work, 'ablated');
  const r = run('parity', '--length', '8', '--steps', '3', '--d-model', '8', '--eval-size', '4', '--batch', '2',
    '--real', '--no-gamma', '--no-ring-init', '--no-stable-exp', '--d-state', '4', '--out', out, '--no-progress');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /lru \(no exp parameterisation, no ring init, no γ, real\)/);
  const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
  assert.equal(config.mixer, 'lru');
  assert.deepEqual(config.lru, { state_size: 4, stable_exp_param: false, ring_init: false, gamma_norm: false, complex: false });
  const curves = JSON.parse(readFileSync(join(out, 'curves.json'), 'utf8'));
  assert.equal(curves.train.length, 3);
  assert.deepEqual(curves.eval.map((e: { step: number }) => e.step), [0, 3]);
});

test('the Mamba and S4D mixers run a task too', () => {
  for (const mixer of ['mamba', 's4d']) {
    const r = run('induction-heads', '--mixer', mixer, '--length', '8', '--steps', '2', '--d-model', '8', '--d-state', '4', '--eval-size', '4', '--no-progress');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`· ${mixer} · .* N 4 ·`));
    assert.match(r.stdout, /accuracy \d+\.\d %/);
  }
});

test('bad task names and options get a clear message and exit code 1', () => {
  assertCleanFailure(run('copying'), /argument 'task'.*Allowed choices are delayed-recall, parity, selective-copying, induction-heads/);
  assertCleanFailure(run('parity', '--mixer', 'gru'), /--mixer.*Allowed choices are mamba, s4d, lru/);
  assertCleanFailure(run('parity', '--mixer', 'mamba', '--no-gamma', '--real'), /--no-gamma, --real: LRU options, but --mixer is mamba; use --mixer lru/);
  assertCleanFailure(run('parity', '--r-min', '0.99', '--r-max', '0.95'), /--r-min 0\.99 is above --r-max 0\.95/);
  assertCleanFailure(run('parity', '--r-max', '1'), /--r-max must be a number in \[0, 1\), got 1/);
  assertCleanFailure(run('parity', '--d-model', '0'), /--d-model must be a positive integer, got 0/);
  assertCleanFailure(run('parity', '--batch', '0'), /--batch must be at least 1, got 0/);
  assertCleanFailure(run('parity', '--steps', 'many'), /--steps.*invalid/);
  assertCleanFailure(run('selective-copying', '--length', '10'), /selectiveCopying: length must be an integer ≥ 32, got 10/);
  assertCleanFailure(run('parity', '--vocab', '5'), /parity: the vocabulary is the two bits, got vocab 5/);
});

test('--arch transformer trains the Transformer++ baseline on a task, and --eval-lengths reports each length', () => {
  const out = join(work, 'transformer');
  const r = run('induction-heads', '--arch', 'transformer', '--heads', '2', '--length', '16', '--steps', '2', '--d-model', '8', '--layers', '2',
    '--eval-size', '4', '--eval-lengths', '32,1000', '--eval-sequences', '2', '--out', out, '--no-progress');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /· transformer · 2 layer\(s\) · d_model 8 · 2 heads of 4 ·/);
  assert.match(r.stdout, /L 32 · accuracy \d+\.\d % · loss \d+\.\d+ · 2 sequences · .* state \d+\.\d KiB/);
  assert.match(r.stdout, /L 1000 · accuracy/);
  assert.equal(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')).model_type, 'llama');
  assert.deepEqual(JSON.parse(readFileSync(join(out, 'lengths.json'), 'utf8')).lengths.map((l: { length: number }) => l.length), [32, 1000]);
  assertCleanFailure(run('parity', '--arch', 'transformer', '--d-state', '4'), /--d-state: state-space options, but --arch is transformer/);
  assertCleanFailure(run('parity', '--arch', 'transformer', '--d-model', '12', '--heads', '4'), /--d-model 12 \/ --heads 4 = 3 must be even/);
});

test('--eval-only --model re-evaluates a saved model at the lengths asked, with the same held-out accuracy', () => {
  const out = join(work, 'saved-mamba');
  const trained = run('induction-heads', '--mixer', 'mamba', '--length', '16', '--steps', '3', '--d-model', '8', '--eval-size', '8', '--out', out, '--no-progress');
  assert.equal(trained.status, 0, trained.stderr);
  const again = run('induction-heads', '--eval-only', '--model', out, '--length', '16', '--eval-size', '8', '--eval-lengths', '64,4096', '--eval-sequences', '2', '--eval-chunk', '1',
    '--out', join(work, 'new-folder', 'lengths'));
  assert.equal(again.status, 0, again.stderr);
  const acc = (s: string) => /accuracy (\d+\.\d) % · loss (\d+\.\d+) on 8 held-out/.exec(s)!.slice(1);
  assert.deepEqual(acc(again.stdout), acc(trained.stdout));
  assert.match(again.stdout, /L 4096 · accuracy \d+\.\d %/);
  assert.equal(JSON.parse(readFileSync(join(work, 'new-folder', 'lengths', 'lengths.json'), 'utf8')).lengths.length, 2, 'an --out folder that does not exist yet is made');
  assertCleanFailure(run('induction-heads', '--eval-only'), /--eval-only needs --model <dir>/);
  assertCleanFailure(run('parity', '--eval-lengths', '64,x'), /--eval-lengths.*expected an integer of at least 1/);
});

test('task listops trains a classifier, reports validation and test accuracy, and its saved folder re-evaluates alike', () => {
  const out = join(work, 'listops');
  const r = run('listops', '--mixer', 'mamba', '--layers', '1', '--d-model', '8', '--steps', '2', '--batch', '2', '--eval-size', '8', '--train-size', '20', '--test-size', '16', '--pooling', 'mean', '--out', out, '--no-progress');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /task listops · 10 classes · mean pooling · vocab 17 · mamba/);
  assert.equal(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')).classifier_pooling, 'mean');
  const line = /val accuracy (\d+\.\d) % \(8 examples\) · test accuracy (\d+\.\d) % · test loss \d+\.\d+ \(16 examples\)/.exec(r.stdout);
  assert.ok(line, r.stdout);
  assert.deepEqual(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')).architectures, ['MambaForSequenceClassification']);
  const again = run('listops', '--eval-only', '--model', out, '--eval-size', '8', '--test-size', '16');
  assert.equal(again.status, 0, again.stderr);
  assert.deepEqual(/val accuracy (\d+\.\d) % \(8 examples\) · test accuracy (\d+\.\d) %/.exec(again.stdout)!.slice(1), line.slice(1));
  assertCleanFailure(run('listops', '--pooling', 'max'), /--pooling.*Allowed choices are last, mean/);
});

test('task listops --bidirectional trains a classifier whose tokens read the whole sequence, saved with the key and re-evaluated alike; other uses are refused', () => {
  const encoder = run('listops', '--bidirectional', '--arch', 'transformer', '--heads', '2', '--layers', '1', '--d-model', '8', '--steps', '2', '--batch', '2', '--eval-size', '8', '--train-size', '20', '--test-size', '16', '--no-progress');
  assert.equal(encoder.status, 0, encoder.stderr);
  assert.match(encoder.stdout, /task listops · 10 classes · mean pooling · vocab 17 · bidirectional transformer · 1 layer/);
  const out = join(work, 'listops-bidirectional');
  const r = run('listops', '--bidirectional', '--mixer', 's4d', '--layers', '1', '--d-model', '8', '--steps', '2', '--batch', '2', '--eval-size', '8', '--train-size', '20', '--test-size', '16', '--out', out, '--no-progress');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /task listops · 10 classes · mean pooling · vocab 17 · bidirectional s4d · 1 layer/);
  const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
  assert.equal(config.bidirectional, true);
  const line = /val accuracy (\d+\.\d) % \(8 examples\) · test accuracy (\d+\.\d) %/.exec(r.stdout)!;
  const again = run('listops', '--eval-only', '--model', out, '--eval-size', '8', '--test-size', '16');
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stdout, /bidirectional s4d/);
  assert.deepEqual(/val accuracy (\d+\.\d) % \(8 examples\) · test accuracy (\d+\.\d) %/.exec(again.stdout)!.slice(1), line.slice(1));
  assertCleanFailure(run('listops', '--bidirectional', '--eval-only', '--model', out), /--bidirectional describes a model to train/);
  assertCleanFailure(run('parity', '--bidirectional'), /--bidirectional is for task listops \(a classifier\): parity's model predicts each token from the ones before it/);
});
