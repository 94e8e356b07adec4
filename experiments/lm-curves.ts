// Plots a run's metrics.jsonl: training loss and validation bits per character against steps.
// Writes <base>.json (the plotted points, so the plot can be redrawn without the run folder),
// <base>.svg and <base>.png.
//
//   node dist/experiments/lm-curves.js runs/start docs/results/mamba-lm-curves
//   node dist/experiments/lm-curves.js docs/results/mamba-lm-curves.json docs/results/mamba-lm-curves

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lineChart } from '../src/experiments/plot.js';
import { writePlot } from '../src/experiments/render.js';

interface Curves {
  run: string;
  /** [step, bits per character]: training loss as a moving mean over 20 steps (it is noisy per step). */
  train: Array<[number, number]>;
  val: Array<[number, number]>;
}

function curvesOf(runDir: string): Curves {
  const records = readFileSync(join(runDir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const bits = (nats: number) => nats / Math.LN2;
  const r4 = (x: number) => Number(x.toPrecision(4));
  const train = records.filter((r) => r.type === 'train');
  return {
    run: runDir,
    train: train.map((r, i) => {
      const win = train.slice(Math.max(0, i - 19), i + 1);
      return [r.step, r4(bits(win.reduce((s, w) => s + w.loss, 0) / win.length))];
    }),
    // Older metrics files name bits per character valBpc.
    val: records.filter((r) => r.type === 'eval').map((r) => [r.step, r4(r.bitsPerChar ?? r.valBpc)]),
  };
}

const [input, base] = process.argv.slice(2);
if (!input || !base) throw new Error('usage: lm-curves.js RUN_DIR|CURVES.json OUTPUT_BASE');
const curves: Curves = input.endsWith('.json') ? JSON.parse(readFileSync(input, 'utf8')) : curvesOf(input);
if (!input.endsWith('.json')) writeFileSync(`${base}.json`, JSON.stringify(curves) + '\n');
const spec = lineChart(
  [
    { label: 'training (mean of 20 steps)', points: curves.train },
    { label: 'validation', points: curves.val },
  ],
  { title: 'Mamba on Moby Dick (characters)', xLabel: 'optimizer step', yLabel: 'bits per character' },
);
console.log(`wrote ${(await writePlot(spec, base)).join(', ')}`);
