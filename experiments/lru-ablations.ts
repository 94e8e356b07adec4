// Which ingredients of the LRU (Orvieto et al. 2023) does a long memory need? The full LRU learns
// delayed recall at L 1024 (remember the token at position 0 until the query at position 1023);
// then each ingredient is removed on its own — the exponential parameterisation of λ, the ring
// initialisation near |λ| = 1, the γ normalisation, complex Λ — with the same seed, the same
// batches, the same held-out set and the same step budget. Writes the curves (JSON), the plots
// (SVG, PNG when ImageMagick is installed) and prints the table for docs/results/lru.md.
//
//   npx tsc -p . --outDir /tmp/dist && nice -n 10 node /tmp/dist/experiments/lru-ablations.js [--steps N] [--length L] [--quick]
//
// --quick: L 64 and 60 steps, a smoke test of the script (seconds, no files written).

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { initBackend } from '../src/kernels/index.js';
import { findProjectRoot } from '../src/kernels/wasm/index.js';
import { makeTask } from '../src/data/tasks.js';
import { LRUConfig } from '../src/models/config.js';
import { TaskTrainOptions } from '../src/train/task_trainer.js';
import { Run, runVariant, plotRuns, pct, firstStepAt } from './task-runs.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const quick = process.argv.includes('--quick');

// The settings (chosen by the exploration runs listed in docs/results/lru.md).
const LENGTH = quick ? 64 : arg('--length', 1024);
const MODEL = { hidden_size: 32, num_hidden_layers: 1 }; // N = 32 complex channels (LRU default N = D)
const RING: LRUConfig = { r_min: 0.999, r_max: 0.9999 }; // |λ|^1023 between 0.36 and 0.90 at initialisation
const OPTS: TaskTrainOptions = {
  steps: quick ? 60 : arg('--steps', 500),
  batchSize: 16,
  lr: 3e-3,
  minLr: 3e-4,
  warmupSteps: 20,
  weightDecay: 0.01,
  gradClip: 1,
  evalEvery: quick ? 20 : 50,
  evalSize: 64,
  seed: 0,
};

const VARIANTS: Array<[string, LRUConfig]> = [
  ['full LRU', {}],
  ['no exp parameterisation', { stable_exp_param: false }],
  ['no ring init', { ring_init: false }],
  ['no γ normalisation', { gamma_norm: false }],
  ['real Λ', { complex: false }],
];

const threads = 1; // the machine's other core belongs to other work; accuracy does not depend on it
console.error(`backend ${await initBackend(undefined, { threads })}, ${threads} thread · delayed recall L ${LENGTH} · ${OPTS.steps} steps × batch ${OPTS.batchSize}`);
const task = makeTask('delayed-recall', { length: LENGTH });
const t0 = performance.now();
const runs: Run[] = VARIANTS.map(([name, switches]) =>
  runVariant(name, { ...MODEL, mixer: 'lru', lru: { ...RING, ...switches } }, task, OPTS, (line) => console.error(line)),
);
const minutes = (performance.now() - t0) / 60_000;

const lines = [
  `Delayed recall, L ${LENGTH}, vocab ${task.vocabSize} (chance 1/${task.vocabSize - 2}); 1-layer LRU, D ${MODEL.hidden_size}, N ${MODEL.hidden_size}, ` +
    `ring |λ| ∈ [${RING.r_min}, ${RING.r_max}]; ${OPTS.steps} steps × ${OPTS.batchSize} sequences, AdamW lr ${OPTS.lr} → ${OPTS.minLr} (warmup ${OPTS.warmupSteps}), ` +
    `clip ${OPTS.gradClip}, seed ${OPTS.seed}; held-out ${OPTS.evalSize} sequences. Total ${minutes.toFixed(1)} min.`,
  '',
  '| variant | parameters | held-out accuracy | held-out loss | first step ≥ 90 % | time | note |',
  '| --- | ---: | ---: | ---: | ---: | ---: | --- |',
  ...runs.map((r) =>
    `| ${r.name} | ${r.parameters.toLocaleString('en-US')} | ${pct(r.final.accuracy)} | ${r.final.loss.toFixed(3)} | ${firstStepAt(r, 0.9)} | ${r.seconds.toFixed(0)} s | ` +
      `${r.diverged ? `diverged: ${r.diverged.replace(/\. Try.*$/, '')}` : ''} |`,
  ),
];
console.log(lines.join('\n'));

if (!quick) {
  const dir = join(await findProjectRoot(import.meta.url), 'docs', 'results');
  mkdirSync(dir, { recursive: true });
  const base = join(dir, 'lru-ablations');
  writeFileSync(`${base}.json`, JSON.stringify({ task: task.name, length: LENGTH, model: MODEL, ring: RING, options: OPTS, runs }, null, 1) + '\n');
  const files = plotRuns(runs, base, `LRU ablations, delayed recall L ${LENGTH}`);
  console.error(`wrote ${[`${base}.json`, ...files].join(', ')}`);
}
