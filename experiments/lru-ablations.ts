// Which ingredients of the LRU (Orvieto et al. 2023) does a long memory need? The full LRU learns
// delayed recall at L 1024 (remember the token at position 0 until the query at position 1023);
// then each ingredient is removed on its own — the exponential parameterisation of λ, the ring
// initialisation near |λ| = 1, the γ normalisation, complex Λ — with the same seed, the same
// batches, the same held-out set and the same step budget. Writes the curves (JSON), the plots
// (SVG and PNG) and prints the table for docs/results/lru.md.
//
//   npx tsc -p . --outDir /tmp/dist && nice -n 10 node /tmp/dist/experiments/lru-ablations.js [--steps N] [--length L] [--quick]
//   node dist/experiments/lru-ablations.js --replot
//
// --quick: L 64 and 60 steps, a smoke test of the script (seconds, no files written).
// --replot: redraws the plots from docs/results/lru-ablations.json, without training.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { initBackend } from '../src/kernels/index.js';
import { findProjectRoot } from '../src/kernels/wasm/index.js';
import { makeTask } from '../src/data/tasks.js';
import { LRUConfig } from '../src/models/config.js';
import { TaskTrainOptions } from '../src/train/task_trainer.js';
import { LanguageModel } from '../src/models/language_model.js';
import { LRUMixer } from '../src/ssm/lru.js';
import { noGrad } from '../src/autograd/tape.js';
import { Run, PlottedRun, runVariant, plotRuns, pct, firstStepAt, compactRun } from './task-runs.js';

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

/** The eigenvalues at an evaluation: largest |λ|, how many channels have |λ| ≥ 1, median memory |λ|^(L−1). */
function eigenvalues(model: LanguageModel): Record<string, number> {
  const mods = model.backbone.layers.items.flatMap((block) => {
    const lam = noGrad(() => (block.mixer as LRUMixer).lambda());
    return Array.from(lam.re.data, (re, n) => Math.hypot(re, lam.im ? lam.im.data[n] : 0));
  });
  const memory = mods.map((m) => m ** (LENGTH - 1)).sort((a, b) => a - b);
  return { maxAbsLambda: Math.max(...mods), unstable: mods.filter((m) => m >= 1).length, medianMemory: memory[memory.length >> 1] };
}

const dir = join(await findProjectRoot(import.meta.url), 'docs', 'results');
const base = join(dir, 'lru-ablations');
const title = (length: number) => `LRU ablations, delayed recall L ${length}`;
if (process.argv.includes('--replot')) {
  const saved = JSON.parse(readFileSync(`${base}.json`, 'utf8')) as { length: number; runs: PlottedRun[] };
  console.error(`wrote ${(await plotRuns(saved.runs, base, title(saved.length))).join(', ')}`);
  process.exit(0);
}

const threads = 1; // the machine's other core belongs to other work; accuracy does not depend on it
console.error(`backend ${await initBackend(undefined, { threads })}, ${threads} thread · delayed recall L ${LENGTH} · ${OPTS.steps} steps × batch ${OPTS.batchSize}`);
const task = makeTask('delayed-recall', { length: LENGTH });
const t0 = performance.now();
const runs: Run[] = VARIANTS.map(([name, switches]) =>
  runVariant(name, { ...MODEL, mixer: 'lru', lru: { ...RING, ...switches } }, task, OPTS, (line) => console.error(line), eigenvalues),
);
const minutes = (performance.now() - t0) / 60_000;

const lines = [
  `Delayed recall, L ${LENGTH}, vocab ${task.vocabSize} (chance 1/${task.vocabSize - 2}); 1-layer LRU, D ${MODEL.hidden_size}, N ${MODEL.hidden_size}, ` +
    `ring |λ| ∈ [${RING.r_min}, ${RING.r_max}]; ${OPTS.steps} steps × ${OPTS.batchSize} sequences, AdamW lr ${OPTS.lr} → ${OPTS.minLr} (warmup ${OPTS.warmupSteps}), ` +
    `clip ${OPTS.gradClip}, seed ${OPTS.seed}; held-out ${OPTS.evalSize} sequences. Total ${minutes.toFixed(1)} min.`,
  '',
  '| variant | parameters | held-out accuracy | held-out loss | first step ≥ 90 % | max \\|λ\\| (end) | channels \\|λ\\| ≥ 1 | median \\|λ\\|^(L−1) | time | note |',
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
  ...runs.map((r) => {
    const p = r.probes.at(-1)!;
    return `| ${r.name} | ${r.parameters.toLocaleString('en-US')} | ${pct(r.final.accuracy)} | ${r.final.loss.toFixed(3)} | ${firstStepAt(r, 0.9)} | ` +
      `${p.maxAbsLambda.toFixed(5)} | ${p.unstable} / ${MODEL.hidden_size} | ${p.medianMemory.toPrecision(2)} | ${r.seconds.toFixed(0)} s | ` +
      `${r.diverged ? `diverged: ${r.diverged.replace(/\. Try.*$/, '')}` : ''} |`;
  }),
];
console.log(lines.join('\n'));

if (!quick) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${base}.json`, JSON.stringify({ task: task.name, length: LENGTH, model: MODEL, ring: RING, options: OPTS, runs: runs.map(compactRun) }) + '\n');
  const files = await plotRuns(runs, base, title(LENGTH));
  console.error(`wrote ${[`${base}.json`, ...files].join(', ')}`);
}
