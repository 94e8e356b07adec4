// Does selectivity matter? The Mamba block with its selective SSM (S6: Δ, B, C computed from each
// token) against the same block with a time-invariant SSM (S4D-style: Δ, B, C fixed parameters,
// `--mixer s4d`), on the Mamba paper's two synthetic tasks (Section 4.1) at a small scale:
// selective copying (data tokens at random positions among noise, to be output in order at the
// end) and induction heads (recall the token after an earlier trigger). Same model size, seeds,
// batches, held-out set and step budget for both mixers; three seeds, because whether and when a
// small model "breaks through" on these tasks varies from seed to seed. Prints the table for
// docs/results/selective-tasks.md and writes the curves (JSON) and plots (SVG and PNG).
//
//   npx tsc -p . --outDir /tmp/dist && nice -n 10 node /tmp/dist/experiments/selective-copying.js [--steps N] [--quick]
//   node dist/experiments/selective-copying.js --replot
//
// --quick: a few steps of each, a smoke test of the script (no files written).
// --replot: redraws the plots from docs/results/selective-tasks-*.json, without training.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { initBackend } from '../src/kernels/index.js';
import { findProjectRoot } from '../src/kernels/wasm/index.js';
import { makeTask, Task } from '../src/data/tasks.js';
import { TaskTrainOptions } from '../src/train/task_trainer.js';
import { Run, PlottedRun, runVariant, plotRuns, pct, firstStepAt, compactRun } from './task-runs.js';

const quick = process.argv.includes('--quick');
const stepsArg = process.argv.indexOf('--steps');

const MODEL = { hidden_size: 32, num_hidden_layers: 2, state_size: 16 }; // E = 64, N = 16, the paper's 2 layers
const OPTS: TaskTrainOptions = {
  steps: quick ? 10 : stepsArg >= 0 ? Number(process.argv[stepsArg + 1]) : 2000,
  batchSize: 16,
  lr: 3e-3,
  minLr: 3e-4,
  warmupSteps: 20,
  weightDecay: 0.01,
  gradClip: 1,
  evalEvery: quick ? 5 : 100,
  evalSize: 64,
  seed: 0,
};
const SEEDS = quick ? [0] : [0, 1, 2];
const TASKS: Array<[string, Task]> = [
  ['selective copying', makeTask('selective-copying', { length: 64, numData: 4, vocab: 16 })],
  ['induction heads', makeTask('induction-heads', { length: 64, vocab: 16 })],
];
const MIXERS = [
  ['mamba', 'Mamba (S6)'],
  ['s4d', 'S4D-style (LTI)'],
] as const;

/** One colour family per mixer: Mamba solid blues, S4D dashed oranges (one shade per seed). */
function mixerStyle(run: PlottedRun): { color: string; dashed: boolean } {
  const seed = SEEDS.findIndex((s) => run.name.endsWith(`seed ${s}`));
  const s4d = run.name.startsWith(MIXERS[1][1]);
  return { color: (s4d ? ['#e6550d', '#fd8d3c', '#a63603'] : ['#08519c', '#3182bd', '#6baed6'])[seed % 3], dashed: s4d };
}

const dir = join(await findProjectRoot(import.meta.url), 'docs', 'results');
const baseOf = (task: string) => join(dir, `selective-tasks-${task.replace(/ /g, '-')}`);
if (process.argv.includes('--replot')) {
  const written: string[] = [];
  for (const [task] of TASKS) {
    const saved = JSON.parse(readFileSync(`${baseOf(task)}.json`, 'utf8')) as { task: string; length: number; runs: PlottedRun[] };
    written.push(...(await plotRuns(saved.runs, baseOf(task), `${saved.task}, L ${saved.length}`, mixerStyle)));
  }
  console.error(`wrote ${written.join(', ')}`);
  process.exit(0);
}

const threads = 1; // the machine's other core belongs to other work; accuracy does not depend on it
console.error(`backend ${await initBackend(undefined, { threads })}, ${threads} thread · ${OPTS.steps} steps × batch ${OPTS.batchSize}`);
const t0 = performance.now();
const results: Array<{ task: string; length: number; runs: Run[] }> = TASKS.map(([label, task]) => ({
  task: label,
  length: task.length,
  runs: MIXERS.flatMap(([mixer, name]) =>
    SEEDS.map((seed) => runVariant(`${name}, seed ${seed}`, { ...MODEL, mixer }, task, { ...OPTS, seed }, (line) => console.error(`${label} · ${line}`))),
  ),
}));
const minutes = (performance.now() - t0) / 60_000;

const lines = [
  `2 layers, D ${MODEL.hidden_size}, E ${2 * MODEL.hidden_size}, N ${MODEL.state_size}; ${OPTS.steps} steps × ${OPTS.batchSize} sequences, AdamW lr ${OPTS.lr} → ${OPTS.minLr} ` +
    `(warmup ${OPTS.warmupSteps}), clip ${OPTS.gradClip}, seeds ${SEEDS.join(', ')}; held-out ${OPTS.evalSize} sequences. Total ${minutes.toFixed(1)} min.`,
  '',
  `| task | mixer | parameters | held-out accuracy (seeds ${SEEDS.join(', ')}) | mean | held-out loss (seeds) | first step ≥ 90 % (seeds) | time per run |`,
  '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...results.flatMap(({ task, length, runs }) =>
    MIXERS.map(([, name]) => {
      const rs = runs.filter((r) => r.name.startsWith(`${name},`));
      const mean = rs.reduce((a, r) => a + r.final.accuracy, 0) / rs.length;
      const seconds = rs.reduce((a, r) => a + r.seconds, 0) / rs.length;
      return `| ${task}, L ${length} | ${name} | ${rs[0].parameters.toLocaleString('en-US')} | ${rs.map((r) => pct(r.final.accuracy)).join(', ')} | ${pct(mean)} | ` +
        `${rs.map((r) => r.final.loss.toFixed(2)).join(', ')} | ${rs.map((r) => firstStepAt(r, 0.9)).join(', ')} | ${seconds.toFixed(0)} s |`;
    }),
  ),
];
console.log(lines.join('\n'));

if (!quick) {
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  for (const { task, length, runs } of results) {
    const base = baseOf(task);
    writeFileSync(`${base}.json`, JSON.stringify({ task, length, model: MODEL, options: OPTS, runs: runs.map(compactRun) }) + '\n');
    written.push(`${base}.json`, ...(await plotRuns(runs, base, `${task}, L ${length}`, mixerStyle)));
  }
  console.error(`wrote ${written.join(', ')}`);
}
