// `mamba-ts experiment induction-heads`: the Mamba paper's induction heads with length
// extrapolation (Table 2 / 11: vocabulary 16, 2 layers, trained at L 256, tested at 2^6 … 2^20).
// Each model trains a fixed number of steps (a warm-up rung at L 64, then the training length;
// --target stops a rung early at a held-out accuracy), at one peak learning rate or at each of
// --lrs, keeping the rate whose model is best on the held-out set at the training length (as the
// paper tried each model at two rates and kept the better), then is evaluated on other sequences
// (seeds apart from training and the held-out set) at every power of two through its generation state, chunk by chunk
// (src/train/length_eval.ts): constant memory for the recurrent models, a growing KV cache for
// Transformer++, which runs until its cache or predicted time passes the limits. A model whose
// accuracy is at most twice chance at two lengths in a row is not evaluated further (it has
// failed; the longer lengths would cost minutes to confirm it). JSON and markdown are rewritten
// after each model.

import { join } from 'node:path';
import { makeTask } from '../data/tasks.js';
import { evaluateLengths, type LengthEvalResult } from '../train/length_eval.js';
import { lineChart } from './plot.js';
import type { Experiment, ExperimentOptions } from './registry.js';
import { integer, decimal, decimalList } from '../cli/parse.js';
import type { CausalLM } from '../models/causal_lm.js';
import type { ArchName } from './param_match.js';
import { ARCHS_OPTION, studyArchs, labelOf, freshModel, trainRecorded, writeStudy, pct, minutes, today, loadNow, round, type TaskRunRecord, modelsDir, modelsRootOf, MODELS_OPTION, commandOf, TEST_SEED, launchPrefix, launchedCommand, readingOf, type StudyFiles, replotStudy, finishStudy } from './task_study.js';

export interface InductionHeadsStudy {
  name: 'induction-heads';
  date: string;
  command: string;
  settings: {
    trainLength: number; vocab: number; width: number; layers: number; heads: number; maxSteps: number; batch: number; lr: number; minLr: number;
    /** The warm-up rung: trained first at this length, with batch × trainLength / L sequences (the same tokens a step), up to warmupSteps. */
    warmupLength: number; warmupSteps: number;
    warmup: number; evalEvery: number; evalSize: number;
    /** The held-out accuracy that ends a rung early; null: every rung trains to its cap. */
    target: number | null; lengths: number[]; chunk: number; evalBatch: number;
    maxCacheMiB: number; maxSeconds: number;
    /** The first of `seeds` (records before --seeds had this one alone). */
    seed: number; seeds?: number[]; load: number; launch?: string; loadEnd?: number;
    /** With --lrs: the peak rates every model is trained at (`lr` is then the first); each run keeps its best on the held-out set. */
    lrs?: number[];
  };
  runs: Array<TaskRunRecord & { lengths: LengthEvalResult[]; warmup: Warmup; sweep?: SweepEntry[] }>;
  finished?: string;
  /** Paragraphs written into the JSON by hand after the run (evaluations beyond it; kept by --replot). */
  after?: string[];
  /** What the finished run shows, written into the JSON by hand after it (kept by --replot). */
  reading?: string[];
}

type Warmup = { steps: number; seconds: number; test: { loss: number; accuracy: number } };
/** One rate of an --lrs sweep: the model's held-out figures at the training length (the choice) and its test accuracy (reported, never chosen on). */
export interface SweepEntry { lr: number; final: { loss: number; accuracy: number }; test: { loss: number; accuracy: number }; seconds: number; modelDir?: string }

const percent = decimal({ above: 0, max: 100 });

/** Sequences evaluated at length L: 64 up to 2^15 tokens, then fewer, at least 4 (2^22 tokens at 2^20). */
export const sequencesAt = (L: number) => Math.max(4, Math.min(64, Math.floor(2 ** 21 / L)));

/** The study's JSON, page and plot. */
const FILES: StudyFiles<InductionHeadsStudy> = { name: 'induction-heads', render: renderInductionHeads, plot: 'extrapolation', chart: extrapolationChart };

export const inductionHeadsExperiment: Experiment = {
  name: 'induction-heads',
  description: 'induction heads trained at L 256, evaluated to 2^20 through the recurrent state (Mamba paper Table 2), against S4D, LRU and Transformer++',
  options: [
    MODELS_OPTION,
    ARCHS_OPTION,
    { flags: '--max-steps <n>', description: 'steps at the training length (default 2000; --quick 4)', parse: integer(1) },
    { flags: '--warmup-steps <n>', description: 'steps of the warm-up rung at L 64 before it (default 2000; --quick 2)', parse: integer(1) },
    { flags: '--target <percent>', description: 'held-out accuracy (percent) that ends a rung early (default none: every rung trains to its cap, as the paper\'s fixed budget)', parse: (v: string) => (v.trim() === 'none' ? 'none' : percent(v)) },
    { flags: '--train-length <n>', description: 'training length (default 256, the paper\'s)', parse: integer(2) },
    { flags: '--max-log-length <n>', description: 'evaluate at 2^6 … 2^n (default 20)', parse: integer(6) },
    { flags: '--lr <x>', description: 'peak learning rate of every model (default 0.003; cosine to a third of it)', parse: decimal({ above: 0 }) },
    { flags: '--lrs <list>', description: 'train every model at each of these peak rates (e.g. 0.001,0.0002, the paper\'s two) and keep the one best on the held-out set at the training length', parse: decimalList({ above: 0 }) },
    { flags: '--max-eval-seconds <s>', description: 'a length whose predicted evaluation time passes this is skipped (default 900)', parse: decimal({ above: 0 }) },
  ],
  run: async (o) => {
    await runInductionHeads(o);
  },
  replot: replotStudy(FILES),
};

export async function runInductionHeads(o: ExperimentOptions): Promise<InductionHeadsStudy> {
  const quick = o.quick;
  const maxLog = (o.maxLogLength as number | undefined) ?? (quick ? 10 : 20);
  if (o.lr !== undefined && o.lrs !== undefined) throw new Error('--lr and --lrs: give one rate or the rates to choose from, not both');
  const lrs = o.lrs as number[] | undefined;
  const lr = lrs?.[0] ?? (o.lr as number | undefined) ?? 3e-3;
  const seeds = o.seeds ?? [0];
  const s: InductionHeadsStudy['settings'] = {
    trainLength: (o.trainLength as number | undefined) ?? (quick ? 16 : 256), vocab: 16, width: quick ? 8 : 64, layers: 2, heads: quick ? 2 : 4,
    maxSteps: (o.maxSteps as number | undefined) ?? (quick ? 4 : 2000), batch: 8, lr, minLr: lr / 3, warmup: quick ? 0 : 20,
    warmupLength: quick ? 8 : 64, warmupSteps: (o.warmupSteps as number | undefined) ?? (quick ? 2 : 2000),
    evalEvery: quick ? 2 : 100, evalSize: quick ? 4 : 64, target: typeof o.target === 'number' ? o.target / 100 : null,
    lengths: Array.from({ length: maxLog - 5 }, (_, i) => 2 ** (i + 6)), chunk: 4096, evalBatch: 4,
    maxCacheMiB: 2048, maxSeconds: (o.maxEvalSeconds as number | undefined) ?? (quick ? 30 : 900), seed: seeds[0], seeds, load: loadNow(), launch: launchPrefix(),
    ...(lrs ? { lrs } : {}),
  };
  const study: InductionHeadsStudy = { name: 'induction-heads', date: today(), command: commandOf('induction-heads', o, ['archs', 'maxSteps', 'warmupSteps', 'target', 'lr', 'lrs', 'trainLength', 'maxLogLength', 'maxEvalSeconds']), settings: s, runs: [] };
  const save = () => writeStudy(o.out, FILES.name, study, FILES.render);
  const chance = 1 / (s.vocab - 1);
  const shape = { width: s.width, layers: s.layers, vocab: s.vocab, heads: s.heads, context: s.trainLength };
  for (const arch of studyArchs(o)) for (const seed of seeds) {
    const modelDir = join(modelsDir(o, 'induction-heads'), `${arch}-seed${seed}`);
    // One model per rate; the one best on the held-out set (accuracy, then loss) at the training length is kept.
    const tried = (s.lrs ?? [s.lr]).map((rate) => trainBothRungs(s, arch, seed, rate, shape, s.lrs ? `${modelDir}-lr${rate}` : modelDir));
    const best = tried.reduce((a, b) => (b.r.final.accuracy > a.r.final.accuracy || (b.r.final.accuracy === a.r.final.accuracy && b.r.final.loss < a.r.final.loss) ? b : a));
    if (s.lrs) console.log(`${labelOf(arch)} seed ${seed} · kept lr ${best.r.lr} (held-out at L ${s.trainLength}: ${tried.map((t) => `lr ${t.r.lr} ${pct(t.r.final.accuracy)}`).join(', ')})`);
    const { model, r, warm } = best;
    const lengths = evaluateLengths(
      model,
      (length) => makeTask('induction-heads', { length, vocab: s.vocab }),
      s.lengths,
      {
        sequences: sequencesAt, batch: s.evalBatch, chunk: s.chunk, seed: TEST_SEED(seed), maxStateBytes: s.maxCacheMiB * 2 ** 20, maxSeconds: s.maxSeconds,
        // Mamba is evaluated at every length whatever its accuracy: its extrapolation is the claim.
        giveUp: (done) => {
          if (arch === 'mamba') return undefined;
          const last = done.filter((x) => x.status === 'ok').slice(-2);
          return last.length === 2 && last.every((x) => x.accuracy <= 2 * chance) ? `at most twice chance (${pct(2 * chance)}) at L ${last[0].length} and ${last[1].length}` : undefined;
        },
      },
      (x) => console.log(`  L ${x.length}: ${x.status === 'ok' ? `${pct(x.accuracy)} · ${x.sequences} sequences · ${minutes(x.seconds)} · state ${(x.stateBytes / 1024).toFixed(1)} KiB · rss ${x.rssMiB} MiB` : `${x.status}: ${x.note}`}`),
    );
    const sweep = s.lrs ? tried.map((t): SweepEntry => ({ lr: t.r.lr, final: t.r.final, test: t.r.test, seconds: round(t.r.seconds + t.warm.seconds, 1), modelDir: t.r.modelDir })) : undefined;
    study.runs.push({ ...r, lengths, warmup: warm, ...(sweep ? { sweep } : {}) });
    save();
  }
  await finishStudy(o.out, FILES, study);
  return study;
}

/** A fresh model trained at peak rate `lr`: the warm-up rung at L warmupLength, then the training length (saved to modelDir). */
function trainBothRungs(
  s: InductionHeadsStudy['settings'], arch: ArchName, seed: number, lr: number, shape: Parameters<typeof freshModel>[2], modelDir: string,
): { model: CausalLM; r: TaskRunRecord; warm: Warmup } {
  const model = freshModel(arch, seed, shape);
  const train = (steps: number, batchSize: number) => ({
    steps, batchSize, lr, minLr: lr / 3, warmupSteps: s.warmup, weightDecay: 0, gradClip: 1, evalEvery: s.evalEvery, evalSize: s.evalSize, seed, ...(s.target !== null ? { stopAt: s.target } : {}),
  });
  // The warm-up rung: short sequences carry more answers per token (one per sequence), so the
  // mechanism is found sooner; the model then trains at the training length from those weights.
  const warm = trainRecorded(model, arch, makeTask('induction-heads', { length: s.warmupLength, vocab: s.vocab }), train(s.warmupSteps, (s.batch * s.trainLength) / s.warmupLength), {
    log: (line) => console.error(line),
  });
  console.log(`${labelOf(arch)} · lr ${lr} · warm-up at L ${s.warmupLength}: ${pct(warm.test.accuracy)} after ${warm.eval.at(-1)!.step} steps · ${minutes(warm.seconds)}`);
  const r = trainRecorded(model, arch, makeTask('induction-heads', { length: s.trainLength, vocab: s.vocab }), train(s.maxSteps, s.batch), { modelDir, log: (line) => console.error(line) });
  console.log(`${labelOf(arch)} · lr ${lr} · trained at L ${s.trainLength}: ${pct(r.final.accuracy)} held-out after ${r.eval.at(-1)!.step} steps · ${minutes(r.seconds)}`);
  return { model, r, warm: { steps: warm.eval.at(-1)!.step, seconds: warm.seconds, test: warm.test } };
}

/** A run's name on the page: the model, and its seed when the study ran several. */
const runLabel = (d: InductionHeadsStudy, r: InductionHeadsStudy['runs'][number]) => `${labelOf(r.arch)}${(d.settings.seeds?.length ?? 1) > 1 ? `, seed ${r.seed}` : ''}`;

function extrapolationChart(d: InductionHeadsStudy) {
  return lineChart(
    d.runs.map((r) => ({ label: runLabel(d, r), points: r.lengths.filter((x) => x.status === 'ok').map((x) => [x.length, 100 * x.accuracy] as [number, number]) })),
    { title: `Induction heads: trained at L ${d.settings.trainLength}, evaluated through the recurrent state / KV cache`, xLabel: 'sequence length L (log scale)', yLabel: 'accuracy (%)', xLog: true, yRange: [0, 100] },
  );
}

const PAPER_ROWS: Array<[string, string]> = [
  ['Mamba (74k parameters)', '100 % at every length 2^6 … 2^20'],
  ['MHA-xPos', '99.6 / 67.6 / 25.4 % at 2^9 / 2^10 / 2^11'],
  ['MHA (RoPE, Abs)', 'collapse by 2^10 – 2^11; out of memory beyond 2^14'],
];

export function renderInductionHeads(d: InductionHeadsStudy): string {
  const s = d.settings;
  const log2 = (L: number) => Math.log2(L);
  const cell = (r: InductionHeadsStudy['runs'][number], L: number) => {
    const x = r.lengths.find((y) => y.length === L);
    if (!x) return '';
    return x.status === 'ok' ? pct(x.accuracy, 0) : x.status === 'stopped' ? '·' : x.status === 'memory' ? 'OOM' : 'time';
  };
  const mamba = d.runs.find((r) => r.arch === 'mamba');
  const longest = mamba?.lengths.filter((x) => x.status === 'ok').at(-1);
  const notes = d.runs.flatMap((r) => {
    const skip = r.lengths.find((x) => x.status !== 'ok');
    return skip ? [`- ${runLabel(d, r)}: from L ${skip.length} (2^${log2(skip.length)}) not evaluated: ${skip.note}.`] : [];
  });
  return `# Induction heads: trained at L ${s.trainLength}, evaluated to 2^${log2(s.lengths.at(-1)!)}

${d.finished ? '' : '**Partial: the study is still running (or was stopped); the rows below are the models finished so far.**\n\n'}**Setup** (Mamba paper Section 4.1 / Table 2 at CPU scale; src/data/tasks.ts): random tokens 0–${s.vocab - 2}, the trigger
token ${s.vocab - 1} once at a random position followed by the token to recall, and again at the end, where the
recalled token is the answer (chance 1/${s.vocab - 1} = ${pct(1 / (s.vocab - 1))}). Models: ${s.layers} layers, D ${s.width} for all (the paper: D 64 for
Mamba, 128 for the others); Transformer++ ${s.heads} heads with RoPE (θ 10,000), SwiGLU.

**Training budget**: two rungs, each ${s.target !== null ? `until the held-out accuracy (${s.evalSize} sequences, every ${s.evalEvery} steps) reaches ${pct(s.target, 0)}` : `to its step cap (held-out accuracy on ${s.evalSize} sequences every ${s.evalEvery} steps, no early stop)`}:
first at L ${s.warmupLength} with batch ${(s.batch * s.trainLength) / s.warmupLength} (the same tokens a step; four times the answers) for ${s.target !== null ? 'at most ' : ''}${s.warmupSteps} steps, then from those
weights at L ${s.trainLength}, batch ${s.batch} of fresh sequences, ${s.target !== null ? 'at most ' : ''}${s.maxSteps} steps; AdamW ${s.lrs ? `at each peak rate of ${s.lrs.join(', ')} (one model
per rate; warmup ${s.warmup}, cosine to a third of the rate over each rung's cap), the rate whose model is best on the held-out set at L ${s.trainLength} kept
(accuracy, then loss; the test set is never read for it)` : `lr ${s.lr} (warmup ${s.warmup}, cosine to ${s.minLr} over
each rung's cap)`}, no weight decay, clip 1; seed ${(s.seeds ?? [s.seed]).join(', ')}. Why the warm-up rung: with one answer per sequence, batch 8 at
L 256 gives 8 answers a step; a Mamba trial at L 64, batch 32, lr 3e-3 went from chance to 87.5 % between steps 250 and
400 (128 s), which at L 256 directly would take 4× the tokens per answer. The paper: 25–50 "epochs" of 8,192 steps at L
256, lr 1e-3 (Mamba) or 2e-4 (the others), batch 8.

**Evaluation**: at L = 2^6 … 2^${log2(s.lengths.at(-1)!)}, ${sequencesAt(64)} sequences up to 2^15 tokens, then fewer (2^21 tokens per length, at least 4
sequences: ${sequencesAt(2 ** 20)} at 2^20), ${s.evalBatch} at a time through the model's generation state in chunks of ${s.chunk} tokens (src/train/length_eval.ts;
the per-token step gives the same answers, tested). Transformer++ runs until its KV cache would pass ${s.maxCacheMiB.toLocaleString()} MiB or a
length's predicted time (quadratic, from the previous length) passes ${s.maxSeconds} s. A model other than Mamba at most twice
chance at two lengths in a row is not evaluated further (·).

**Command**: \`${launchedCommand(s.launch, d.command)}\` (shared 2-core machine, load average ${s.load} at the start${s.loadEnd !== undefined ? `, ${s.loadEnd} at the end` : ''}).
Models saved in ${modelsRootOf(d.runs, 1, 'runs/induction-heads')}/<model>-seed<seed> (HF layout); re-evaluate with e.g. \`mamba-ts task induction-heads
--eval-only --model ${modelsRootOf(d.runs, 1, 'runs/induction-heads')}/mamba-seed${s.seed} --eval-lengths 64,1000,1048576 --eval-sequences 4\`. Date ${d.date}.

**Result** (accuracy at each length; training: steps used, time):

| model | params | ${s.lrs ? 'lr kept | ' : ''}warm-up at L ${s.warmupLength} (steps, test) | at L ${s.trainLength} (steps; time of both rungs) | test at L ${s.trainLength} | ${s.lengths.map((L) => `2^${log2(L)}`).join(' | ')} |
| --- | ---: | ${s.lrs ? '---: | ' : ''}---: | ---: | ---: | ${s.lengths.map(() => '---:').join(' | ')} |
${d.runs.map((r) => `| ${runLabel(d, r)} | ${r.params.toLocaleString()} | ${s.lrs ? `${r.lr} | ` : ''}${r.warmup.steps}, ${pct(r.warmup.test.accuracy, 0)} | ${r.eval.at(-1)!.step.toLocaleString()}, ${minutes(r.seconds + r.warmup.seconds)} | ${pct(r.test.accuracy, 0)} | ${s.lengths.map((L) => cell(r, L)).join(' | ')} |`).join('\n')}

${notes.join('\n')}
${s.lrs ? `\n**Learning rates tried** (held-out accuracy at L ${s.trainLength}, the choice; test accuracy, reported only; time of both rungs):\n\n${d.runs.map((r) => `- ${runLabel(d, r)}: ${(r.sweep ?? []).map((x) => `lr ${x.lr}: ${pct(x.final.accuracy, 1)} held-out, ${pct(x.test.accuracy, 1)} test, ${minutes(x.seconds)}${x.lr === r.lr ? ' (kept)' : ''}`).join(' · ')}`).join('\n')}\n` : ''}
${longest ? `**Memory.** Mamba's generation state for ${s.evalBatch} sequences is ${(longest.stateBytes / 1024).toFixed(1)} KiB at every length (2 layers × E ${2 * s.width} × (N 16 + K − 1 = 3) floats per sequence, plus the scan's A): the same at 2^6 as at 2^${log2(longest.length)} (${longest.sequences} sequences of ${longest.length.toLocaleString()} tokens in ${minutes(longest.seconds)}, process resident set ${longest.rssMiB} MiB, most of it the runtime and the token ids, 4 bytes a token).` : ''}
${d.runs.filter((r) => r.arch === 'transformer').map((r) => { const ok = r.lengths.filter((x) => x.status === 'ok').at(-1); return ok ? `Transformer++'s KV cache at its longest evaluated length (2^${log2(ok.length)}): ${(ok.stateBytes / 2 ** 20).toFixed(1)} MiB for ${s.evalBatch} sequences.` : ''; }).join('')}

**Published** (Mamba paper Table 2 / 11, trained at 256): ${PAPER_ROWS.map(([m, a]) => `${m}: ${a}`).join(' · ')}.

${d.finished ? '![accuracy against length](induction-heads-extrapolation.png)\n\n(SVG: induction-heads-extrapolation.svg; every figure: induction-heads.json.)\n' : ''}${(d.after ?? []).map((a) => `\n${a}\n`).join('')}${d.reading?.length ? `\n${readingOf(d.reading).trimEnd()}\n` : ''}`;
}
