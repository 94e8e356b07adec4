// `mamba-ts train` as a user runs it: a resumed run takes its settings from its folder, every
// option is checked before any work with the option named, and a run never writes into another
// run's folder unless told to.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'mamba-ts-train-cli-'));
const env = { ...process.env, MAMBA_TS_THREADS: '1' };
const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', cwd: work, env });

const corpus = join(work, 'tiny.txt');
writeFileSync(corpus, 'It was the best of times, it was the worst of times. '.repeat(40));
const tiny = ['--layers', '1', '--d-model', '8', '--d-state', '4', '--context', '16', '--batch', '2', '--warmup', '1', '--eval-batches', '1', '--no-progress'];

function assertCleanFailure(r: ReturnType<typeof run>, pattern: RegExp): void {
  assert.equal(r.status, 1, `exit code (stdout: ${r.stdout}, stderr: ${r.stderr})`);
  assert.match(r.stderr, pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at .+:\d+:\d+/, 'no stack trace');
}

const trainerState = (dir: string) => JSON.parse(readFileSync(join(dir, 'trainer_state.json'), 'utf8'));

test('a resumed run takes its corpus, model and schedule from its folder, and --steps extends it', () => {
  const dir = join(work, 'resumed');
  const first = run('train', '--data', corpus, '--out', dir, '--steps', '4', '--save-every', '2', '--eval-every', '2', ...tiny);
  assert.equal(first.status, 0, first.stderr);

  // No --data, no model or batch flags: all from the folder, not from the defaults.
  const more = run('train', '--out', dir, '--resume', '--steps', '6', '--no-progress');
  assert.equal(more.status, 0, more.stderr);
  const state = trainerState(dir);
  assert.equal(state.step, 6);
  assert.equal(state.options.steps, 6);
  assert.equal(state.options.batchSize, 2);
  assert.equal(state.options.contextLength, 16);
  assert.equal(state.options.warmupSteps, 1);
  assert.equal(state.options.corpus.source, corpus);
  assert.equal(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')).hidden_size, 8);

  // Repeating a setting with its own value is no conflict.
  assertCleanFailure(run('train', '--out', dir, '--resume', '--batch', '2'), /has finished its 6 steps.*--steps/);
  assertCleanFailure(run('train', '--out', dir, '--resume', '--steps', '5'), /--steps 5: the run in .* is already at step 6/);
});

test('a flag that conflicts with the resumed run is refused, naming it', () => {
  const dir = join(work, 'conflicts');
  assert.equal(run('train', '--data', corpus, '--out', dir, '--steps', '2', ...tiny).status, 0);
  assertCleanFailure(run('train', '--out', dir, '--resume', '--steps', '4', '--lr', '0.1'), /--lr 0\.1 conflicts with the run in .*--lr 0\.004/);
  assertCleanFailure(run('train', '--out', dir, '--resume', '--steps', '4', '--d-model', '16'), /--d-model 16 conflicts/);
  assertCleanFailure(run('train', '--out', dir, '--resume', '--steps', '4', '--tokenizer', 'byte'), /--tokenizer byte conflicts/);
  assertCleanFailure(run('train', '--out', dir, '--resume', '--steps', '4', '--batch', '4'), /--batch 4 conflicts/);
  assertCleanFailure(run('train', '--out', dir, '--resume', '--overwrite'), /--overwrite/);
  assert.equal(trainerState(dir).step, 2, 'the refused runs left the folder as it was');
});

test('a resumed run whose corpus changed is refused', () => {
  const dir = join(work, 'changed');
  const text = join(work, 'changing.txt');
  writeFileSync(text, 'It was the age of wisdom, it was the age of foolishness. '.repeat(40));
  assert.equal(run('train', '--data', text, '--out', dir, '--steps', '2', ...tiny).status, 0);
  writeFileSync(text, 'It was the age of wisdom, it was the age of foolishness! '.repeat(40));
  assertCleanFailure(run('train', '--out', dir, '--resume', '--steps', '4'), /changing\.txt has changed since the run .* trained on \(sha256/);
  assertCleanFailure(run('train', '--out', dir, '--resume', '--steps', '4', '--data', corpus), /--data .*tiny\.txt is not the text the run/);
});

test('every option is checked before any work, naming the option', () => {
  const dir = join(work, 'never');
  const bad: Array<[string[], RegExp]> = [
    [['--layers', '0'], /--layers.*'0' is invalid/],
    [['--d-state', '0'], /--d-state.*'0' is invalid/],
    [['--d-model', '0'], /--d-model.*'0' is invalid/],
    [['--eval-batches', '0'], /--eval-batches.*'0' is invalid/],
    [['--batch', '0'], /--batch.*'0' is invalid/],
    [['--steps', ''], /--steps.*'' is invalid/],
    [['--lr', '-1'], /--lr.*'-1' is invalid/],
    [['--lr', '0x10'], /--lr.*'0x10' is invalid/],
    [['--grad-clip', '-1'], /--grad-clip.*'-1' is invalid/],
    [['--weight-decay', '-5'], /--weight-decay.*'-5' is invalid/],
    [['--min-lr', '0.01', '--lr', '0.001'], /--min-lr 0\.01 is above --lr 0\.001/],
    [['--warmup', '50', '--steps', '10'], /--warmup 50 is longer than the run \(--steps 10\)/],
    [['--tokenizer', 'bpe'], /--tokenizer.*'bpe' is invalid/],
    [['--context', '5000'], /--context 5000: corpus too short.*use a smaller --context/],
  ];
  for (const [args, pattern] of bad) assertCleanFailure(run('train', '--data', corpus, '--out', dir, ...args), pattern);
  for (const [args, pattern] of [
    [['--top-p', '2'], /--top-p.*'2' is invalid/],
    [['--top-p', '0'], /--top-p.*'0' is invalid/],
    [['--temperature', '-1'], /--temperature.*'-1' is invalid/],
  ] as Array<[string[], RegExp]>) {
    assertCleanFailure(run('generate', '--model', dir, '--prompt', 'x', ...args), pattern);
  }
  assert.ok(!existsSync(dir), 'no run folder was made');
});

test('an invalid MAMBA_TS_THREADS is an error, not a fallback to the slow kernels', () => {
  const r = spawnSync(process.execPath, [cli, 'info', '--model', work], { encoding: 'utf8', env: { ...process.env, MAMBA_TS_BACKEND: 'wasm', MAMBA_TS_THREADS: 'two' } });
  assertCleanFailure(r, /MAMBA_TS_THREADS must be a positive integer, got 'two'/);
  assert.doesNotMatch(r.stderr, /using the reference kernels/);
});

test('a usage error prints the error and a pointer to the help, not the whole help', () => {
  const r = run('train', '--bogus');
  assertCleanFailure(r, /unknown option '--bogus'\nsee mamba-ts train --help\n$/);
});

test('training into a folder that holds a run is refused without --resume or --overwrite', () => {
  const dir = join(work, 'taken');
  assert.equal(run('train', '--data', corpus, '--out', dir, '--steps', '2', ...tiny).status, 0);
  const before = readFileSync(join(dir, 'metrics.jsonl'), 'utf8');
  assertCleanFailure(run('train', '--data', corpus, '--out', dir, '--steps', '3', ...tiny), /already holds a run.*--resume.*--overwrite/);
  assert.equal(readFileSync(join(dir, 'metrics.jsonl'), 'utf8'), before, 'the old run is untouched');

  const again = run('train', '--data', corpus, '--out', dir, '--steps', '3', '--overwrite', ...tiny);
  assert.equal(again.status, 0, again.stderr);
  assert.equal(trainerState(dir).step, 3);

  const foreign = join(work, 'foreign');
  mkdirSync(foreign);
  writeFileSync(join(foreign, 'notes.txt'), 'mine');
  assertCleanFailure(run('train', '--data', corpus, '--out', foreign, '--overwrite', ...tiny), /notes\.txt.*not deleting/);
  assert.ok(existsSync(join(foreign, 'notes.txt')));
});

test('each run without --out gets a folder of its own, named after its corpus', () => {
  const a = run('train', '--data', corpus, '--steps', '1', ...tiny);
  const b = run('train', '--data', corpus, '--steps', '1', ...tiny);
  assert.equal(a.status, 0, a.stderr);
  assert.equal(b.status, 0, b.stderr);
  const runs = readdirSync(join(work, 'runs')).sort();
  assert.equal(runs.length, 2);
  for (const r of runs) assert.match(r, /^tiny-\d{8}-\d{6}(-\d+)?$/);
  assert.match(a.stdout, new RegExp(`saved to ${join('runs', runs[0])}`));
});

test('the run summary counts parameters and layers as a reader would', () => {
  const r = run('train', '--data', corpus, '--out', join(work, 'summary'), '--steps', '1', ...tiny);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, / 1 layer · /);
  assert.match(r.stdout, / \d{1,3}(,\d{3})* parameters/);
});

test('eval reads the text the run trained on, and it and training report bits per token and per character, labelled', () => {
  const dir = join(work, 'bytes');
  const accents = join(work, 'accents.txt');
  // 14 two-byte characters and a space: 29 bytes per 15 characters.
  writeFileSync(accents, 'àéîõüçñøæßþðåÿ '.repeat(100));
  const tr = run('train', '--data', accents, '--tokenizer', 'byte', '--out', dir, '--steps', '2', ...tiny);
  assert.equal(tr.status, 0, tr.stderr);
  assert.match(tr.stdout, /val bpc \d+\.\d\d · \d+\.\d\d bits per token/);
  const evals = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((r) => r.type === 'eval');
  const last = evals[evals.length - 1];
  // One batch of 32 bytes: up to two half characters at its ends move the ratio by ~10 %.
  assert.ok(Math.abs(last.bitsPerChar / last.bitsPerToken - 29 / 15) < 0.2, `bits per character ${last.bitsPerChar}, per token ${last.bitsPerToken}`);

  const ev = run('eval', '--model', dir);
  assert.equal(ev.status, 0, ev.stderr);
  const m = ev.stdout.match(/([\d.]+) bits per token · val bpc ([\d.]+) \(bits per character\)/);
  assert.ok(m, ev.stdout);
  assert.ok(Math.abs(Number(m[2]) / Number(m[1]) - 29 / 15) < 0.05, ev.stdout);
  assert.equal(run('eval', '--model', dir, '--data', accents).stdout, ev.stdout, 'without --data: the recorded corpus');
});

test('generate reports the speed of the prompt prefill and of the generation apart', () => {
  const dir = join(work, 'speed');
  assert.equal(run('train', '--data', corpus, '--out', dir, '--steps', '1', ...tiny).status, 0);
  const gen = run('generate', '--model', dir, '--prompt', 'It was the best', '--max-tokens', '10');
  assert.equal(gen.status, 0, gen.stderr);
  assert.match(gen.stderr, /prefill 15 tokens in \d+\.\d\d s \([\d,–]+ tokens\/s\) · generated 10 tokens \(9 steps\) in \d+\.\d\d s \([\d,–]+ tokens\/s\)/);
});

test('Ctrl-C stops training between steps and says where the last checkpoint is and how to resume', async () => {
  const dir = join(work, 'interrupted');
  const child = spawn(process.execPath, [cli, 'train', '--data', corpus, '--out', dir, '--steps', '100000', '--save-every', '2', ...tiny], { cwd: work, env });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + 60_000;
  while (!existsSync(join(dir, 'trainer_state.json'))) {
    assert.ok(Date.now() < deadline, 'no checkpoint within 60 s');
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGINT');
  assert.equal(await exited, 130, stderr);
  const m = stderr.match(/interrupted at step \d+: the last checkpoint, of step (\d+), is in (.+); continue with: mamba-ts train --out (.+) --resume/);
  assert.ok(m, stderr);
  assert.equal(Number(m[1]), trainerState(dir).step);
  assert.equal(m[2], dir);
  const resumed = run('train', '--out', dir, '--resume', '--steps', String(trainerState(dir).step + 1));
  assert.equal(resumed.status, 0, resumed.stderr);
});

test.after(() => rmSync(work, { recursive: true, force: true }));
