// Evaluating a trained task model at lengths of one's choosing, far beyond the training length
// (the Mamba paper's induction-heads extrapolation, Table 2: trained at 256, tested to 2²⁰).
// The sequence goes through the model in chunks that carry the generation state from one to the
// next (chunk 1: the per-token step), so what the model holds is its state: constant for the
// recurrent models (layers × B × E × (N + K − 1) floats for Mamba), a KV cache growing with the
// length for the Transformer. Only the answer positions' logits are read; each chunk's arrays live
// in an arena and are freed with it. The token ids themselves are 4 bytes per token.
//
// A length is skipped, with the reason, when a Transformer's KV cache would pass maxStateBytes
// or when its predicted time (from the last length run: linear in the tokens evaluated, times
// the length once more for attention) would pass maxSeconds.

import { noGrad } from '../autograd/tape.js';
import { withArena } from '../kernels/memory.js';
import type { CausalLM } from '../models/causal_lm.js';
import { IGNORE_INDEX, Task } from '../data/tasks.js';
import { taskSeeds } from './task_trainer.js';

export interface LengthEvalOptions {
  /** Sequences evaluated at each length (run `batch` at a time), or a number per length. */
  sequences: number | ((length: number) => number);
  batch: number;
  /** Tokens per forward call; 1 runs model.step token by token. */
  chunk: number;
  seed: number;
  /** Largest generation state (bytes) to build: a KV cache beyond it is not attempted. */
  maxStateBytes: number;
  /** A length whose predicted run time passes this is not attempted. */
  maxSeconds: number;
  /** Called after each length with the results so far: a reason returned skips the lengths left ('stopped'). */
  giveUp?: (done: LengthEvalResult[]) => string | undefined;
}

export const LENGTH_EVAL_DEFAULTS = { sequences: 16, batch: 8, chunk: 1024, maxStateBytes: 2 ** 31, maxSeconds: 600 };

export interface LengthEvalResult {
  length: number;
  status: 'ok' | 'memory' | 'time' | 'stopped';
  /** Fraction of answer tokens right (NaN when skipped). */
  accuracy: number;
  /** Mean cross-entropy (nats) over the answer tokens. */
  loss: number;
  answers: number;
  sequences: number;
  seconds: number;
  /** Bytes of the generation state after the last token (recurrent state or KV cache), per batch of `batch` sequences. */
  stateBytes: number;
  /** Resident set size of the process after this length (MiB). */
  rssMiB: number;
  /** Why a length was skipped. */
  note?: string;
}

/** Bytes held by a generation state: a KV cache's bytes(), or the Float32Arrays of every layer's state. */
export function stateBytes(state: unknown): number {
  const s = state as { bytes?: () => number; layers?: Array<Record<string, Float32Array>> };
  if (typeof s.bytes === 'function') return s.bytes();
  let n = 0;
  for (const layer of s.layers ?? []) for (const a of Object.values(layer)) n += a.byteLength;
  return n;
}

/** The KV cache a Transformer would hold after `length` tokens of `batch` sequences (0 for recurrent models). */
function predictedStateBytes(model: CausalLM, batch: number, length: number): number {
  const c = model.config as { model_type?: string; num_key_value_heads?: number; head_dim?: number };
  if (c.model_type !== 'llama') return 0;
  return 2 * model.config.num_hidden_layers * batch * length * (c.num_key_value_heads ?? 0) * (c.head_dim ?? 0) * 4;
}

/** Accuracy and loss of `model` on the answer positions of sequences of `task` at its length. */
export function evaluateAtLength(model: CausalLM, task: Task, o: LengthEvalOptions): Omit<LengthEvalResult, 'status' | 'rssMiB'> {
  const started = performance.now();
  const L = task.length;
  const sequences = sequencesAt(o, L);
  const V = model.config.vocab_size;
  const seeds = taskSeeds(o.seed);
  let correct = 0;
  let answers = 0;
  let lossSum = 0;
  let bytes = 0;
  for (let k = 0, left = sequences; left > 0; k++, left -= o.batch) {
    const B = Math.min(o.batch, left);
    const data = task.generate(seeds.heldOut(k), B);
    const state = model.initState(B);
    for (let t0 = 0; t0 < L; t0 += o.chunk) {
      const n = Math.min(o.chunk, L - t0);
      const ids = new Int32Array(B * n); // [B, n]
      for (let b = 0; b < B; b++) ids.set(data.inputs.subarray(b * L + t0, b * L + t0 + n), b * n);
      withArena(() =>
        noGrad(() => {
          const logits = (n === 1 ? model.step(ids, state) : model.forward(ids, B, n, state)).data; // [B, n, V]
          for (let b = 0; b < B; b++) {
            for (let t = 0; t < n; t++) {
              const target = data.targets[b * L + t0 + t];
              if (target === IGNORE_INDEX) continue;
              const row = logits.subarray((b * n + t) * V, (b * n + t + 1) * V);
              let best = 0;
              for (let v = 1; v < V; v++) if (row[v] > row[best]) best = v;
              let sum = 0;
              for (let v = 0; v < V; v++) sum += Math.exp(row[v] - row[best]);
              lossSum += Math.log(sum) - (row[target] - row[best]);
              if (best === target) correct++;
              answers++;
            }
          }
        }),
      );
    }
    bytes = stateBytes(state);
  }
  if (answers === 0) throw new Error(`evaluateAtLength: the ${task.name} sequences at L ${L} have no answer positions`);
  return { length: L, accuracy: correct / answers, loss: lossSum / answers, answers, sequences, seconds: (performance.now() - started) / 1000, stateBytes: bytes };
}

/**
 * Evaluates at each length in order (ascending is best: the time limit extrapolates from the
 * previous length). `taskAt(L)` makes the task at length L; onResult sees each result as it lands.
 */
export function evaluateLengths(
  model: CausalLM,
  taskAt: (length: number) => Task,
  lengths: number[],
  o: LengthEvalOptions,
  onResult?: (r: LengthEvalResult) => void,
): LengthEvalResult[] {
  const out: LengthEvalResult[] = [];
  const attention = (model.config as { model_type?: string }).model_type === 'llama';
  let last: LengthEvalResult | undefined;
  for (const L of lengths) {
    const task = taskAt(L);
    const skipped = (status: 'memory' | 'time' | 'stopped', note: string): LengthEvalResult => ({
      length: L, status, accuracy: NaN, loss: NaN, answers: 0, sequences: 0, seconds: 0, stateBytes: 0, rssMiB: rss(), note,
    });
    const cache = predictedStateBytes(model, Math.min(o.batch, sequencesAt(o, L)), L);
    const reason = o.giveUp?.(out);
    // Time grows with the tokens evaluated (sequences × L), and for attention with L once more.
    const predicted = last ? (last.seconds * (sequencesAt(o, L) * L)) / (last.sequences * last.length) * (attention ? L / last.length : 1) : 0;
    let r: LengthEvalResult;
    if (reason !== undefined) r = skipped('stopped', reason);
    else if (cache > o.maxStateBytes) r = skipped('memory', `its KV cache would hold ${mib(cache)} MiB, above the limit of ${mib(o.maxStateBytes)} MiB`);
    else if (predicted > o.maxSeconds) r = skipped('time', `predicted ${Math.round(predicted)} s from L ${last!.length}, above the limit of ${o.maxSeconds} s`);
    else r = { ...evaluateAtLength(model, task, o), status: 'ok', rssMiB: rss() };
    if (r.status === 'ok') last = r;
    out.push(r);
    onResult?.(r);
  }
  return out;
}

const sequencesAt = (o: LengthEvalOptions, length: number) => (typeof o.sequences === 'function' ? o.sequences(length) : o.sequences);
const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
const rss = () => (typeof process === 'undefined' ? NaN : Math.round(process.memoryUsage.rss() / 2 ** 20));
