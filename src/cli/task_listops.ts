// `mamba-ts task listops`: Long Range Arena ListOps (src/data/listops.ts) as a classification
// task: the splits are generated (seeded by --data-seed, nothing downloaded), a SequenceClassifier
// over the --arch/--mixer backbone (reading both ways with --bidirectional) is trained on the training split with validation accuracy
// along the way, and the test split is evaluated once at the end. --out saves the classifier in
// the Hugging Face *ForSequenceClassification layout (src/io/classifier_folder.ts) with its
// curves; --eval-only --model DIR re-evaluates a saved one on the same generated splits.

import { join } from 'node:path';
import { writeJsonAtomic } from '../io/atomic.js';
import { loadClassifier, saveClassifier } from '../io/classifier_folder.js';
import { SequenceClassifier, type ClassifierPooling } from '../models/classifier.js';
import { bidirectionalConfig, type ModelConfig } from '../models/config.js';
import { LISTOPS_CLASSES, LISTOPS_MAX_LENGTH, LISTOPS_PAD, listOpsSplits, ListOpsSplit, listOpsTokenizer } from '../data/listops.js';
import { trainClassifier, evaluateClassifier, ClassifierTrainResult } from '../train/listops_trainer.js';
import { StepProgress } from './progress.js';
import { describeModel, taskModelConfig, trainOptionsOf, type TaskCliOptions } from './task.js';

export interface ListOpsRun {
  model: SequenceClassifier;
  result?: ClassifierTrainResult;
  val: { loss: number; accuracy: number };
  test: { loss: number; accuracy: number };
  /** Training (or, with evalOnly, evaluation) wall time. */
  seconds: number;
}

/**
 * The LRA's 96k / 2k / 2k splits (train smaller with --train-size) from one seeded stream of
 * distinct trees. The held-out splits are drawn first, so that they are the same whatever the
 * training size (a saved model is re-evaluated on the very examples it was tested on).
 */
export function listOpsData(trainSize: number, seed: number): { train: ListOpsSplit; val: ListOpsSplit; test: ListOpsSplit } {
  if (!(Number.isInteger(trainSize) && trainSize >= 1)) throw new Error(`--train-size must be at least 1, got ${trainSize}`);
  const stream = listOpsSplits({ seed, sizes: { train: 2_000, val: 2_000, test: trainSize } });
  return { val: stream.train, test: stream.val, train: stream.test };
}

export type ListOpsCliOptions = TaskCliOptions & { dataSeed?: number; testSize?: number; pooling?: ClassifierPooling; bidirectional?: boolean };

export function runListOps(o: ListOpsCliOptions): ListOpsRun {
  if (o.evalLengths) throw new Error('--eval-lengths: ListOps sequences are the generated ones (500–2,000 tokens); evaluation lengths apply to the synthetic tasks');
  if (o.bidirectional && o.evalOnly) throw new Error("--bidirectional describes a model to train; a saved model's config.json says whether it reads backwards");
  for (const [flag, v] of [['--batch', o.batch], ['--eval-size', o.evalSize]] as const) if (v < 1) throw new Error(`${flag} must be at least 1, got ${v}`);
  const t0 = performance.now();
  const data = listOpsData(o.evalOnly ? 1 : o.trainSize ?? 96_000, o.dataSeed ?? 0);
  console.error(`listops: ${data.train.size.toLocaleString()} / ${data.val.size.toLocaleString()} / ${data.test.size.toLocaleString()} examples generated in ${((performance.now() - t0) / 1000).toFixed(1)} s (data seed ${o.dataSeed ?? 0})`);
  if (o.evalOnly) {
    if (o.model === undefined) throw new Error('--eval-only needs --model <dir>, the folder of a classifier saved by `mamba-ts task listops --out`');
    const model = loadClassifier(o.model);
    console.log(`mamba-ts task listops --eval-only · ${o.model} · ${describeModel(model.config as ModelConfig, model.parameterCount())}`);
    const t1 = performance.now();
    const val = evaluateClassifier(model, data.val, o.evalSize, o.batch);
    const test = evaluateClassifier(model, data.test, o.testSize ?? data.test.size, o.batch);
    return { model, val, test, seconds: (performance.now() - t1) / 1000 };
  }
  if (o.model !== undefined) throw new Error('--model is the folder to evaluate with --eval-only; to save a trained model use --out');
  const causal = taskModelConfig(o, listOpsTokenizer.vocabSize, LISTOPS_MAX_LENGTH);
  const config = o.bidirectional ? bidirectionalConfig(causal, '--bidirectional') : causal;
  const model = new SequenceClassifier(config, { numLabels: LISTOPS_CLASSES, padId: LISTOPS_PAD, pooling: o.pooling, seed: o.seed });
  console.log(`mamba-ts task listops · ${LISTOPS_CLASSES} classes · ${model.config.classifier_pooling} pooling · vocab ${listOpsTokenizer.vocabSize} · ${describeModel(config, model.parameterCount())}`);
  const progress = new StepProgress(o.steps, o.progress && process.stderr.isTTY === true, `listops [{bar}] {value}/{total} · loss {loss} · val acc {acc} · ETA {eta_formatted}`);
  let acc = '–';
  const t1 = performance.now();
  try {
    const result = trainClassifier(
      model,
      data,
      trainOptionsOf(o),
      {
        onStep: (s) => progress.update(s.step, { loss: s.loss.toFixed(3), acc }, () => `step ${s.step}/${o.steps} · loss ${s.loss.toFixed(3)} · lr ${s.lr.toExponential(2)}`),
        onEval: (e) => {
          acc = `${(100 * e.accuracy).toFixed(1)} %`;
          progress.note(`step ${e.step} · val loss ${e.loss.toFixed(4)} · accuracy ${acc}`);
        },
      },
    );
    progress.stop();
    const seconds = (performance.now() - t1) / 1000;
    const test = evaluateClassifier(model, data.test, o.testSize ?? data.test.size, o.batch);
    if (o.out) {
      saveClassifier(o.out, model);
      writeJsonAtomic(join(o.out, 'curves.json'), { task: 'listops', options: o, seconds, test, train: result.train, eval: result.eval });
    }
    return { model, result, val: result.final, test, seconds };
  } finally {
    progress.stop();
  }
}

export function listOpsCommand(o: ListOpsCliOptions): void {
  const r = runListOps(o);
  const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
  console.log(
    `val accuracy ${pct(r.val.accuracy)} (${Math.min(o.evalSize, 2000)} examples) · test accuracy ${pct(r.test.accuracy)} · test loss ${r.test.loss.toFixed(4)} (${Math.min(o.testSize ?? 2000, 2000).toLocaleString()} examples) · ` +
      (r.result ? `${r.result.train.length} steps · ` : '') + `${r.seconds.toFixed(1)} s` + (o.out && !o.evalOnly ? ` · saved to ${o.out}` : ''),
  );
}
