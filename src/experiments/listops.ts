// `mamba-ts experiment listops`: Long Range Arena ListOps (our generator of the published
// algorithm, src/data/listops.ts) with a classification head over each model's backbone
// (src/models/classifier.ts): Mamba, the Mamba block with S4D, the LRU and Transformer++, each
// trained for the same number of steps of the same batches, validated during training, and tested
// once on the 2,000 test examples at the end. The budget is a CPU-minutes one, stated beside the
// published accuracies (trained for tens of thousands of steps on accelerators).

import { join, resolve } from 'node:path';
import { listOpsSplits, LISTOPS_CLASSES, LISTOPS_PAD, listOpsTokenizer, LISTOPS_MAX_LENGTH, rootOperatorBaseline, type Operator } from '../data/listops.js';
import { bidirectionalConfig } from '../models/config.js';
import { SequenceClassifier, CLASSIFIER_POOLINGS, type ClassifierPooling } from '../models/classifier.js';
import { saveClassifier } from '../io/classifier_folder.js';
import { trainClassifier, evaluateClassifier, probeStepSeconds, type ClassifierEvalInfo } from '../train/listops_trainer.js';
import { lineChart } from './plot.js';
import type { Experiment, ExperimentOptions } from './registry.js';
import { integer, decimal, flagOf } from '../cli/parse.js';
import type { ArchName } from './param_match.js';
import { ARCHS_OPTION, STUDY_MODELS, studyArchs, labelOf, studyConfig, writeStudy, writeStudyFiles, pct, minutes, today, loadNow, round, modelsDir, modelsRootOf, MODELS_OPTION, commandOf, launchPrefix, launchedCommand, readingOf, type StudyFiles, replotStudy, finishStudy } from './task_study.js';
import { machine, readRecord } from './report.js';

export interface ListOpsStudy {
  name: 'listops';
  date: string;
  command: string;
  settings: {
    steps: number; batch: number; lr: number; minLr: number; warmup: number; evalEvery: number; evalSize: number; width: number; layers: number; heads: number;
    trainSize: number; dataSeed: number; seed: number; load: number;
    /** Training minutes per model (equal time): each model's steps = this over its probed step time, at most `steps`. */
    minutes?: number; launch?: string; loadEnd?: number;
    /** The processor it ran on (absent in older records): minutes on different processors are not the same work. */
    cpu?: string;
    /** Steps the speed probe timed, their median cost taken (absent in older records: the mean of 2). */
    probeSteps?: number;
    /** The head's pooling (absent in studies run before it was an option: 'last'). */
    pooling?: ClassifierPooling;
    /** --bidirectional: every token reads the whole sequence (config `bidirectional`). */
    bidirectional?: true;
  };
  /** Test-split class counts (the majority class is the trivial baseline). */
  testClasses: number[];
  /** The root-operator baseline (src/data/listops.ts) fitted on the training split, scored on the test split (absent in older records). */
  rootOperator?: { accuracy: number; answers: Record<Operator, number> };
  /** A study run in parts (one process each, --archs) and combined by --merge: each part's command and conditions. */
  parts?: Array<{ command: string; launch?: string; cpu?: string; load: number; loadEnd?: number; finished: string }>;
  /** The merges before `command` when a part was itself a merged record (models added later), in order. */
  earlierMerges?: string[];
  runs: Array<{ arch: ArchName; params: number; seconds: number; tokens: number; steps?: number; stepSeconds?: number; evalEvery?: number; eval: ClassifierEvalInfo[]; val: { loss: number; accuracy: number }; test: { loss: number; accuracy: number }; modelDir: string }>;
  finished?: string;
  /** What the finished run shows, written into the JSON by hand after it (kept by --replot). */
  reading?: string[];
}

const PUBLISHED: Array<[string, number, string]> = [
  ['Transformer', 36.4, 'LRA paper (Tay et al. 2021)'], ['S4', 59.6, 'LRU paper Table 3'], ['LRU', 60.2, 'LRU paper Table 3'], ['S5', 62.2, 'LRU paper Table 3'],
];

/** Training steps the equal-time budget's speed probe times per model (their median cost is taken). */
const PROBE_STEPS = 5;

/** The study's JSON, page and plot. */
const FILES: StudyFiles<ListOpsStudy> = { name: 'listops', render: renderListOps, plot: 'validation', chart: validationChart };

export const listOpsExperiment: Experiment = {
  name: 'listops',
  description: 'LRA ListOps (our generator) with a classification head: Mamba, S4D, LRU and Transformer++ at one stated CPU budget, beside the published accuracies',
  options: [
    MODELS_OPTION,
    ARCHS_OPTION,
    { flags: '--steps <n>', description: 'training steps per model (default 100; --quick 2); with --minutes, the most any model takes', parse: integer(1) },
    { flags: '--minutes <x>', description: 'equal training time instead of equal steps: each model takes as many steps as its measured speed fits in this many minutes', parse: decimal({ above: 0 }) },
    { flags: '--bidirectional', description: "every token reads the whole sequence, as the LRA's models do: each Mamba-family block adds a mixer reading it backwards, Transformer++ attends without the causal mask" },
    { flags: '--pooling <how>', description: `the classification head reads the mean over the real tokens (the S4 line's) or the last real token, EOS (${CLASSIFIER_POOLINGS.join(' or ')}; default mean)`, parse: pooling },
    { flags: '--merge <dirs>', description: 'trains nothing: combines finished parts of this study (the --out folders of runs with the same settings and different --archs, e.g. one process per core), comma-separated, into one record at --out; a part may be a merged record, to add models run later', parse: folders },
  ],
  run: async (o) => {
    if (o.merge) await mergeListOpsParts(o);
    else await runListOpsStudy(o);
  },
  replot: replotStudy(FILES),
};

export async function runListOpsStudy(o: ExperimentOptions): Promise<ListOpsStudy> {
  const quick = o.quick;
  const bidirectional = o.bidirectional === true;
  const steps = (o.steps as number | undefined) ?? (quick ? 2 : 100);
  const budgetMinutes = o.minutes as number | undefined;
  const batch = quick ? 2 : 16;
  const s: ListOpsStudy['settings'] = {
    steps, batch, lr: 2e-3, minLr: 2e-4, warmup: quick ? 0 : 15, evalEvery: quick ? 1 : 50, evalSize: quick ? 4 : 200, width: quick ? 8 : 64, layers: 2, heads: quick ? 2 : 4,
    // One pass over fresh examples: the training split is as large as the budget reads (at most the LRA's 96k).
    trainSize: Math.min(96_000, steps * batch), dataSeed: 0, seed: o.seeds?.[0] ?? 0, load: loadNow(), cpu: machine().cpu,
    ...(budgetMinutes !== undefined ? { minutes: budgetMinutes, probeSteps: PROBE_STEPS } : {}), launch: launchPrefix(), pooling: (o.pooling as ClassifierPooling | undefined) ?? 'mean',
    ...(bidirectional ? { bidirectional: true } : {}),
  };
  // The held-out splits first, as `mamba-ts task listops` draws them (src/cli/task_listops.ts).
  const stream = listOpsSplits({ seed: s.dataSeed, sizes: { train: 2_000, val: 2_000, test: s.trainSize } });
  const data = { val: stream.train, test: stream.val, train: stream.test };
  const testSize = quick ? 8 : data.test.size;
  const testClasses = Array.from({ length: LISTOPS_CLASSES }, (_, c) => Array.from({ length: testSize }, (_, i) => data.test.target(i)).filter((t) => t === c).length);
  const rootOperator = rootOperatorBaseline(data.train, data.test, testSize);
  const study: ListOpsStudy = { name: 'listops', date: today(), command: commandOf('listops', o, ['archs', 'steps', 'minutes', 'pooling', 'bidirectional']), settings: s, testClasses, rootOperator, runs: [] };
  const save = () => writeStudy(o.out, FILES.name, study, FILES.render);
  for (const arch of studyArchs(o)) {
    const causal = studyConfig(arch, { width: s.width, layers: s.layers, vocab: listOpsTokenizer.vocabSize, heads: s.heads, context: LISTOPS_MAX_LENGTH });
    const config = s.bidirectional ? bidirectionalConfig(causal, '--bidirectional') : causal;
    const make = () => new SequenceClassifier(config, { numLabels: LISTOPS_CLASSES, padId: LISTOPS_PAD, pooling: s.pooling, seed: s.seed });
    const opts = { steps: s.steps, batchSize: s.batch, lr: s.lr, minLr: s.minLr, warmupSteps: s.warmup, weightDecay: 0.01, gradClip: 1, evalEvery: s.evalEvery, evalSize: s.evalSize, seed: s.seed };
    // Equal time: the steps this model fits in the budget at its own speed, the schedule (warmup,
    // cosine) laid over them; a deadline 20 % past the budget guards against a wrong estimate.
    const stepSeconds = s.minutes !== undefined ? probeStepSeconds(make, data.train, opts, PROBE_STEPS) : undefined;
    if (stepSeconds !== undefined) {
      opts.steps = Math.max(1, Math.min(s.steps, Math.floor((60 * s.minutes!) / stepSeconds)));
      opts.warmupSteps = Math.min(s.warmup, Math.floor(opts.steps / 10));
      console.error(`  ${arch} · ${stepSeconds.toFixed(2)} s a step (probed) · ${opts.steps} steps in ${s.minutes} min`);
    }
    // About 30 validation points a run, whatever its length: every evalEvery steps, or a multiple of it.
    opts.evalEvery = Math.max(s.evalEvery, s.evalEvery * Math.round(opts.steps / 30 / s.evalEvery));
    const model = make();
    const t0 = performance.now();
    const result = trainClassifier(
      model, data, { ...opts, ...(s.minutes !== undefined ? { deadline: t0 + 1.2 * 60_000 * s.minutes } : {}) },
      { onEval: (e) => console.error(`  ${arch} · step ${e.step} · val accuracy ${pct(e.accuracy)} · loss ${e.loss.toFixed(4)}`) },
    );
    const seconds = (performance.now() - t0) / 1000;
    const test = evaluateClassifier(model, data.test, testSize, s.batch);
    const modelDir = join(modelsDir(o, 'listops'), `${arch}-seed${s.seed}`);
    saveClassifier(modelDir, model);
    study.runs.push({
      arch, params: model.parameterCount(), seconds: round(seconds, 1), tokens: result.train.reduce((a, x) => a + x.tokens, 0), steps: result.train.length,
      ...(stepSeconds !== undefined ? { stepSeconds: round(stepSeconds, 3) } : {}), evalEvery: opts.evalEvery,
      eval: result.eval, val: result.final, test: { loss: round(test.loss, 5), accuracy: test.accuracy }, modelDir,
    });
    console.log(`${labelOf(arch)} · ${result.train.length} steps · ${minutes(seconds)} · val ${pct(result.final.accuracy)} · test ${pct(test.accuracy)}`);
    save();
  }
  await finishStudy(o.out, FILES, study);
  return study;
}

/** The options that describe training: a merge takes them from its parts, so giving one with --merge is refused. */
const TRAINING_OPTIONS = ['archs', 'steps', 'minutes', 'bidirectional', 'pooling', 'models', 'seeds', 'quick'];

/**
 * --merge: one record from a study run in parts, each part a finished run with its own --archs
 * (one process per core, or per machine). The parts must agree on every setting that shapes a
 * result, and on the data (test classes, root-operator baseline), and no model may be in two
 * parts; the record keeps each part's command and conditions for the page. A part may itself be
 * a merged record (models run later join an earlier merge): its own parts and merges are kept.
 */
export async function mergeListOpsParts(o: ExperimentOptions): Promise<ListOpsStudy> {
  const dirs = o.merge as string[];
  const given = TRAINING_OPTIONS.filter((k) => o[k] !== undefined && o[k] !== false);
  if (given.length) throw new Error(`--merge trains nothing, so ${flagOf(given[0])} does not apply: each part's settings are those it ran with`);
  if (dirs.length < 2) throw new Error(`--merge needs at least two folders, comma-separated (got ${dirs.join(',')})`);
  if (dirs.some((d) => resolve(d) === resolve(o.out))) throw new Error(`--out ${o.out} is one of the --merge parts; write the merged record elsewhere so that the part is kept`);
  const parts = dirs.map((dir) => {
    const d = readRecord<ListOpsStudy>(dir, FILES.name, '--merge');
    if (!d.finished) throw new Error(`--merge: ${join(dir, `${FILES.name}.json`)} is unfinished (still running, or stopped); merge finished parts only`);
    return { dir, d };
  });
  // Load, launch and processor describe the conditions, which the page gives per part; every other setting must agree.
  const shaping = ({ load, loadEnd, launch, cpu, ...rest }: ListOpsStudy['settings']) => rest as Record<string, unknown>;
  const [first] = parts;
  for (const { dir, d } of parts.slice(1)) {
    const [a, b] = [shaping(first.d.settings), shaping(d.settings)];
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      if (JSON.stringify(a[key]) !== JSON.stringify(b[key])) throw new Error(`--merge: the parts ran with different settings: ${key} is ${JSON.stringify(a[key])} in ${first.dir}, ${JSON.stringify(b[key])} in ${dir}`);
    }
    if (JSON.stringify([first.d.testClasses, first.d.rootOperator]) !== JSON.stringify([d.testClasses, d.rootOperator])) throw new Error(`--merge: ${first.dir} and ${dir} were measured on different data`);
  }
  const from = new Map<ArchName, string>();
  for (const { dir, d } of parts) {
    for (const r of d.runs) {
      if (from.has(r.arch)) throw new Error(`--merge: ${labelOf(r.arch)} was run in both ${from.get(r.arch)} and ${dir}; give one of them`);
      from.set(r.arch, dir);
    }
  }
  for (const { dir, d } of parts) {
    if (d.reading) console.error(`note: the reading in ${join(dir, `${FILES.name}.json`)} is not carried over (it reads that part alone); write one for the merged record`);
  }
  const order = (arch: ArchName) => STUDY_MODELS.findIndex((m) => m.arch === arch);
  const latest = (xs: string[]) => [...xs].sort().at(-1)!;
  const { launch: _, cpu: __, ...settings } = first.d.settings;
  const study: ListOpsStudy = {
    name: 'listops', date: latest(parts.map((p) => p.d.date)), command: `mamba-ts experiment listops --merge ${dirs.join(',')}`,
    settings: { ...settings, load: Math.max(...parts.map((p) => p.d.settings.load)), loadEnd: Math.max(...parts.map((p) => p.d.settings.loadEnd ?? 0)) },
    testClasses: first.d.testClasses, rootOperator: first.d.rootOperator,
    parts: parts.flatMap(({ d }) => d.parts ?? [{ command: d.command, launch: d.settings.launch, cpu: d.settings.cpu, load: d.settings.load, loadEnd: d.settings.loadEnd, finished: d.finished! }]),
    ...(parts.some((p) => p.d.parts) ? { earlierMerges: parts.flatMap(({ d }) => (d.parts ? [...(d.earlierMerges ?? []), d.command] : [])) } : {}),
    runs: parts.flatMap((p) => p.d.runs).sort((x, y) => order(x.arch) - order(y.arch)),
    finished: latest(parts.map((p) => p.d.finished!)),
  };
  if (study.settings.minutes !== undefined && processorsOf(study.parts!).length > 1) console.error(`note: the parts ran on different processors (${processorsOf(study.parts!).join('; ')}), so their equal minutes are not equal work; the page says so`);
  console.log(`wrote ${(await writeStudyFiles(o.out, FILES, study)).join(', ')}`);
  return study;
}

/** The distinct processors a merged study's parts name (parts from older records name none). */
const processorsOf = (parts: NonNullable<ListOpsStudy['parts']>) => [...new Set(parts.flatMap((p) => (p.cpu ? [p.cpu] : [])))];

function validationChart(d: ListOpsStudy) {
  return lineChart(d.runs.map((r) => ({ label: labelOf(r.arch), points: r.eval.map((e) => [e.step, 100 * e.accuracy] as [number, number]) })), {
    title: `ListOps: validation accuracy (first ${d.settings.evalSize} validation examples)`, xLabel: 'training step', yLabel: 'validation accuracy (%)',
  });
}

export function renderListOps(d: ListOpsStudy): string {
  const s = d.settings;
  const n = d.testClasses.reduce((a, b) => a + b, 0);
  const majority = Math.max(...d.testClasses);
  return `# Long Range Arena ListOps at a CPU budget

${d.finished ? '' : '**Partial: the study is still running (or was stopped); the rows below are the models finished so far.**\n\n'}**Data**: our generator of the LRA algorithm (src/data/listops.ts: MIN, MAX, MED, SM over digits; root at depth 1,
max depth 10, an operator with probability 0.25 below it with 2–10 arguments; kept when 500 < length < 2000), data
seed ${s.dataSeed}: 2,000 validation and 2,000 test examples drawn first, then ${s.trainSize.toLocaleString()} training examples (${s.trainSize < 96_000 ? 'as many as the step cap reads; ' : ''}the LRA's
training split has 96,000; a model with more steps reads them again, reshuffled). Tokens as in the S4 line of work: 17 ids (parentheses dropped, \`]\`
kept, EOS appended), up to 2,000 tokens, a batch padded to its longest sequence. \`mamba-ts task listops\` trains on
the same data (\`node scripts/listops-tsv.mjs\` draws the training split first, so its TSV files hold other examples).

**Models**: ${s.layers} layers, D ${s.width} (Mamba E ${2 * s.width}, N 16; Transformer++ ${s.heads} heads with RoPE), a classification head
(score [10, D]) on the final-norm output ${(s.pooling ?? 'last') === 'mean' ? 'averaged over the real tokens (mean pooling, the S4 line\'s)' : 'at the last token (EOS; Hugging Face\'s pooling)'}: the
*ForSequenceClassification layout (src/models/classifier.ts).${s.bidirectional ? `
**Bidirectional** (\`"bidirectional": true\`, as the LRA's models): every Mamba-family block has a second mixer of its kind
(\`mixer_rev.*\`) that reads each sequence backwards from its last real token, and Transformer++ attends without the causal
mask to every real token, so every position has read the whole expression.` : ''}

**Budget**: ${s.minutes !== undefined
    ? `equal training time, about ${s.minutes} min per model: each model takes the steps of ${s.batch} examples its own speed fits in that
time (measured on ${s.probeSteps ? `${s.probeSteps} probe steps of a throwaway copy: their median cost` : '2 probe steps of a throwaway copy: their mean cost'} per padded token × the mean padded batch of an epoch; at most ${s.steps}
steps, a deadline 20 % past the budget), so the faster models see more examples (steps and epochs of the training split in the table),`
    : `${s.steps} steps of ${s.batch} examples (${(s.steps * s.batch).toLocaleString()} examples) per model,`}
AdamW lr ${s.lr} (warmup ${s.warmup}${s.minutes !== undefined ? ' or a tenth of the steps when fewer' : ''}, cosine to ${s.minLr}), weight decay 0.01, clip 1, seed ${s.seed}; validation accuracy on the first
${s.evalSize} validation examples every ${s.evalEvery} steps (or the multiple of ${s.evalEvery} nearest a thirtieth of a model's steps, when larger), the test split read once per model, at the end.
**Command**: ${commandLine(d)}. Classifiers saved in ${modelsRootOf(d.runs, 1, 'runs/listops')}/<model>-seed${s.seed}; re-evaluate with \`mamba-ts task listops --eval-only --model DIR\`. Date ${d.date}.

**Result** (test accuracy over ${n.toLocaleString()} test examples; the majority class, ${d.testClasses.indexOf(majority)}, is ${pct(majority / n)} of them${d.rootOperator ? `;
answering from the root operator alone, the first token (its most frequent value in the training split: ${Object.entries(d.rootOperator.answers).map(([op, v]) => `${op} → ${v}`).join(', ')}),
scores **${pct(d.rootOperator.accuracy)}**` : ''}):

| model | params | steps | epochs | training time | tokens seen (padded) | val accuracy (${s.evalSize}) | test accuracy | published (full LRA training) |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |
${d.runs.map((r) => `| ${labelOf(r.arch)} | ${r.params.toLocaleString()} | ${(r.steps ?? s.steps).toLocaleString()} | ${(((r.steps ?? s.steps) * s.batch) / s.trainSize).toFixed(2)} | ${minutes(r.seconds)} | ${(r.tokens / 1e6).toFixed(2)} M | ${pct(r.val.accuracy)} | **${pct(r.test.accuracy)}** | ${publishedFor(r.arch)} |`).join('\n')}

${readingOf(d.reading)}Published: ${PUBLISHED.map(([m, a, src]) => `${m} ${a} (${src})`).join(' · ')}. The Mamba paper reports no LRA figures.
Test-split classes 0–9: ${d.testClasses.join(' / ')}.

${d.finished ? '![validation accuracy](listops-validation.png)\n\n(SVG: listops-validation.svg; every figure: listops.json.)\n' : ''}`;
}

/** The page's command: the one that ran, or each part's and the merge that combined them. */
function commandLine(d: ListOpsStudy): string {
  const conditions = (x: { cpu?: string; load: number; loadEnd?: number }) => `${x.cpu ? `${x.cpu}, ` : ''}load average ${x.load} at the start${x.loadEnd !== undefined ? `, ${x.loadEnd} at the end` : ''}`;
  if (!d.parts) return `\`${launchedCommand(d.settings.launch, d.command)}\` (shared 2-core machine, ${conditions(d.settings)})`;
  const unequal = d.settings.minutes !== undefined && processorsOf(d.parts).length > 1 ? ' (**the parts ran on different processors, so equal minutes were not equal work**: compare the steps too)' : '';
  return `in ${d.parts.length} parts, one process each on a shared 2-core machine: ${d.parts.map((p) => `\`${launchedCommand(p.launch, p.command)}\` (${conditions(p)})`).join('; ')}; combined by ${[...(d.earlierMerges ?? []), d.command].map((c) => `\`${c}\``).join(', then ')}${unequal}`;
}

/** --merge's folders: comma-separated, none empty, none twice. */
function folders(v: string): string[] {
  const dirs = v.split(',').map((x) => x.trim());
  if (dirs.some((x) => x === '')) throw new Error(`--merge expects folders separated by commas, got ${JSON.stringify(v)}`);
  const twice = dirs.find((x, i) => dirs.findIndex((y) => resolve(y) === resolve(x)) !== i);
  if (twice !== undefined) throw new Error(`--merge names the folder ${twice} twice; give each part once`);
  return dirs;
}

function pooling(v: string): ClassifierPooling {
  if (!CLASSIFIER_POOLINGS.includes(v as ClassifierPooling)) throw new Error(`--pooling must be one of ${CLASSIFIER_POOLINGS.join(', ')}, got ${JSON.stringify(v)}`);
  return v as ClassifierPooling;
}

function publishedFor(arch: ArchName): string {
  if (arch === 'transformer') return 'Transformer 36.4 %';
  if (arch === 'lru') return 'LRU 60.2 %';
  if (arch === 's4d') return 'S4 59.6 % (S4D-LegS 60.5 %)';
  return '– (S5 62.2 %)';
}
