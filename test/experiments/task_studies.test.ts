// The three long-range studies (`mamba-ts experiment selective-copying|induction-heads|listops`)
// at --quick size: each trains every model, writes its JSON, markdown and plots, and saves the
// trained models where --models says, in seconds.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, getPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { listOpsSplits, rootOperatorBaseline } from '../../src/data/listops.js';
import { findExperiment } from '../../src/experiments/registry.js';
import { launchedCommand, studyConfig } from '../../src/experiments/task_study.js';
import { createModel } from '../../src/models/create.js';
import { saveCheckpoint } from '../../src/io/checkpoint.js';

const work = mkdtempSync(join(tmpdir(), 'mamba-ts-task-studies-'));
after(() => rmSync(work, { recursive: true, force: true }));

for (const [name, plot] of [['selective-copying', 'selective-copying-accuracy'], ['induction-heads', 'induction-heads-extrapolation'], ['listops', 'listops-validation']] as const) {
  test(`experiment ${name} --quick writes its table, JSON and plots, and saves every model`, async () => {
    const out = join(work, name);
    const models = join(work, `${name}-models`);
    const t0 = performance.now();
    await findExperiment(name).run({ quick: true, out, models });
    assert.ok((performance.now() - t0) / 1000 < 60, 'seconds, not minutes');
    for (const f of [`${name}.json`, `${name}.md`, `${plot}.svg`, `${plot}.png`]) assert.ok(existsSync(join(out, f)), f);
    const study = JSON.parse(readFileSync(join(out, `${name}.json`), 'utf8'));
    assert.ok(study.finished, 'marked finished');
    assert.deepEqual([...new Set(study.runs.map((r: { arch: string }) => r.arch))], ['mamba', 's4d', 'lru', 'transformer']);
    const md = readFileSync(join(out, `${name}.md`), 'utf8');
    assert.doesNotMatch(md, /Partial/);
    assert.match(md, /\| Mamba \(S6\) \|/);
    assert.match(md, /Published|published/);
    for (const r of study.runs) assert.ok(existsSync(join(r.modelDir, 'config.json')), r.modelDir);
  });
}

test('induction heads evaluates Mamba at every length, and stops the others once they are at chance', async () => {
  const study = JSON.parse(readFileSync(join(work, 'induction-heads', 'induction-heads.json'), 'utf8'));
  const mamba = study.runs.find((r: { arch: string }) => r.arch === 'mamba');
  assert.deepEqual(mamba.lengths.map((x: { status: string }) => x.status), study.settings.lengths.map(() => 'ok'));
  assert.equal(mamba.lengths.at(-1).length, 1024);
});

test('selective copying gives every climb the --climb-minutes limit: with almost none, each ends at its first rung and says why', async () => {
  const out = join(work, 'selective-copying-timed');
  await findExperiment('selective-copying').run({ quick: true, out, models: join(work, 'timed-models'), climbMinutes: 1e-6 });
  const d = JSON.parse(readFileSync(join(out, 'selective-copying.json'), 'utf8'));
  assert.deepEqual(d.runs.map((r: { length: number }) => r.length), [4, 4, 4, 4]);
  for (const r of d.runs) assert.equal(r.eval.at(-1).step, 1, 'one step, then out of time');
  assert.equal(d.ends.length, 4);
  assert.match(readFileSync(join(out, 'selective-copying.md'), 'utf8'), /limit ran out/);
});

test('selective copying --from continues every climb from the rung an earlier study saved, and checks them all before training', async () => {
  // The timed study above saved each model at L 4 (its only rung); a ladder of 8 goes on from there.
  const from = join(work, 'timed-models');
  const out = join(work, 'selective-copying-from');
  await findExperiment('selective-copying').run({ quick: true, out, models: join(work, 'from-models'), ladder: [8], from, lr: 1e-3 });
  const d = JSON.parse(readFileSync(join(out, 'selective-copying.json'), 'utf8'));
  assert.deepEqual([d.settings.lr, d.settings.minLr, d.runs[0].lr], [1e-3, 1e-4, 1e-3]);
  assert.match(d.command, /--lr 0\.001/);
  assert.deepEqual(d.starts.map((x: { arch: string; length: number }) => `${x.arch} L${x.length}`), ['mamba L4', 's4d L4', 'lru L4', 'transformer L4']);
  assert.deepEqual(d.runs.map((r: { length: number }) => r.length), [8, 8, 8, 8]);
  assert.equal(d.settings.from, from);
  assert.match(d.command, /--from /);
  assert.match(readFileSync(join(out, 'selective-copying.md'), 'utf8'), /\*\*Continued\*\* \(`--from .*`\): .*Mamba \(S6\) seed 0 from L 4/);

  // A model missing from the folder stops the study before anything trains or is written.
  const none = join(work, 'selective-copying-from-missing');
  await assert.rejects(
    findExperiment('selective-copying').run({ quick: true, out: none, ladder: [8], from, seeds: [0, 1] }),
    /--from .*timed-models: no saved rung shorter than L 8 for Mamba \(S6\) seed 1 \(expected a model folder .*mamba-seed1\/L<length>\)/,
  );
  assert.ok(!existsSync(none));
  // A rung of another shape (a Mamba twice as wide as --quick's) is refused.
  const other = join(work, 'other-shape');
  const wide = createModel(studyConfig('mamba', { width: 16, layers: 2, vocab: 16, heads: 2, context: 8 }), { seed: 0 });
  saveCheckpoint(join(other, 'mamba-seed0', 'L4'), { config: wide.config, weights: wide.weights() });
  await assert.rejects(
    findExperiment('selective-copying').run({ quick: true, out: none, ladder: [8], from: other, archs: ['mamba'] }),
    /--from: .*other-shape\/mamba-seed0\/L4 holds another model than this study's Mamba \(S6\)/,
  );
  assert.ok(!existsSync(none));
});

test('listops --bidirectional trains every model reading the whole sequence, and says so on the page', async () => {
  const out = join(work, 'listops-bidirectional');
  const models = join(work, 'listops-bidirectional-models');
  await findExperiment('listops').run({ quick: true, out, models, bidirectional: true });
  const d = JSON.parse(readFileSync(join(out, 'listops.json'), 'utf8'));
  assert.equal(d.settings.bidirectional, true);
  assert.match(d.command, /--bidirectional/);
  assert.deepEqual(d.runs.map((r: { arch: string }) => r.arch), ['mamba', 's4d', 'lru', 'transformer']);
  for (const r of d.runs) assert.equal(JSON.parse(readFileSync(join(r.modelDir, 'config.json'), 'utf8')).bidirectional, true, r.arch);
  assert.match(readFileSync(join(out, 'listops.md'), 'utf8'), /\*\*Bidirectional\*\* \(`"bidirectional": true`, as the LRA.s models\): every Mamba-family block has a second mixer/);
});

test('a study records how it was launched: the thread count and the nice level it ran at', () => {
  const study = JSON.parse(readFileSync(join(work, 'listops', 'listops.json'), 'utf8'));
  const nice = getPriority();
  const threads = process.env.MAMBA_TS_THREADS;
  assert.equal(study.settings.launch, [threads ? `MAMBA_TS_THREADS=${threads}` : '', nice > 0 ? `nice -n ${nice}` : ''].filter((x) => x).join(' '));
  assert.equal(typeof study.settings.loadEnd, 'number');
  assert.match(readFileSync(join(work, 'listops', 'listops.md'), 'utf8'), /at the end\)/);
});

test('a page shows the command as it ran, without the lock older records name, and nice 10 for records without a launch', () => {
  assert.equal(launchedCommand('MAMBA_TS_THREADS=1 flock /work/wt/notes/long.lock nice -n 15', 'mamba-ts experiment listops'), 'MAMBA_TS_THREADS=1 nice -n 15 mamba-ts experiment listops');
  assert.equal(launchedCommand('', 'mamba-ts experiment listops'), 'mamba-ts experiment listops');
  assert.equal(launchedCommand(undefined, 'mamba-ts experiment listops'), 'nice -n 10 mamba-ts experiment listops');
});

test('listops --minutes gives every model the steps its measured speed fits in the time, and says so; --pooling mean is its head', async () => {
  const out = join(work, 'listops-timed');
  await findExperiment('listops').run({ quick: true, out, models: join(work, 'listops-timed-models'), minutes: 0.001, steps: 3, pooling: 'mean' });
  const d = JSON.parse(readFileSync(join(out, 'listops.json'), 'utf8'));
  for (const r of d.runs) {
    assert.ok(r.stepSeconds > 0, `${r.arch}: probed`);
    assert.ok(r.steps >= 1 && r.steps <= 3, `${r.arch}: ${r.steps} steps, at most --steps`);
  }
  const page = readFileSync(join(out, 'listops.md'), 'utf8');
  assert.match(page, /equal training time/);
  assert.match(page, /measured on 5 probe steps of a throwaway copy: their median cost per padded token/);
  assert.match(page, /averaged over the real tokens \(mean pooling/);
  assert.match(page, /experiment listops --quick --steps 3 --minutes 0\.001 --pooling mean/);
  assert.equal(d.settings.pooling, 'mean');
  for (const r of d.runs) assert.equal(JSON.parse(readFileSync(join(r.modelDir, 'config.json'), 'utf8')).classifier_pooling, 'mean');
  const pooling = findExperiment('listops').options!.find((x) => x.flags.startsWith('--pooling'))!;
  assert.throws(() => pooling.parse!('max'), /--pooling must be one of last, mean, got "max"/);
});

for (const name of ['selective-copying', 'listops']) {
  test(`experiment ${name} --replot redraws the page from its JSON, with the reading written into it`, async () => {
    const out = join(work, name);
    const file = join(out, `${name}.json`);
    writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), reading: ['the figure says this'] }));
    await findExperiment(name).replot!({ quick: false, out });
    assert.match(readFileSync(join(out, `${name}.md`), 'utf8'), /\*\*Reading\.\*\*\n\n- the figure says this\n/);
  });
}

for (const [name, plot] of [['selective-copying', 'accuracy'], ['listops', 'validation'], ['induction-heads', 'extrapolation']]) {
  test(`experiment ${name} --replot draws the finished study's plot again`, async () => {
    const out = join(work, name);
    for (const ext of ['svg', 'png']) rmSync(join(out, `${name}-${plot}.${ext}`));
    await findExperiment(name).replot!({ quick: false, out });
    for (const ext of ['svg', 'png']) assert.ok(existsSync(join(out, `${name}-${plot}.${ext}`)), `${name}-${plot}.${ext}`);
  });
}

test('induction heads takes its rung caps, its target and its evaluation time limit from the options, and names them in its command', async () => {
  const out = join(work, 'induction-heads-options');
  await findExperiment('induction-heads').run({ quick: true, out, models: join(work, 'options-models'), warmupSteps: 1, maxSteps: 2, target: 50, maxLogLength: 7, maxEvalSeconds: 5 });
  const d = JSON.parse(readFileSync(join(out, 'induction-heads.json'), 'utf8'));
  assert.deepEqual([d.settings.warmupSteps, d.settings.maxSteps, d.settings.target, d.settings.maxSeconds, d.settings.lengths], [1, 2, 0.5, 5, [64, 128]]);
  for (const r of d.runs) assert.ok(r.warmup.steps <= 1 && r.eval.at(-1).step <= 2, `${r.arch}: within the caps`);
  assert.match(d.command, /--max-steps 2 --warmup-steps 1 --target 50 --max-log-length 7 --max-eval-seconds 5/);
});

test('induction heads with --target none trains every rung to its cap', async () => {
  const out = join(work, 'induction-heads-none');
  const target = findExperiment('induction-heads').options!.find((x) => x.flags.startsWith('--target'))!.parse!('none');
  await findExperiment('induction-heads').run({ quick: true, out, models: join(work, 'none-models'), archs: ['mamba'], warmupSteps: 3, maxSteps: 5, target, maxLogLength: 6 });
  const d = JSON.parse(readFileSync(join(out, 'induction-heads.json'), 'utf8'));
  assert.equal(d.settings.target, null);
  assert.deepEqual([d.runs[0].warmup.steps, d.runs[0].eval.at(-1).step], [3, 5]);
  assert.match(readFileSync(join(out, 'induction-heads.md'), 'utf8'), /each to its step cap/);
});

test('listops validates about 30 times a run whatever its length, and gives the epochs each model read', async () => {
  const out = join(work, 'listops-long');
  await findExperiment('listops').run({ quick: true, out, models: join(work, 'listops-long-models'), steps: 60 });
  const d = JSON.parse(readFileSync(join(out, 'listops.json'), 'utf8'));
  for (const r of d.runs) {
    assert.equal(r.evalEvery, 2, r.arch);
    assert.ok(r.eval.length >= 30 && r.eval.length <= 32, `${r.arch}: ${r.eval.length} validations`);
  }
  assert.equal(d.settings.trainSize, 120, 'as many examples as the steps read');
  assert.equal(d.settings.pooling, 'mean', 'mean pooling by default');
  // The root-operator baseline: fitted on the study's training split, scored on its first 8 test examples (--quick).
  const stream = listOpsSplits({ seed: 0, sizes: { train: 2_000, val: 2_000, test: 120 } });
  assert.deepEqual(d.rootOperator, rootOperatorBaseline(stream.test, stream.val, 8));
  assert.match(readFileSync(join(out, 'listops.md'), 'utf8'), /answering from the root operator alone, the first token \(its most frequent value in the training split: MIN → \d, MAX → \d, MED → \d, SM → \d\),\nscores \*\*\d+\.\d %\*\*/);
  assert.match(readFileSync(join(out, 'listops.md'), 'utf8'), /\| Mamba \(S6\) \| [\d,]+ \| 60 \| 1\.00 \|/);
});

test('--archs runs some of the models, in table order, and the command names them; an unknown model is refused naming it', async () => {
  const out = join(work, 'listops-archs');
  const option = findExperiment('listops').options!.find((x) => x.flags.startsWith('--archs'))!;
  const archs = option.parse!('transformer,mamba');
  await findExperiment('listops').run({ quick: true, out, models: join(work, 'listops-archs-models'), archs });
  const d = JSON.parse(readFileSync(join(out, 'listops.json'), 'utf8'));
  assert.deepEqual(d.runs.map((r: { arch: string }) => r.arch), ['mamba', 'transformer']);
  assert.match(d.command, /--archs transformer,mamba/);
  assert.throws(() => option.parse!('mamba,gru'), /unknown model gru/);
});

test('induction heads runs every model for each of --seeds and names the seed in the table when there are several', async () => {
  const out = join(work, 'induction-heads-seeds');
  await findExperiment('induction-heads').run({ quick: true, out, models: join(work, 'seeds-models'), archs: ['mamba', 'lru'], seeds: [3, 4], warmupSteps: 1, maxSteps: 1, maxLogLength: 6 });
  const d = JSON.parse(readFileSync(join(out, 'induction-heads.json'), 'utf8'));
  assert.deepEqual(d.runs.map((r: { arch: string; seed: number }) => `${r.arch}-${r.seed}`), ['mamba-3', 'mamba-4', 'lru-3', 'lru-4']);
  for (const r of d.runs) assert.ok(existsSync(join(work, 'seeds-models', `${r.arch}-seed${r.seed}`, 'config.json')));
  assert.match(readFileSync(join(out, 'induction-heads.md'), 'utf8'), /\| Mamba \(S6\), seed 4 \|/);
});

test('induction heads --lrs trains a model at each rate and keeps the one best on the held-out set, saying which', async () => {
  const out = join(work, 'induction-heads-lrs');
  const lrs = findExperiment('induction-heads').options!.find((x) => x.flags.startsWith('--lrs'))!.parse!('0.03,0.00001') as number[];
  await findExperiment('induction-heads').run({ quick: true, out, models: join(work, 'lrs-models'), archs: ['mamba'], lrs, warmupSteps: 2, maxSteps: 6, maxLogLength: 6 });
  const d = JSON.parse(readFileSync(join(out, 'induction-heads.json'), 'utf8'));
  const [run] = d.runs;
  assert.deepEqual(run.sweep.map((x: { lr: number }) => x.lr), [0.03, 0.00001]);
  const best = [...run.sweep].sort((a, b) => b.final.accuracy - a.final.accuracy || a.final.loss - b.final.loss)[0];
  assert.equal(run.lr, best.lr, 'the kept rate is the best on the held-out set');
  assert.deepEqual(run.final, best.final);
  for (const x of run.sweep) assert.ok(existsSync(join(work, 'lrs-models', `mamba-seed0-lr${x.lr}`, 'config.json')), `lr ${x.lr}: saved`);
  assert.match(d.command, /--lrs 0\.03,0\.00001/);
  const page = readFileSync(join(out, 'induction-heads.md'), 'utf8');
  assert.match(page, /\*\*Learning rates tried\*\*/);
  assert.match(page, new RegExp(`lr ${best.lr}: [\\d.]+ % held-out, [\\d.]+ % test, .*\\(kept\\)`));
  await assert.rejects(findExperiment('induction-heads').run({ quick: true, out, lr: 0.01, lrs }), /--lr and --lrs: give one rate/);
});

test('listops --merge combines parts run apart (--archs) into one record in table order, keeping each part\'s command, and refuses parts that do not fit', async () => {
  const part = async (dir: string, archs: string[], extra: Record<string, unknown> = {}) => {
    await findExperiment('listops').run({ quick: true, out: join(work, dir), models: join(work, 'merge-models'), archs, steps: 2, ...extra });
    return join(work, dir);
  };
  const a = await part('merge-a', ['transformer']);
  const b = await part('merge-b', ['mamba', 'lru']);
  const out = join(work, 'merged');
  const run = (merge: string[], extra: Record<string, unknown> = {}) => findExperiment('listops').run({ quick: false, out, merge, ...extra });
  await run([a, b]);
  const d = JSON.parse(readFileSync(join(out, 'listops.json'), 'utf8'));
  const partA = JSON.parse(readFileSync(join(a, 'listops.json'), 'utf8'));
  assert.deepEqual(d.runs.map((r: { arch: string }) => r.arch), ['mamba', 'lru', 'transformer']);
  assert.deepEqual(d.runs[2], partA.runs[0], 'a run is kept as its part recorded it');
  assert.equal(d.command, `mamba-ts experiment listops --merge ${a},${b}`);
  assert.deepEqual(d.parts.map((p: { command: string }) => p.command), ['mamba-ts experiment listops --quick --archs transformer --steps 2', 'mamba-ts experiment listops --quick --archs mamba,lru --steps 2']);
  assert.ok(d.finished);
  for (const f of ['listops.md', 'listops-validation.svg', 'listops-validation.png']) assert.ok(existsSync(join(out, f)), f);
  const page = readFileSync(join(out, 'listops.md'), 'utf8');
  assert.match(page, /\*\*Command\*\*: in 2 parts, one process each on a shared 2-core machine: `[^`]*experiment listops --quick --archs transformer --steps 2` \(.*?, load average [\d.]+ at the start, [\d.]+ at the end\); `[^`]*--archs mamba,lru --steps 2` \(.*?, load average/);
  assert.match(page, /combined by `mamba-ts experiment listops --merge /);
  assert.match(page, /\| Mamba \(S6\) \|[^\n]*\n\| LRU \|[^\n]*\n\| Transformer\+\+ \(RoPE\) \|/);

  // A model run later joins the merged record: its parts and its merge are kept, its reading (of fewer models) is not.
  writeFileSync(join(out, 'listops.json'), JSON.stringify({ ...d, reading: ['reads Mamba, LRU and Transformer++ only'] }));
  const e = await part('merge-e', ['s4d']);
  const later = join(work, 'merged-later');
  await findExperiment('listops').run({ quick: false, out: later, merge: [out, e] });
  const all = JSON.parse(readFileSync(join(later, 'listops.json'), 'utf8'));
  assert.deepEqual(all.runs.map((r: { arch: string }) => r.arch), ['mamba', 's4d', 'lru', 'transformer']);
  assert.deepEqual(all.parts.map((p: { command: string }) => p.command), [...d.parts.map((p: { command: string }) => p.command), 'mamba-ts experiment listops --quick --archs s4d --steps 2']);
  assert.deepEqual(all.earlierMerges, [d.command]);
  assert.equal(all.reading, undefined);
  assert.match(readFileSync(join(later, 'listops.md'), 'utf8'), new RegExp(`in 3 parts, .*; combined by \`mamba-ts experiment listops --merge ${a},${b}\`, then \`mamba-ts experiment listops --merge ${out},${e}\``));
  await assert.rejects(findExperiment('listops').run({ quick: false, out: join(work, 'merged-twice'), merge: [out, b] }), /--merge: Mamba \(S6\) was run in both \S+merged and \S+merge-b/);

  // Each part names its processor; equal minutes on different processors are flagged as unequal work.
  assert.equal(all.parts[2].cpu, cpus()[0].model.trim());
  const timed = (dir: string, cpu?: string) => {
    const r = JSON.parse(readFileSync(join(dir, 'listops.json'), 'utf8'));
    mkdirSync(`${dir}-timed`, { recursive: true });
    writeFileSync(join(`${dir}-timed`, 'listops.json'), JSON.stringify({ ...r, settings: { ...r.settings, minutes: 1, ...(cpu ? { cpu } : {}) } }));
    return `${dir}-timed`;
  };
  await findExperiment('listops').run({ quick: false, out: join(work, 'merged-cpus'), merge: [timed(a), timed(e, 'Another CPU')] });
  assert.match(readFileSync(join(work, 'merged-cpus', 'listops.md'), 'utf8'), /\(Another CPU, load average [^)]*\); combined by `[^`]*` \(\*\*the parts ran on different processors, so equal minutes were not equal work\*\*/);
  assert.doesNotMatch(readFileSync(join(later, 'listops.md'), 'utf8'), /different processors/, 'parts without --minutes ran for equal steps');

  await assert.rejects(run([a, b, await part('merge-c', ['lru'])]), /--merge: LRU was run in both \S+merge-b and \S+merge-c; give one of them/);
  await assert.rejects(run([a, await part('merge-d', ['s4d'], { steps: 3 })]), /--merge: the parts ran with different settings: steps is 2 in \S+merge-a, 3 in \S+merge-d/);
  await assert.rejects(run([a]), /--merge needs at least two folders/);
  await assert.rejects(run([a, join(work, 'nowhere')]), /--merge: \S+nowhere holds no listops\.json/);
  await assert.rejects(run([a, b], { archs: ['mamba'] }), /--merge trains nothing, so --archs does not apply/);
  await assert.rejects(findExperiment('listops').run({ quick: false, out: a, merge: [a, b] }), /--out \S+merge-a is one of the --merge parts/);
  const unfinished = join(work, 'merge-unfinished');
  await part('merge-unfinished', ['s4d']);
  const record = JSON.parse(readFileSync(join(unfinished, 'listops.json'), 'utf8'));
  delete record.finished;
  writeFileSync(join(unfinished, 'listops.json'), JSON.stringify(record));
  await assert.rejects(run([a, unfinished]), /merge-unfinished\/listops\.json is unfinished/);
  assert.throws(() => findExperiment('listops').options!.find((x) => x.flags.startsWith('--merge'))!.parse!('a,,b'), /--merge expects folders separated by commas/);
  assert.throws(() => findExperiment('listops').options!.find((x) => x.flags.startsWith('--merge'))!.parse!('a,b,./a'), /--merge names the folder \.\/a twice/);
});
