// `mamba-ts experiment state-size`: does a larger state (N) store more? Mamba at one width with
// N = 1 … 32: bits per character on the corpus, and accuracy on multi-query associative recall
// with many key-value pairs (src/data/mqar.ts), with the parameters and training time each N costs.

import { createModel } from '../models/create.js';
import { modelConfig } from '../models/config.js';
import { multiQueryRecall } from '../data/mqar.js';
import type { Task } from '../data/tasks.js';
import { trainTask } from '../train/task_trainer.js';
import { integer, integerList } from '../cli/parse.js';
import { countParams } from './param_match.js';
import { corpusSplits, testBpc, trainRun, type Curve, type LmSettings } from './lm_quality.js';
import { heatmap, lineChart } from './plot.js';
import { writePlot } from './render.js';
import { commandLine, count, duration, loadLine, machine, outputPaths, readRecord, saveJson, saveText, table, type RunRecord, loadCaveat } from './report.js';
import type { Experiment, ExperimentOptions } from './registry.js';

const NAME = 'state-size';

interface Settings {
  states: number[];
  lm: LmSettings & { width: number; layers: number; lr: number };
  recall: { width: number; layers: number; pairs: number; keys: number; steps: number; batch: number; lr: number; evalSize: number };
  /** The corpus runs' seed (the first of --seeds). */
  seed: number;
  /** The recall runs' seeds, each at every N (recall is learned in a jump whose step varies by seed). Records before it: [seed]. */
  seeds?: number[];
}

function settings(o: ExperimentOptions): Settings {
  const quick = o.quick;
  const seed = o.seeds?.[0] ?? 0;
  return {
    states: (o.states as number[] | undefined) ?? [1, 2, 4, 8, 16, 32],
    lm: {
      width: (o.width as number | undefined) ?? 128,
      layers: 4,
      lr: 4e-3,
      sizes: [],
      tokens: (o.tokens as number | undefined) ?? (quick ? 2 ** 17 : 2 ** 19),
      batch: (o.batch as number | undefined) ?? 8,
      context: (o.context as number | undefined) ?? 256,
      evals: 4,
      evalBatches: 8,
      testBatches: (o.testBatches as number | undefined) ?? 24,
      seeds: [seed],
      extend: 0,
    },
    recall: {
      width: (o.recallWidth as number | undefined) ?? 64,
      layers: 2,
      pairs: (o.pairs as number | undefined) ?? 8,
      keys: (o.keys as number | undefined) ?? 32,
      steps: (o.recallSteps as number | undefined) ?? (quick ? 300 : 8000),
      batch: (o.recallBatch as number | undefined) ?? 32,
      lr: 3e-3,
      evalSize: 256,
    },
    seed,
    seeds: o.seeds ?? (quick ? [seed] : [0, 1]),
  };
}

interface LmPoint { N: number; params: number; curve: Curve[]; valBpc: number; testBpc: number; seconds: number; tokensPerSec: number }
interface RecallPoint { N: number; seed?: number; params: number; accuracy: number; loss: number; curve: Array<{ step: number; accuracy: number }>; seconds: number; tokensPerSec: number }

function mambaConfig(D: number, layers: number, N: number, vocab: number) {
  return modelConfig({ vocab_size: vocab, hidden_size: D, num_hidden_layers: layers, state_size: N, mixer: 'mamba' }, 'state-size');
}

async function run(o: ExperimentOptions): Promise<void> {
  const s = settings(o);
  const paths = outputPaths(o.out, NAME);
  const data = corpusSplits(o.data);
  const started = machine();
  const t0 = performance.now();
  const lm: LmPoint[] = [];
  const recall: RecallPoint[] = [];
  const record = (): Rec => ({ experiment: NAME, command: commandLine(NAME, o), machine: started, corpus: data.record, splits: data.ranges, settings: s, lm, recall, seconds: (performance.now() - t0) / 1000 });
  const save = () => saveJson(paths.json, record());
  const r = s.recall;
  const vocab = r.keys * 2 + 1; // keys, values and the filler after each query (src/data/mqar.ts)
  // The task as a Task of the trainer; its name is only used in messages.
  const task = { name: 'multi-query-recall', length: 4 * r.pairs, vocabSize: vocab, generate: (seed: number, batch: number) => multiQueryRecall({ pairs: r.pairs, keys: r.keys, batch, seed }) } as unknown as Task;
  for (const seed of s.seeds ?? [s.seed]) {
    for (const N of s.states) {
      const config = mambaConfig(r.width, r.layers, N, vocab);
      const model = createModel(config, { seed });
      const t = performance.now();
      const res = trainTask(model, task, { steps: r.steps, batchSize: r.batch, lr: r.lr, minLr: r.lr / 10, warmupSteps: Math.min(100, Math.floor(r.steps / 10)), weightDecay: 0, gradClip: 1, evalEvery: Math.max(1, Math.floor(r.steps / 10)), evalSize: r.evalSize, seed });
      const seconds = (performance.now() - t) / 1000;
      recall.push({ N, seed, params: countParams(config), accuracy: res.final.accuracy, loss: res.final.loss, curve: res.eval.map((e) => ({ step: e.step, accuracy: e.accuracy })), seconds, tokensPerSec: (r.steps * r.batch * 4 * r.pairs) / seconds });
      console.log(`${NAME}: recall · N ${N} · seed ${seed} · accuracy ${(res.final.accuracy * 100).toFixed(1)} % · ${duration(seconds)}`);
      save();
    }
  }
  for (const N of s.states) {
    const config = mambaConfig(s.lm.width, s.lm.layers, N, data.tokenizer.vocabSize);
    const model = createModel(config, { seed: s.seed });
    const res = trainRun(model, data, s.lm, s.lm.lr, s.seed);
    lm.push({ N, params: countParams(config), ...res, testBpc: testBpc(model, data, s.lm) });
    console.log(`${NAME}: corpus · N ${N} · val bpc ${res.valBpc.toFixed(3)} · ${duration(res.seconds)}`);
    save();
  }
  const rec = { ...record(), loadavgEnd: machine().loadavg };
  saveJson(paths.json, rec);
  await writePage(o.out, rec);
}

type Rec = RunRecord & { corpus: { source: string }; splits: unknown; settings: Settings; lm: LmPoint[]; recall: RecallPoint[] };

async function writePage(out: string, rec: Rec): Promise<void> {
  const { settings: s, lm, recall, machine: m, seconds } = rec;
  const paths = outputPaths(out, NAME);
  const r = s.recall;
  const seeds = s.seeds ?? [s.seed];
  const seedOf = (p: RecallPoint) => p.seed ?? s.seed;
  // Recall per N over the seeds: the mean accuracy and each seed's.
  const recallAt = (N: number) => {
    const ps = recall.filter((p) => p.N === N);
    return ps.length ? { N, params: ps[0].params, accuracy: ps.reduce((a, p) => a + p.accuracy, 0) / ps.length, each: ps, tokensPerSec: ps.reduce((a, p) => a + p.tokensPerSec, 0) / ps.length } : undefined;
  };
  const recallMeans = s.states.map(recallAt).filter((x) => x !== undefined);
  const plots = [
    ...(await writePlot(lineChart([{ label: 'test bits per character (corpus)', points: lm.map((p) => [p.N, p.testBpc] as [number, number]) }], { title: `Mamba, D ${s.lm.width}, ${s.lm.layers} layers: bits per character against state size`, xLabel: 'state size N (log)', yLabel: 'test bits per character', xLog: true, points: true }), paths.plot('bpc'))),
    ...(await writePlot(lineChart([
      { label: seeds.length > 1 ? `mean of ${seeds.length} seeds` : `seed ${seeds[0]}`, points: recallMeans.map((p) => [p.N, 100 * p.accuracy] as [number, number]) },
      ...(seeds.length > 1 ? seeds.map((seed) => ({ label: `seed ${seed}`, points: recall.filter((p) => seedOf(p) === seed).map((p) => [p.N, 100 * p.accuracy] as [number, number]), dashed: true })) : []),
      { label: 'chance', points: recallMeans.map((p) => [p.N, 100 / r.keys] as [number, number]), dashed: true },
    ], { title: `Mamba, D ${r.width}, ${r.layers} layers: recall of ${r.pairs} pairs against state size`, xLabel: 'state size N (log)', yLabel: 'held-out accuracy (%)', xLog: true, yRange: [0, 100], points: true }), paths.plot('recall'))),
    ...(await writePlot(heatmap(recall.flatMap((p) => p.curve.map((c) => ({ x: c.step, y: `N ${p.N}${seeds.length > 1 ? ` · seed ${seedOf(p)}` : ''}`, value: 100 * c.accuracy }))), { title: 'Recall accuracy during training', xLabel: 'training step', yLabel: 'state size', valueLabel: 'held-out accuracy (%)', valueRange: [0, 100] }), paths.plot('recall-curves'))),
  ];
  const base = lm.find((p) => p.N === 16) ?? lm[0];
  const rows = s.states.map((N) => {
    const a = lm.find((p) => p.N === N);
    const b = recallAt(N);
    return [
      N, a ? count(a.params) : '—', a ? a.valBpc.toFixed(3) : '—', a ? `**${a.testBpc.toFixed(3)}**` : '—', a ? Math.round(a.tokensPerSec).toLocaleString('en-US') : '—', a && base ? (base.tokensPerSec / a.tokensPerSec).toFixed(2) : '—',
      b ? count(b.params) : '—', b ? `**${(100 * b.accuracy).toFixed(1)}**${b.each.length > 1 ? ` (${b.each.map((p) => (100 * p.accuracy).toFixed(1)).join(', ')})` : ''}` : '—', b ? Math.round(b.tokensPerSec).toLocaleString('en-US') : '—',
    ];
  });
  const best = (xs: Array<{ N: number }>, f: (x: never) => number, lower: boolean) => xs.length ? xs.reduce((a, b) => ((lower ? f(b as never) < f(a as never) : f(b as never) > f(a as never)) ? b : a)) : undefined;
  const bestLm = best(lm, (p: LmPoint) => p.testBpc, true) as LmPoint | undefined;
  const bestRecall = best(recallMeans, (p: { accuracy: number }) => p.accuracy, false) as (typeof recallMeans)[number] | undefined;
  const bpcs = lm.map((p) => p.testBpc);
  const spread = bpcs.length ? Math.max(...bpcs) - Math.min(...bpcs) : NaN;
  // A trend over N: the correlation of test bpc with log N (negative: a larger state helps).
  const trend = correlation(lm.map((p) => Math.log(p.N)), bpcs);
  const lmAnswer = !lm.length
    ? 'corpus runs not done.'
    : `on the corpus, test bpc ${Math.min(...bpcs).toFixed(3)}–${Math.max(...bpcs).toFixed(3)} over N = ${lm.map((p) => p.N).join(', ')} (spread ${spread.toFixed(3)} bits; lowest at N = ${bestLm!.N}, N = ${lm[0].N}: ${lm[0].testBpc.toFixed(3)}, N = ${lm[lm.length - 1].N}: ${lm[lm.length - 1].testBpc.toFixed(3)}); ` +
      (Math.abs(trend) < 0.3
        ? `no trend with N (correlation with log N ${trend.toFixed(2)}): at this budget a larger state does not lower bpc.`
        : `${Math.abs(trend) < 0.8 ? 'a weak' : 'a clear'} ${trend < 0 ? 'fall' : 'rise'} with N (correlation of bpc with log N ${trend.toFixed(2)}), one seed per N (compare the seed spread in lm-quality).`);
  const chance = 1 / r.keys;
  const recallAnswer = !recall.length
    ? 'Recall runs not done.'
    : bestRecall!.accuracy < 3 * chance
      ? `Multi-query recall with ${r.pairs} pairs was not learned at any N in ${r.steps} steps (accuracy ${Math.min(...recallMeans.map((p) => 100 * p.accuracy)).toFixed(1)}–${(100 * bestRecall!.accuracy).toFixed(1)} %, chance ${(100 * chance).toFixed(1)} %): this run cannot say whether a larger state stores more pairs.`
      : `On multi-query recall with ${r.pairs} pairs the best accuracy${seeds.length > 1 ? ` (mean of seeds ${seeds.join(', ')})` : ''} is ${(100 * bestRecall!.accuracy).toFixed(1)} % at N = ${bestRecall!.N}: ${recallMeans.map((p) => `N ${p.N} ${(100 * p.accuracy).toFixed(1)} %`).join(', ')} (chance ${(100 * chance).toFixed(1)} %).`;
  const md = `# state-size: does a larger state store more?

**Claim (Mamba paper, Section 4.6.2, Table 10):** a larger SSM state N improves language modelling
markedly when B and C are selective (input-dependent), for about 1 % more parameters; the
selection is what lets the model use a larger state.

**Answer here:** ${lmAnswer}
${recallAnswer}

${table(['N', 'parameters (corpus model)', 'val bpc', 'test bpc', 'train tokens/s', `time per token vs N ${base?.N ?? 16}`, 'parameters (recall model)', 'recall accuracy (%)', 'recall tokens/s'], rows)}

![bpc against N](${NAME}-bpc.png)
![recall accuracy against N](${NAME}-recall.png)
![recall accuracy during training](${NAME}-recall-curves.png)

${loadCaveat(rec)}

## Setup
- Corpus: ${rec.corpus.source === 'moby-dick' ? 'Moby Dick' : rec.corpus.source}, characters, split 80 / 10 / 10 as lm-quality. Mamba D ${s.lm.width}, ${s.lm.layers} layers,
  E = ${2 * s.lm.width}, N as in the table; ${count(s.lm.tokens)} tokens per run (${s.lm.batch} × ${s.lm.context} per step), lr ${s.lm.lr} (the
  Mamba default, no sweep: every N gets the same settings), seed ${s.seed}; test bpc over ${s.lm.testBatches} batches.
- Multi-query associative recall (Zoology's MQAR): ${r.pairs} key-value pairs (keys drawn from ${r.keys} tokens, values from ${r.keys} others), then all
  ${r.pairs} keys asked again in a new order, each followed by a filler token (the answer is a target, never an input, as in
  Zoology: otherwise the last answers follow by elimination); accuracy over the ${r.pairs} answers of ${r.evalSize} held-out sequences
  (L = ${4 * r.pairs}). Mamba D ${r.width}, ${r.layers} layers, ${r.steps} steps of ${r.batch} fresh sequences, lr ${r.lr}, no weight decay.
- Cost of N: parameters grow by E·N (A) and 2N·E (x_proj) per layer; the scan's work and its
  state per token grow as E·N. "time per token vs N ${base?.N ?? 16}": that N's training tokens/s over this N's
  (above 1: slower), measured on a shared machine.
- Machine: ${m.cpu}, ${m.cores} cores, Node ${m.node}, kernels ${m.kernels}; ${loadLine(rec)}.
  Run time ${duration(seconds)}.

## Command
\`\`\`
${rec.command}
\`\`\`
Every measurement: [${NAME}.json](${NAME}.json).

## Caveats
- One seed per N on the corpus (seed ${s.seed}), and short runs: differences of a few hundredths of a bit are within the noise
  that seeds give in lm-quality. Recall: ${seeds.length > 1 ? `seeds ${seeds.join(', ')} at every N (mean and each seed in the table)` : `one seed (${seeds[0]})`}; it is learned in a jump
  (the recall-curves heatmap) whose step varies with the seed, so a run that has not jumped yet by its last step reads low.
- A recall accuracy near chance means the model did not learn the task in this budget, which
  says nothing about what its state could hold.

## Published figure beside ours
Mamba paper, Table 10 (≈350M-parameter models on the Pile at Chinchilla token counts): with
selective B and C, perplexity improves by about 1 point from N = 1 to N = 16 for about 1 % more
parameters; with B and C not selective it hardly changes. Zoology (Arora
et al. 2023): MQAR accuracy of gated convolutions and SSMs falls as the number of pairs grows past
what the state can hold, while attention's does not.
`;
  saveText(paths.md, md);
  console.log(`${NAME}: wrote ${paths.md}, ${paths.json}, ${plots.join(', ')}`);
}

/** Pearson correlation of two equally long lists (0 when either is constant). */
function correlation(x: number[], y: number[]): number {
  const mx = x.reduce((a, b) => a + b, 0) / x.length;
  const my = y.reduce((a, b) => a + b, 0) / y.length;
  let sxy = 0, sxx = 0, syy = 0;
  x.forEach((xi, i) => {
    sxy += (xi - mx) * (y[i] - my);
    sxx += (xi - mx) ** 2;
    syy += (y[i] - my) ** 2;
  });
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : 0;
}

const positive = integer(1);
const list = integerList(1);

export const stateSize: Experiment = {
  name: NAME,
  replot: (o) => writePage(o.out, readRecord<Rec>(o.out, NAME)),
  description: 'Mamba at one width with state size N = 1 … 32: bits per character and multi-query associative recall accuracy, with the parameters and time each N costs',
  options: [
    { flags: '--states <list>', description: 'state sizes N, comma-separated (default 1,2,4,8,16,32)', parse: list },
    { flags: '--width <n>', description: 'model width D on the corpus (default 128)', parse: positive },
    { flags: '--tokens <n>', description: 'training tokens per corpus run (default 524,288; --quick 131,072)', parse: positive },
    { flags: '--batch <n>', description: 'sequences per corpus batch (default 8)', parse: positive },
    { flags: '--context <n>', description: 'tokens per corpus sequence (default 256)', parse: positive },
    { flags: '--test-batches <n>', description: 'test batches per corpus run (default 24)', parse: positive },
    { flags: '--recall-width <n>', description: 'model width D on the recall task (default 64)', parse: positive },
    { flags: '--pairs <n>', description: 'key-value pairs per recall sequence (default 8)', parse: positive },
    { flags: '--keys <n>', description: 'key tokens (and value tokens) of the recall task (default 32)', parse: positive },
    { flags: '--recall-batch <n>', description: 'sequences per recall step (default 32)', parse: positive },
    { flags: '--recall-steps <n>', description: 'training steps on the recall task, per N and seed (default 8,000; --quick 300)', parse: positive },
  ],
  run,
};
