// Plots a run's metrics.jsonl: training loss and validation bits per character against steps.
// Usage: node dist/experiments/lm-curves.js runs/start docs/results/mamba-lm-curves
// Writes <base>.svg (and <base>.png where ImageMagick is installed).

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { linePlotSvg, svgToPng } from './plot.js';

const [runDir, base] = process.argv.slice(2);
if (!runDir || !base) throw new Error('usage: lm-curves.js RUN_DIR OUTPUT_BASE');
const records = readFileSync(join(runDir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
const bits = (nats: number) => nats / Math.LN2;
// Training loss is noisy per step: a moving mean over 20 steps.
const train = records.filter((r) => r.type === 'train');
const smooth = train.map((r, i) => {
  const win = train.slice(Math.max(0, i - 19), i + 1);
  return [r.step, bits(win.reduce((s, w) => s + w.loss, 0) / win.length)] as [number, number];
});
const val = records.filter((r) => r.type === 'eval').map((r) => [r.step, r.valBpc] as [number, number]);
const svg = `${base}.svg`;
writeFileSync(
  svg,
  linePlotSvg(
    [
      { label: 'train (mean of 20 steps)', points: smooth },
      { label: 'validation', points: val },
    ],
    { title: 'Mamba on Moby Dick (characters)', xLabel: 'optimizer step', yLabel: 'bits per character' },
  ),
);
console.log(`wrote ${svg}${svgToPng(svg) ? ' and .png' : ''}`);
