// `mamba-ts experiment selective-copying`: the Mamba paper's selective copying (Table 1: L 4096,
// vocabulary 16 with the noise token, 16 data tokens, 2 layers, D 64; 400k steps of 64) at what
// a shared 2-core CPU affords, by a curriculum over L: a ladder of lengths, each rung trained
// from the previous rung's weights until the held-out accuracy reaches 99 % or the rung's step
// cap. Stage 1: Mamba (seed 0) climbs until a rung fails: the longest length it solves is L*.
// Stage 2: more Mamba seeds, and each other model (S4D-in-the-Mamba-block, LRU, Transformer++),
// climb the same ladder to L* with the same caps (equal budgets), each stopping at the first rung
// it fails. The JSON and the markdown are rewritten after every rung. With --from, every climb
// starts from a rung an earlier study saved, so a curriculum goes on where it stopped.

import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { makeTask } from '../data/tasks.js';
import type { CausalLM } from '../models/causal_lm.js';
import type { ModelConfig } from '../models/config.js';
import { describeCheckpoint } from '../io/checkpoint.js';
import { loadModelFolder } from '../io/model_folder.js';
import type { TaskTrainOptions } from '../train/task_trainer.js';
import { lineChart } from './plot.js';
import type { Experiment, ExperimentOptions } from './registry.js';
import { integer, integerList, decimal } from '../cli/parse.js';
import type { ArchName } from './param_match.js';
import { STUDY_MODELS, ARCHS_OPTION, studyArchs, labelOf, freshModel, studyConfig, trainRecorded, writeStudy, pct, minutes, today, loadNow, type TaskRunRecord, modelsDir, modelsRootOf, MODELS_OPTION, commandOf, launchPrefix, launchedCommand, readingOf, type StudyFiles, replotStudy, finishStudy } from './task_study.js';

export interface SelectiveCopyingStudy {
  name: 'selective-copying';
  date: string;
  command: string;
  settings: {
    ladder: number[]; numData: number; vocab: number; width: number; layers: number; heads: number;
    maxSteps: number; batch: number; lr: number; minLr: number; warmup: number; evalEvery: number; evalSize: number; target: number;
    seeds: number[]; climbMinutes: number; load: number; launch?: string; loadEnd?: number;
    /** --from: the models folder of the earlier study the climbs started from. */
    from?: string;
  };
  /** With --from: the saved rung each climb started from (trained by the earlier study, its steps not counted here). */
  starts?: ClimbStart[];
  /** Rungs in the order run; `rung` = index in the ladder, `solved` = reached the target. */
  runs: Array<TaskRunRecord & { rung: number; solved: boolean; stage: 1 | 2 }>;
  /** The longest L Mamba seed 0 solved (null: not even the first rung). */
  longest: number | null;
  /** Climbs that ended otherwise than by a rung failing at its step cap: the time limit, an error. */
  ends: Array<{ arch: ArchName; seed: number; why: string }>;
  /** Written by earlier versions: why Mamba seed 0 stopped climbing. */
  stoppedBy?: string;
  /** Set when the study finished (the plots drawn). */
  finished?: string;
  /** What the finished run shows, written into the JSON by hand after it (kept by --replot). */
  reading?: string[];
}

/** Where a climb began when it continued an earlier study (--from). */
export interface ClimbStart {
  arch: ArchName;
  seed: number;
  length: number;
  dir: string;
}

/** The trials that chose the settings (Mamba, 2 layers, D 64, lr 3e-3 cosine to 3e-4, one run each, seed 0). */
const PROBES: Array<[string, string]> = [
  ['L 32, 16 data tokens (no noise: a copy 16 tokens back), batch 16, 600 steps', '40.8 % (63 s)'],
  ['L 16, 4 data tokens, batch 16, 400 steps', '76.2 % (11 s)'],
  ['L 16, 4 data tokens, batch 64, 400 steps', '99.2 % at step 300, 99.6 % at 400 (67 s)'],
];

const PAPER = [
  ['Mamba block + S6 (Mamba)', '99.8 %'], ['Mamba block + S4', '56.4 %'], ['H3 + S6', '99.7 %'], ['H3', '57.0 %'], ['No gate + S6', '97.0 %'], ['Mamba block + Hyena', '28.4 %'],
];

/** The study's JSON, page and plot. */
const FILES: StudyFiles<SelectiveCopyingStudy> = { name: 'selective-copying', render: renderSelectiveCopying, plot: 'accuracy', chart: accuracyChart };

export const selectiveCopyingExperiment: Experiment = {
  name: 'selective-copying',
  description: 'selective copying (Mamba paper Table 1 setup) by a curriculum over L: the longest L where Mamba reaches 99 %, and every model on the same ladder',
  options: [
    MODELS_OPTION,
    { ...ARCHS_OPTION, description: `${ARCHS_OPTION.description}; Mamba climbs first, on every seed, and the others climb as far as it reached (the whole ladder without Mamba)` },
    { flags: '--ladder <list>', description: 'the curriculum lengths, ascending (default 16,32,64,128,256,512,1024,2048,4096)', parse: integerList(2) },
    { flags: '--max-steps <n>', description: 'step cap per rung (default 300; --quick 4)', parse: integer(1) },
    { flags: '--num-data <n>', description: 'data tokens to copy (default 4; the paper: 16)', parse: integer(1) },
    { flags: '--lr <x>', description: 'peak learning rate of every rung (default 0.003; cosine to a tenth of it over the step cap)', parse: decimal({ above: 0 }) },
    { flags: '--from <dir>', description: "the models folder (--models) of an earlier selective-copying study: each climb starts from the longest rung saved there for its model and seed that is shorter than the ladder's first rung" },
    { flags: '--climb-minutes <x>', description: 'wall-clock time of each climb (every seed and model: training, checks, saving) at most; a rung unsolved when it runs out ends the climb (default 4)', parse: decimal({ above: 0 }) },
  ],
  run: async (o) => {
    await runSelectiveCopying(o);
  },
  replot: replotStudy(FILES),
};

export async function runSelectiveCopying(o: ExperimentOptions): Promise<SelectiveCopyingStudy> {
  const quick = o.quick;
  const numData = (o.numData as number | undefined) ?? (quick ? 2 : 4);
  const ladder = (o.ladder as number[] | undefined) ?? (quick ? [4, 8] : [16, 32, 64, 128, 256, 512, 1024, 2048, 4096]);
  const climbSeconds = 60 * ((o.climbMinutes as number | undefined) ?? 4);
  if (ladder.some((L, i) => !Number.isInteger(L) || L < 2 * numData || (i > 0 && L <= ladder[i - 1]))) {
    throw new Error(`--ladder: ascending integers, each at least 2 × --num-data (${2 * numData}); got ${ladder.join(',')}`);
  }
  const seeds = o.seeds ?? (quick ? [0] : [0, 1, 2]);
  const s: SelectiveCopyingStudy['settings'] = {
    ladder, numData, vocab: 16, width: quick ? 8 : 64, layers: 2, heads: quick ? 2 : 4,
    maxSteps: (o.maxSteps as number | undefined) ?? (quick ? 4 : 300), batch: quick ? 2 : 64, lr: lr(o), minLr: lr(o) / 10, warmup: quick ? 0 : 20,
    evalEvery: quick ? 2 : 25, evalSize: quick ? 4 : 64, target: 0.99, seeds, climbMinutes: climbSeconds / 60, load: loadNow(), launch: launchPrefix(),
    ...(typeof o.from === 'string' ? { from: o.from } : {}),
  };
  const shape = { width: s.width, layers: s.layers, vocab: s.vocab, heads: s.heads, context: ladder.at(-1)! };
  const archs = studyArchs(o);
  const withMamba = archs.includes('mamba');
  // Every climb's starting rung is found and checked before any training.
  const climbs = archs.flatMap((arch) => (arch === 'mamba' ? seeds : seeds.slice(0, 1)).map((seed) => ({ arch, seed })));
  const starts = s.from === undefined ? undefined : climbs.map(({ arch, seed }) => savedRung(s.from!, arch, seed, ladder[0], studyConfig(arch, shape)));
  const study: SelectiveCopyingStudy = {
    name: 'selective-copying', date: today(), command: commandOf('selective-copying', o, ['archs', 'ladder', 'maxSteps', 'numData', 'lr', 'climbMinutes', 'from']), settings: s, runs: [], ends: [], longest: null,
    ...(starts ? { starts } : {}),
  };
  const save = () => writeStudy(o.out, FILES.name, study, FILES.render);
  const train = (seed: number): TaskTrainOptions => ({
    steps: s.maxSteps, batchSize: s.batch, lr: s.lr, minLr: s.minLr, warmupSteps: s.warmup, weightDecay: 0.01, gradClip: 1,
    evalEvery: s.evalEvery, evalSize: s.evalSize, seed, stopAt: s.target,
  });

  /**
   * Climbs the ladder up to `top` (all of it when undefined), within climbSeconds of training: the
   * climb ends at the first rung that does not reach the target, by its step cap or by the time
   * running out, or that fails outright (the wasm memory running out at a long L, say so and go on).
   */
  const climb = (arch: ArchName, seed: number, stage: 1 | 2, top?: number) => {
    const start = starts?.find((x) => x.arch === arch && x.seed === seed);
    let model: CausalLM = start ? loadModelFolder(start.dir, { requireTokenizer: false }).model : freshModel(arch, seed, shape);
    const deadline = performance.now() + 1000 * climbSeconds;
    for (const [rung, L] of ladder.entries()) {
      if (top !== undefined && L > top) break;
      const task = makeTask('selective-copying', { length: L, numData, vocab: s.vocab });
      const modelDir = join(modelsDir(o, 'selective-copying'), `${arch}-seed${seed}`, `L${L}`);
      let r: TaskRunRecord;
      try {
        r = trainRecorded(model, arch, task, { ...train(seed), deadline }, { modelDir, log: (line) => console.error(line) });
      } catch (e) {
        const why = `L ${L} failed: ${(e as Error).message.split('\n')[0]}`;
        study.ends.push({ arch, seed, why });
        console.log(`${labelOf(arch)} seed ${seed} · ${why}`);
        save();
        return;
      }
      const solved = r.final.accuracy >= s.target;
      study.runs.push({ ...r, rung, solved, stage });
      console.log(`${labelOf(arch)} seed ${seed} · L ${L} · ${pct(r.final.accuracy)} after ${r.eval.at(-1)!.step} steps · ${minutes(r.seconds)}${r.outOfTime ? ' · out of time' : ''}`);
      if (solved && stage === 1) study.longest = L;
      if (!solved && r.outOfTime) study.ends.push({ arch, seed, why: `the ${s.climbMinutes}-minute limit ran out at L ${L}, after ${r.eval.at(-1)!.step} steps` });
      save();
      // A failed rung ends the climb: the next rung is longer and starts from a model that has not solved this one.
      if (!solved) return;
      if (performance.now() > deadline && L !== (top ?? ladder.at(-1))) {
        study.ends.push({ arch, seed, why: `the ${s.climbMinutes}-minute limit ran out just after solving L ${L}` });
        save();
        return;
      }
    }
  };

  // Mamba climbs first on every seed; the others, on the first seed, as far as it reached (without Mamba, the whole ladder).
  if (withMamba) climb('mamba', seeds[0], 1);
  const top = withMamba ? (study.longest ?? ladder[0]) : undefined;
  if (withMamba) for (const seed of seeds.slice(1)) climb('mamba', seed, 2, top);
  for (const arch of archs.filter((x) => x !== 'mamba')) climb(arch, seeds[0], 2, top);
  await finishStudy(o.out, FILES, study);
  return study;
}

const lr = (o: ExperimentOptions) => (o.lr as number | undefined) ?? 3e-3;

/**
 * --from: the longest rung under <from>/<arch>-seed<seed>/L<L> shorter than `first`, checked to be
 * the study's model (its config.json, the weights against it) before anything trains.
 */
export function savedRung(from: string, arch: ArchName, seed: number, first: number, expected: ModelConfig): ClimbStart {
  const base = join(from, `${arch}-seed${seed}`);
  const lengths = existsSync(base) ? readdirSync(base).map((f) => /^L(\d+)$/.exec(f)).filter((m) => m !== null).map((m) => Number(m![1])).filter((L) => L < first) : [];
  if (lengths.length === 0) throw new Error(`--from ${from}: no saved rung shorter than L ${first} for ${labelOf(arch)} seed ${seed} (expected a model folder ${base}/L<length>)`);
  const length = Math.max(...lengths);
  const dir = join(base, `L${length}`);
  const { config } = describeCheckpoint(dir);
  // The rotary context of a Transformer++ is only the longest length planned, not a weight: it may differ.
  const key = (c: ModelConfig) => JSON.stringify({ ...c, max_position_embeddings: undefined });
  if (key(config) !== key(expected)) throw new Error(`--from: ${dir} holds another model than this study's ${labelOf(arch)} (its config.json differs: ${JSON.stringify(config)})`);
  return { arch, seed, length, dir };
}

function accuracyChart(study: SelectiveCopyingStudy) {
  const series = new Map<string, Array<[number, number]>>();
  for (const r of study.runs) {
    const key = `${labelOf(r.arch)}, seed ${r.seed}`;
    if (!series.has(key)) series.set(key, []);
    series.get(key)!.push([r.length, 100 * r.test.accuracy]);
  }
  return lineChart([...series].map(([label, points]) => ({ label, points })), {
    title: `Selective copying: test accuracy at each rung (${study.settings.numData} data tokens, ≤ ${study.settings.maxSteps} steps a rung)`,
    xLabel: 'sequence length L (log scale)', yLabel: 'test accuracy (%)', xLog: true, points: true,
  });
}

/** The markdown of the study so far (partial while it runs). */
export function renderSelectiveCopying(d: SelectiveCopyingStudy): string {
  const s = d.settings;
  const rows = STUDY_MODELS.flatMap(({ arch }) => d.settings.seeds.map((seed) => ({ arch, seed, runs: d.runs.filter((r) => r.arch === arch && r.seed === seed) })))
    .filter((x) => x.runs.length > 0);
  const cell = (runs: TaskRunRecord[], L: number) => {
    const r = runs.find((x) => x.length === L) as (TaskRunRecord & { solved: boolean }) | undefined;
    return r ? `${pct(r.test.accuracy)} (${r.eval.at(-1)!.step}${r.outOfTime ? ', time' : ''})` : '';
  };
  const used = s.ladder.filter((L) => d.runs.some((r) => r.length === L));
  const totalSeconds = d.runs.reduce((a, r) => a + r.seconds, 0);
  const steps = (runs: TaskRunRecord[]) => runs.reduce((a, r) => a + r.eval.at(-1)!.step, 0);
  return `# Selective copying (Mamba paper, Table 1) by a curriculum over L

${d.finished ? '' : '**Partial: the study is still running (or was stopped); the rows below are the rungs finished so far.**\n\n'}**Setup** (the paper's task at CPU scale; src/data/tasks.ts): vocabulary ${s.vocab} (noise token 0, data tokens
1–${s.vocab - 2}, marker ${s.vocab - 1}), ${s.numData} data tokens at random positions among noise in the first L − ${s.numData}
positions, to be output in order at the ${s.numData} marker positions at the end; accuracy over the answer tokens of
${s.evalSize} fixed held-out sequences (${s.evalSize * s.numData} answers; chance 1/${s.vocab - 2}). Models: ${s.layers} layers, D ${s.width}
(Mamba E ${2 * s.width}, N 16; Transformer++ ${s.heads} heads with RoPE, SwiGLU), parameters below.

**Budget.** A curriculum over L: rungs ${s.ladder.join(', ')}; each rung starts from the weights of the previous
one and trains until the held-out accuracy (every ${s.evalEvery} steps) reaches ${pct(s.target, 0)}, at most ${s.maxSteps}
steps of ${s.batch} fresh sequences, AdamW lr ${s.lr} (warmup ${s.warmup}, cosine to ${s.minLr} over the cap), weight decay
0.01, clip 1. Every climb has at most ${s.climbMinutes} min of training in all (a rung that has not reached ${pct(s.target, 0)} when it runs out
ends the climb). Stage 1: Mamba seed ${s.seeds[0]} climbs until a rung fails or the time runs out; the
longest rung it solves is L* = **${d.longest ?? 'none'}**.
Stage 2: Mamba seeds ${s.seeds.slice(1).join(', ') || '–'} and every other model (seed ${s.seeds[0]}) climb the same ladder to L*
with the same caps; every climb ends at the first rung that fails (a blank cell: not trained at that L). The paper: 400k steps of batch 64 at L 4096 directly, constant lr 1e-4.
${d.starts?.length ? `\n**Continued** (\`--from ${s.from}\`): every climb started from the weights an earlier study saved at a shorter rung (its steps are not counted here): ${d.starts.map((x) => `${labelOf(x.arch)} seed ${x.seed} from L ${x.length}`).join(', ')}.\n` : ''}
**Command**: \`${launchedCommand(s.launch, d.command)}\` (${minutes(totalSeconds)} of training in all, on the shared
2-core machine, load average ${s.load} at the start${s.loadEnd !== undefined ? `, ${s.loadEnd} at the end` : ''}; each rung's model is saved in ${modelsRootOf(d.runs, 2, 'runs/selective-copying')}/<model>-seed<s>/L<L>,
re-evaluable with \`mamba-ts task selective-copying --eval-only --model DIR --length L --num-data ${s.numData}\`). Date ${d.date}.

**Result**: test accuracy at each rung (${s.evalSize} sequences apart from the training and held-out ones; steps used in
brackets, ", time" where the climb's time limit ended the rung: a rung stops when the held-out accuracy reaches ${pct(s.target, 0)}):

| model | seed | params | ${used.map((L) => `L ${L}`).join(' | ')} | steps in all | time |
| --- | ---: | ---: | ${used.map(() => '---:').join(' | ')} | ---: | ---: |
${rows.map(({ arch, seed, runs }) => `| ${labelOf(arch)} | ${seed} | ${runs[0].params.toLocaleString()} | ${used.map((L) => cell(runs, L)).join(' | ')} | ${steps(runs).toLocaleString()} | ${minutes(runs.reduce((a, r) => a + r.seconds, 0))} |`).join('\n')}

${readingOf(d.reading)}${d.stoppedBy ? `Mamba seed ${s.seeds[0]} stopped climbing by ${d.stoppedBy}.\n\n` : ''}${(d.ends ?? []).map((e) => `- ${labelOf(e.arch)} seed ${e.seed}: ${e.why}.`).join('\n')}${d.ends?.length ? '\n\n' : ''}**How the settings were chosen** (short trials before the first study; the test split is not involved,
the held-out sequences are the training distribution's):

${PROBES.map(([what, got]) => `- ${what}: ${got}`).join('\n')}

Published (Mamba paper Table 1, L 4096, 400k steps): ${PAPER.map(([m, a]) => `${m} ${a}`).join(' · ')}.

${d.finished ? '![accuracy against L](selective-copying-accuracy.png)\n\n(SVG: selective-copying-accuracy.svg; every curve: selective-copying.json.)\n' : ''}`;
}
