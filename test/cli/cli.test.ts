// The mamba-ts command as a user runs it: a tiny training run, then generate / eval / info /
// logits on its folder; and bad use gets a one-line error and exit code 1, never a stack trace.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env: { ...process.env, MAMBA_TS_THREADS: '1' } });

const work = mkdtempSync(join(tmpdir(), 'mamba-ts-cli-'));
const corpus = join(work, 'tiny.txt');
writeFileSync(corpus, 'It was the best of times, it was the worst of times. '.repeat(40));
const runDir = join(work, 'run');

function assertCleanFailure(r: ReturnType<typeof run>, pattern: RegExp): void {
  assert.equal(r.status, 1, `exit code (stderr: ${r.stderr})`);
  assert.match(r.stderr, pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at .+:\d+:\d+/, 'no stack trace');
}

test('train → generate, eval, info and logits on the saved folder', () => {
  const tr = run('train', '--data', corpus, '--out', runDir, '--steps', '3', '--layers', '1', '--d-model', '8', '--d-state', '4',
    '--context', '16', '--batch', '2', '--eval-every', '2', '--eval-batches', '1', '--no-progress');
  assert.equal(tr.status, 0, tr.stderr);
  assert.match(tr.stdout, /val bpc \d+\.\d\d/);
  for (const f of ['config.json', 'model.safetensors', 'tokenizer.json', 'metrics.jsonl']) assert.ok(existsSync(join(runDir, f)), f);

  const gen = run('generate', '--model', runDir, '--prompt', 'It was', '--max-tokens', '20', '--seed', '1');
  assert.equal(gen.status, 0, gen.stderr);
  assert.ok(gen.stdout.startsWith('It was') && gen.stdout.length > 'It was'.length);
  for (const weights of ['bf16', 'int8']) {
    const g = run('generate', '--model', runDir, '--prompt', 'It was', '--max-tokens', '20', '--seed', '1', '--weights', weights);
    assert.equal(g.status, 0, g.stderr);
    assert.ok(g.stdout.startsWith('It was') && g.stdout.length > 'It was'.length, `--weights ${weights}`);
  }

  const ev = run('eval', '--model', runDir, '--data', corpus, '--context', '16', '--batches', '1');
  assert.equal(ev.status, 0, ev.stderr);
  assert.match(ev.stdout, /val bpc \d/);

  const info = run('info', '--model', runDir);
  assert.equal(info.status, 0, info.stderr);
  assert.equal(JSON.parse(info.stdout).hidden_size, 8);

  const lg = run('logits', '--model', runDir, '--tokens', '1,2,3');
  assert.equal(lg.status, 0, lg.stderr);
  const rows = JSON.parse(lg.stdout) as number[][];
  assert.equal(rows.length, 3);
  assert.equal(rows[0].length, JSON.parse(info.stdout).vocab_size);
});

test('bad use gets a clear message and exit code 1', () => {
  assertCleanFailure(run('train', '--bogus'), /unknown option '--bogus'/);
  assertCleanFailure(run('train', '--steps', 'many'), /--steps.*invalid/);
  assertCleanFailure(run('generate', '--model', join(work, 'nope'), '--prompt', 'x'), /nope/);
  assertCleanFailure(run('generate', '--model', runDir, '--prompt', 'It was ☃'), /not in the model's vocabulary: '☃'/);
  assertCleanFailure(run('generate', '--model', runDir, '--prompt', 'x', '--weights', 'f16'), /--weights.*'f16' is invalid.*f32, bf16, int8/);
  assertCleanFailure(run('logits', '--model', runDir, '--tokens', '1,999'), /'999' at position 1 is not a token id/);
  const empty = join(work, 'empty.txt');
  writeFileSync(empty, '');
  assertCleanFailure(run('train', '--data', empty, '--out', join(work, 'r2')), /empty/);
  const short = join(work, 'short.txt');
  writeFileSync(short, 'too short');
  assertCleanFailure(run('train', '--data', short, '--out', join(work, 'r3'), '--context', '64'), /too short/);
});

test('the build leaves the command executable, as npx needs it', () => {
  assert.ok((statSync(cli).mode & 0o111) !== 0, `${cli} has mode ${(statSync(cli).mode & 0o777).toString(8)}`);
  const r = spawnSync(cli, ['--help'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /Usage: mamba-ts/);
});

test.after(() => rmSync(work, { recursive: true, force: true }));
