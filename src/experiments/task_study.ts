// What the three long-range studies (selective copying, induction heads, ListOps) share: the four
// models at one width (Mamba; the Mamba block with the time-invariant S4D layer; the LRU in the
// same backbone; Transformer++), one training run of a causal task recorded with its budget and
// curve, the trained model saved in the Hugging Face layout, and a study file (JSON) rewritten as
// each run finishes so that a stopped study loses at most the run in progress.

import { mkdirSync } from 'node:fs';
import { InvalidArgumentError } from 'commander';
import { join } from 'node:path';
import { loadavg, getPriority } from 'node:os';
import { writeJsonAtomic, writeFileAtomic } from '../io/atomic.js';
import { saveCheckpoint } from '../io/checkpoint.js';
import type { CausalLM } from '../models/causal_lm.js';
import { createModel } from '../models/create.js';
import type { ModelConfig } from '../models/config.js';
import type { Task } from '../data/tasks.js';
import { flagOf } from '../cli/parse.js';
import { trainTask, evaluateTask, heldOutSet, type TaskEvalInfo, type TaskTrainOptions } from '../train/task_trainer.js';
import { archConfig, type ArchName } from './param_match.js';
import type { TopLevelSpec } from 'vega-lite';
import { writePlot } from './render.js';
import { readRecord } from './report.js';

/** The models compared, in table order, with their names in the papers' terms. */
export const STUDY_MODELS: Array<{ arch: ArchName; label: string }> = [
  { arch: 'mamba', label: 'Mamba (S6)' },
  { arch: 's4d', label: 'Mamba block + S4D (LTI)' },
  { arch: 'lru', label: 'LRU' },
  { arch: 'transformer', label: 'Transformer++ (RoPE)' },
];

export const labelOf = (arch: ArchName) => STUDY_MODELS.find((m) => m.arch === arch)!.label;

/** --archs: some of the models, comma-separated; a study runs them in table order. */
export const ARCHS_OPTION = {
  flags: '--archs <list>',
  description: `models to run, comma-separated (default all: ${STUDY_MODELS.map((m) => m.arch).join(',')})`,
  parse: (v: string): ArchName[] => {
    const names = v.split(',').map((x) => x.trim());
    const unknown = names.filter((x) => !STUDY_MODELS.some((m) => m.arch === x));
    if (unknown.length || names.length === 0) throw new InvalidArgumentError(`unknown model ${unknown.join(', ')}: expected some of ${STUDY_MODELS.map((m) => m.arch).join(', ')}.`);
    return names as ArchName[];
  },
};

/** The models a study runs: those of --archs, in table order, else all four. */
export const studyArchs = (o: Record<string, unknown>): ArchName[] =>
  STUDY_MODELS.map((m) => m.arch).filter((a) => !Array.isArray(o.archs) || (o.archs as ArchName[]).includes(a));

/** The model of `arch` at width D (2 layers, N 16; Transformer++ with `heads` heads, RoPE). */
export function studyConfig(arch: ArchName, o: { width: number; layers: number; vocab: number; heads: number; context: number }): ModelConfig {
  return archConfig(arch, o.width, { layers: o.layers, vocab: o.vocab, heads: o.heads, context: o.context, stateSize: 16 });
}

/** One finished training run, as the study's JSON keeps it. */
export interface TaskRunRecord {
  arch: ArchName;
  seed: number;
  length: number;
  params: number;
  steps: number;
  batch: number;
  lr: number;
  seconds: number;
  /** The last held-out evaluation (the one that stopped training when it reached stopAt). */
  final: { loss: number; accuracy: number };
  /** A second held-out set of the same size, used for nothing but this figure (the one the tables report). */
  test: { loss: number; accuracy: number };
  eval: TaskEvalInfo[];
  /** Where the trained model was saved (HF layout), relative to the working directory. */
  modelDir?: string;
  /** Set when the run's wall-clock deadline (TaskTrainOptions.deadline) ended it before its step cap or target. */
  outOfTime?: boolean;
  /** Study-specific extras (the rung of a curriculum, the lengths evaluated, ...). */
  [extra: string]: unknown;
}

/** The seed of the test set: its sequences come from another hash than the training and held-out ones (task_trainer.ts). */
export const TEST_SEED = (seed: number) => (seed + 0x7e57) >>> 0;

/**
 * Trains `model` (fresh or carried over from a previous rung) on `task`; saves it to modelDir when
 * given. Returns the record and the trained model.
 */
export function trainRecorded(
  model: CausalLM,
  arch: ArchName,
  task: Task,
  train: TaskTrainOptions,
  opts: { modelDir?: string; log?: (line: string) => void } = {},
): TaskRunRecord {
  const t0 = performance.now();
  const result = trainTask(model, task, train, {
    onEval: (e) => opts.log?.(`  ${arch} seed ${train.seed} L ${task.length} · step ${e.step} · held-out accuracy ${(100 * e.accuracy).toFixed(1)} % · loss ${e.loss.toFixed(4)}`),
  });
  const seconds = (performance.now() - t0) / 1000;
  const test = evaluateTask(model, heldOutSet(task, train.evalSize, train.batchSize, TEST_SEED(train.seed)));
  if (opts.modelDir) saveCheckpoint(opts.modelDir, { config: model.config, weights: model.weights() });
  return {
    arch, seed: train.seed, length: task.length, params: model.parameterCount(), steps: train.steps, batch: train.batchSize, lr: train.lr,
    seconds: round(seconds, 1), final: { loss: round(result.final.loss, 5), accuracy: result.final.accuracy },
    test: { loss: round(test.loss, 5), accuracy: test.accuracy }, eval: result.eval.map((e) => ({ ...e, loss: round(e.loss, 5) })),
    modelDir: opts.modelDir, ...(result.outOfTime ? { outOfTime: true } : {}),
  };
}

/** Where a study saves its trained models: --models, else runs/<study> (beside the other run folders). */
export const modelsDir = (o: Record<string, unknown>, study: string): string => (typeof o.models === 'string' ? o.models : join('runs', study));
/** The folder a finished study saved its models under (--models), read back from its runs' folders, `depth` levels below it. */
export const modelsRootOf = (runs: Array<{ modelDir?: string }>, depth: number, fallback: string): string =>
  runs.find((r) => r.modelDir)?.modelDir?.split('/').slice(0, -depth).join('/') ?? fallback;
export const MODELS_OPTION = { flags: '--models <dir>', description: 'folder for the trained models, HF layout (default runs/<experiment>)' };

/** A fresh model of `arch` (weights from `seed`). */
export function freshModel(arch: ArchName, seed: number, o: Parameters<typeof studyConfig>[1]): CausalLM {
  return createModel(studyConfig(arch, o), { seed });
}

/** The command line that ran a study: its name, --quick and the study's own options that were given (camelCase → --kebab-case; a switch alone). */
export function commandOf(name: string, o: Record<string, unknown>, own: string[]): string {
  const flags = own.filter((k) => o[k] !== undefined && o[k] !== false).map((k) => (o[k] === true ? flagOf(k) : `${flagOf(k)} ${Array.isArray(o[k]) ? (o[k] as unknown[]).join(',') : String(o[k])}`));
  if (o.seeds) flags.push(`--seeds ${(o.seeds as number[]).join(',')}`);
  return [`mamba-ts experiment ${name}`, ...(o.quick ? ['--quick'] : []), ...flags].join(' ');
}

/** Writes <out>/<name>.json and <name>.md (the markdown made from the JSON by `render`). */
export function writeStudy<T>(out: string, name: string, data: T, render: (d: T) => string): string[] {
  mkdirSync(out, { recursive: true });
  const json = join(out, `${name}.json`);
  const md = join(out, `${name}.md`);
  writeJsonAtomic(json, data);
  writeFileAtomic(md, render(data));
  return [json, md];
}

/** A study's files: <name>.json, its page made by `render`, and once finished the plot `chart` draws (<name>-<plot>.svg, .png). */
export interface StudyFiles<T> {
  name: string;
  render: (d: T) => string;
  plot: string;
  chart: (d: T) => TopLevelSpec;
}

type Finishable = { finished?: string; settings: { loadEnd?: number } };

/** Writes the study's JSON and page, and its plot when it has finished; returns the files written. */
export async function writeStudyFiles<T extends Finishable>(out: string, files: StudyFiles<T>, study: T): Promise<string[]> {
  const written = writeStudy(out, files.name, study, files.render);
  if (study.finished) written.push(...(await writePlot(files.chart(study), join(out, `${files.name}-${files.plot}`))));
  return written;
}

/** Marks the study finished (time, load at the end), writes it with its plot and says where. */
export async function finishStudy<T extends Finishable>(out: string, files: StudyFiles<T>, study: T): Promise<void> {
  study.finished = new Date().toISOString();
  study.settings.loadEnd = loadNow();
  console.log(`wrote ${(await writeStudyFiles(out, files, study)).join(', ')}`);
}

/** --replot of a study: its page and plot again from its JSON. */
export function replotStudy<T extends Finishable>(files: StudyFiles<T>): (o: { out: string }) => Promise<void> {
  return async (o) => console.log(`wrote ${(await writeStudyFiles(o.out, files, readRecord<T>(o.out, files.name))).join(', ')}`);
}

export const pct = (x: number, digits = 1) => (Number.isFinite(x) ? `${(100 * x).toFixed(digits)} %` : '–');
export const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;
export const minutes = (s: number) => (s < 90 ? `${s.toFixed(0)} s` : `${(s / 60).toFixed(1)} min`);
export const today = () => new Date().toISOString().slice(0, 10);

/** The load average (1 min) now: the machine is shared, so times are only comparable within a run. */
export const loadNow = () => round(loadavg()[0], 1);

/**
 * How this process was launched, as a page states it: the thread count given to the kernels and
 * the nice level, both read from the process, so the page says what ran rather than what was planned.
 */
export function launchPrefix(): string {
  const threads = process.env.MAMBA_TS_THREADS;
  const nice = getPriority();
  return `${threads ? `MAMBA_TS_THREADS=${threads} ` : ''}${nice > 0 ? `nice -n ${nice} ` : ''}`.trimEnd();
}

/**
 * A study's command as it ran: its launch (launchPrefix; studies recorded before it ran at nice 10)
 * and the command. Older records name the lock this project's sessions took to run one long job
 * at a time; it changes no result and no user has it, so it is left out.
 */
export function launchedCommand(launch: string | undefined, command: string): string {
  return [(launch ?? 'nice -n 10').replace(/flock \S+ ?/, '').trim(), command].filter((x) => x).join(' ');
}

/** The hand-written reading of a finished study (its JSON's `reading`), as a page section. */
export const readingOf = (reading?: string[]) => (reading?.length ? `**Reading.**\n\n${reading.map((l) => `- ${l}`).join('\n')}\n\n` : '');
