// What the task experiments share: train one model variant on a task with the task trainer
// (recording its curves even when it diverges), the plots of a set of runs (SVG and PNG), and
// small formatting helpers for the result tables.

import { LanguageModel } from '../src/models/language_model.js';
import { modelConfig, MambaConfigInput } from '../src/models/config.js';
import { Task } from '../src/data/tasks.js';
import { trainTask, TaskEvalInfo, TaskStepInfo, TaskTrainOptions } from '../src/train/task_trainer.js';
import { TrainingDivergedError } from '../src/train/step.js';
import { lineChart, Series } from '../src/experiments/plot.js';
import { writePlot } from '../src/experiments/render.js';

export interface Run {
  name: string;
  /** The model config's mixer keys (mixer, lru, state_size, ...). */
  config: Omit<MambaConfigInput, 'vocab_size'>;
  train: TaskStepInfo[];
  eval: TaskEvalInfo[];
  /** The last evaluation (step 0 when the run diverged before any other). */
  final: TaskEvalInfo;
  diverged: string | null;
  /** What `probe` measured on the model at each evaluation. */
  probes: Array<{ step: number } & Record<string, number>>;
  seconds: number;
  parameters: number;
}

/**
 * Trains the variant on `task`; a TrainingDivergedError ends the run and is recorded, not thrown.
 * `probe` (optional) measures the model at each evaluation (e.g. the LRU's eigenvalues).
 */
export function runVariant(
  name: string, config: Run['config'], task: Task, opts: TaskTrainOptions, log: (line: string) => void,
  probe?: (model: LanguageModel) => Record<string, number>,
): Run {
  const cfg = modelConfig({ ...config, vocab_size: task.vocabSize } as MambaConfigInput, name);
  const model = new LanguageModel(cfg, { seed: opts.seed });
  const run: Run = { name, config, train: [], eval: [], final: { step: 0, loss: NaN, accuracy: NaN }, diverged: null, probes: [], seconds: 0, parameters: model.parameterCount() };
  const t0 = performance.now();
  try {
    trainTask(model, task, opts, {
      onStep: (s) => run.train.push(s),
      onEval: (e) => {
        run.eval.push(e);
        if (probe) run.probes.push({ step: e.step, ...probe(model) });
        log(`${name}: step ${e.step} · held-out loss ${e.loss.toFixed(3)} · accuracy ${(100 * e.accuracy).toFixed(1)} % · ${((performance.now() - t0) / 1000).toFixed(0)} s`);
      },
    });
  } catch (err) {
    if (!(err instanceof TrainingDivergedError)) throw err;
    run.diverged = err.message;
    log(`${name}: ${err.message}`);
  }
  run.final = run.eval.at(-1)!;
  run.seconds = (performance.now() - t0) / 1000;
  return run;
}

/** A run for the JSON record: training steps as [step, loss, gradNorm] rows at 4 significant digits. */
export function compactRun(run: Run): object {
  const r4 = (x: number) => Number(x.toPrecision(4));
  return { ...run, train: { columns: ['step', 'loss', 'gradNorm'], rows: run.train.map((s) => [s.step, r4(s.loss), r4(s.gradNorm)]) } };
}

/** What a plot needs of a run: a fresh one, or one read back from the experiment's JSON. */
export type PlottedRun = Pick<Run, 'name' | 'eval' | 'diverged'>;

/**
 * Held-out loss and accuracy against steps, one line per run: <base>-loss.svg|png and
 * <base>-accuracy.svg|png. Diverged runs are dashed unless `style` says otherwise.
 */
export async function plotRuns<R extends PlottedRun>(runs: R[], base: string, title: string, style?: (run: R, i: number) => Pick<Series, 'color' | 'dashed'>): Promise<string[]> {
  const written: string[] = [];
  const plots: Array<[string, string, (e: TaskEvalInfo) => number, [number, number] | undefined]> = [
    ['loss', 'held-out loss (nats per answer token)', (e) => e.loss, undefined],
    ['accuracy', 'held-out accuracy (% of answer tokens)', (e) => 100 * e.accuracy, [0, 100]],
  ];
  for (const [kind, yLabel, y, yRange] of plots) {
    const series: Series[] = runs.map((r, i) => ({
      label: r.diverged !== null ? `${r.name} (diverged)` : r.name,
      points: r.eval.map((e) => [e.step, y(e)] as [number, number]),
      dashed: r.diverged !== null,
      ...style?.(r, i),
    }));
    const spec = lineChart(series, { title: `${title}: held-out ${kind}`, xLabel: 'optimizer step', yLabel, yRange });
    written.push(...(await writePlot(spec, `${base}-${kind}`)));
  }
  return written;
}

export function pct(x: number): string {
  return Number.isFinite(x) ? `${(100 * x).toFixed(1)} %` : '–';
}

/** The step of the first evaluation whose held-out accuracy reaches `level`, else '–'. */
export function firstStepAt(run: Run, level: number): string {
  const e = run.eval.find((x) => x.accuracy >= level);
  return e ? String(e.step) : '–';
}
