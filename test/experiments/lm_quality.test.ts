// `experiment lm-quality` and `experiment state-size` at tiny settings on a small text: the sweep
// picks the learning rate on validation, test figures exist only for final runs, and the pages,
// JSON and plots are written.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findExperiment } from '../../src/experiments/registry.js';
import { earlierParts, corpusSplits, beyondEdge } from '../../src/experiments/lm_quality.js';
import { Rng } from '../../src/tensor/random.js';

const root = mkdtempSync(join(tmpdir(), 'mamba-ts-lmq-test-'));
after(() => rmSync(root, { recursive: true, force: true }));
const words = ['the', 'whale', 'sea', 'ship', 'captain', 'white', 'boat', 'harpoon'];
const rng = new Rng(1);
const corpus = join(root, 'tiny.txt');
writeFileSync(corpus, Array.from({ length: 3000 }, () => words[rng.int(words.length)]).join(' '));
const tiny = { data: corpus, tokens: 256, batch: 2, context: 16, testBatches: 2 };

test('lm-quality sweeps 3 learning rates per model (and past an edge the best sits on), keeps the best on validation, and reports test bpc of the final seeds only', async () => {
  const out = join(root, 'lmq');
  await findExperiment('lm-quality').run({ quick: true, out, sizes: [100_000], evalBatches: 2, seeds: [0, 1], ...tiny });
  const json = JSON.parse(readFileSync(join(out, 'lm-quality.json'), 'utf8'));
  for (const arch of ['mamba', 'transformer', 's4d', 'lru']) {
    const sweep = json.runs.filter((r: { arch: string; phase: string }) => r.arch === arch && r.phase === 'sweep');
    const finals = json.runs.filter((r: { arch: string; phase: string }) => r.arch === arch && r.phase === 'final');
    const grid = sweep.slice(0, 3).map((r: { lr: number }) => r.lr);
    assert.deepEqual(grid, [...grid].sort((a, b) => a - b), `${arch}: the grid first, lowest rate first`);
    assert.ok(sweep.length >= 3 && sweep.length <= 5, `${arch}: the grid, and at most 2 rates past it`);
    // Each rate past the grid lies a factor 2 beyond the best so far, which sat at an end of the rates tried.
    for (let k = 3; k < sweep.length; k++) {
      const before = sweep.slice(0, k);
      const bestSoFar = before.reduce((a: { valBpc: number }, b: { valBpc: number }) => (b.valBpc < a.valBpc ? b : a)).lr;
      assert.equal(sweep[k].lr, beyondEdge(bestSoFar, before.map((r: { lr: number }) => r.lr)), `${arch}: rate ${k + 1} past the edge`);
    }
    assert.ok(sweep.every((r: { testBpc?: number }) => r.testBpc === undefined), 'no test figure for a sweep run');
    const best = sweep.reduce((a: { valBpc: number }, b: { valBpc: number }) => (b.valBpc < a.valBpc ? b : a));
    assert.deepEqual(finals.map((r: { seed: number; lr: number }) => [r.seed, r.lr]), [[0, best.lr], [1, best.lr]], `${arch}: the final seeds use the lr chosen on validation`);
    for (const r of finals) assert.ok(r.testBpc > 0 && r.curve.length >= 2 && r.curve.every((c: { seconds: number; tokens: number }) => c.seconds >= 0 && c.tokens > 0));
    assert.ok(Math.abs(finals[0].params - 100_000) <= 5000);
  }
  const md = readFileSync(join(out, 'lm-quality.md'), 'utf8');
  for (const heading of ['**Answer here', '## Setup', '## Command', '## Caveats', '## Published figure beside ours']) assert.ok(md.includes(heading), heading);
  for (const f of ['tokens', 'wallclock', 'params']) for (const ext of ['svg', 'png']) assert.ok(existsSync(join(out, `lm-quality-${f}.${ext}`)), `${f}.${ext}`);
});

test('the sweep goes past the lowest or highest rate tried when the best sits there, and stops inside', () => {
  assert.equal(beyondEdge(0.002, [0.002, 0.004, 0.008]), 0.001);
  assert.equal(beyondEdge(0.008, [0.002, 0.004, 0.008]), 0.016);
  assert.equal(beyondEdge(0.004, [0.002, 0.004, 0.008]), null);
  assert.equal(beyondEdge(0.002, [0.001, 0.002, 0.004, 0.008]), null, 'the rate past the edge did worse: the best is inside now');
});

test('lm-quality run at another size keeps the sizes already on the page, and refuses to mix corpora', async () => {
  const out = join(root, 'lmq');
  await findExperiment('lm-quality').run({ quick: true, out, sizes: [150_000], evalBatches: 2, seeds: [0, 1], ...tiny });
  const json = JSON.parse(readFileSync(join(out, 'lm-quality.json'), 'utf8'));
  assert.deepEqual([...new Set(json.runs.map((r: { size: number }) => r.size))], [150_000], 'the latest run: its own size');
  assert.equal(json.earlier.length, 1);
  assert.deepEqual([...new Set(json.earlier[0].runs.map((r: { size: number }) => r.size))], [100_000], 'the earlier size kept');
  const md = readFileSync(join(out, 'lm-quality.md'), 'utf8');
  assert.match(md, /\| 100k \| Mamba \|/);
  assert.match(md, /\| 150k \| Mamba \|/);
  assert.match(md, /--sizes 100000[^\n]*\n[^\n]*--sizes 150000/, 'one command per size group');
  // Rerunning a size replaces it; a file on another corpus is refused with the way out.
  assert.deepEqual(earlierParts(join(out, 'lm-quality.json'), [100_000], corpusSplits(corpus)).map((p) => p.settings.sizes), [[150_000]]);
  const other = join(root, 'other.txt');
  writeFileSync(other, 'another text '.repeat(300));
  assert.throws(() => earlierParts(join(out, 'lm-quality.json'), [100_000], corpusSplits(other)), /another corpus.*--out/);
  // Caveats written into the JSON after the run appear on the redrawn page.
  writeFileSync(join(out, 'lm-quality.json'), JSON.stringify({ ...json, notes: ['the grid was not moved with the size'] }));
  await findExperiment('lm-quality').replot!({ quick: true, out });
  assert.match(readFileSync(join(out, 'lm-quality.md'), 'utf8'), /\n- the grid was not moved with the size\n/);
});

test('state-size trains one model per N on the corpus and on multi-query recall, with the parameters each N costs', async () => {
  const out = join(root, 'ss');
  await findExperiment('state-size').run({ quick: true, out, states: [1, 4], width: 16, recallWidth: 16, pairs: 4, recallSteps: 4, seeds: [0, 1], ...tiny });
  const json = JSON.parse(readFileSync(join(out, 'state-size.json'), 'utf8'));
  assert.deepEqual(json.lm.map((p: { N: number }) => p.N), [1, 4], 'the corpus at the first seed');
  assert.deepEqual(json.recall.map((p: { N: number; seed: number }) => [p.seed, p.N]), [[0, 1], [0, 4], [1, 1], [1, 4]], 'recall at every N for each seed');
  assert.match(readFileSync(join(out, 'state-size.md'), 'utf8'), /\| 4 \|[^\n]*\*\*[\d.]+\*\* \([\d.]+, [\d.]+\)/, 'the recall cell: the mean, then each seed');
  assert.ok(json.lm[1].params > json.lm[0].params, 'a larger state costs parameters');
  for (const p of json.recall) assert.ok(p.accuracy >= 0 && p.accuracy <= 1 && p.curve.length >= 2);
  for (const p of json.lm) assert.ok(p.testBpc > 0 && p.valBpc > 0);
  for (const f of ['bpc', 'recall', 'recall-curves']) for (const ext of ['svg', 'png']) assert.ok(existsSync(join(out, `state-size-${f}.${ext}`)), `${f}.${ext}`);
});
