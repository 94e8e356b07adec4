// Generation: prefill the prompt with one whole-sequence forward (which leaves every layer's
// recurrent state behind), then one constant-time step per new token.

import { Rng } from '../tensor/random.js';
import { noGrad } from '../autograd/tape.js';
import type { CausalLM, StateOptions } from './causal_lm.js';
import { withArena } from '../kernels/memory.js';

export interface SamplingOptions {
  /** 0 means greedy (argmax). */
  temperature?: number;
  /** Keep only the k most likely tokens, and those tied with the k-th (0 = off). */
  topK?: number;
  /** Keep the smallest set of tokens whose probability reaches p (1 = off). */
  topP?: number;
  seed?: number;
  /** Only ids below this are drawn: models padded past their tokenizer's vocabulary (HF checkpoints). */
  vocabLimit?: number;
}

export interface GenerateOptions extends SamplingOptions, StateOptions {
  maxTokens: number;
  /** Called with each new token as soon as it is sampled; return true to stop. */
  onToken?: (token: number) => boolean | void;
}

/** Draws one token id from logits [V] by the sampling options. */
export function sampleToken(logits: Float32Array, opts: SamplingOptions, rng: Rng): number {
  const temperature = opts.temperature ?? 1;
  const V = Math.min(logits.length, opts.vocabLimit ?? logits.length);
  if (V < logits.length) logits = logits.subarray(0, V);
  if (temperature <= 0) return argmax(logits);
  const topK = opts.topK ?? 0;
  const topP = opts.topP ?? 1;
  const maxLogit = logits[argmax(logits)];
  if (!((topK > 0 && topK < V) || topP < 1)) return drawFrom(logits, maxLogit, temperature, rng);
  // Candidate ids, most likely first, cut by top-k, then by top-p.
  let ids = Array.from({ length: V }, (_, i) => i);
  ids.sort((a, b) => logits[b] - logits[a]);
  if (topK > 0 && topK < V) {
    // Tokens tied with the k-th stay: which of equals to drop would be decided by their ids.
    const kth = logits[ids[topK - 1]];
    let keep = topK;
    while (keep < V && logits[ids[keep]] === kth) keep++;
    ids = ids.slice(0, keep);
  }
  let probs = ids.map((i) => Math.exp((logits[i] - maxLogit) / temperature));
  let total = probs.reduce((s, p) => s + p, 0);
  if (topP < 1) {
    let cumulative = 0;
    let keep = 0;
    while (keep < ids.length && cumulative < topP * total) cumulative += probs[keep++];
    ids = ids.slice(0, Math.max(1, keep));
    probs = probs.slice(0, ids.length);
    total = probs.reduce((s, p) => s + p, 0);
  }
  let u = rng.next() * total;
  for (let j = 0; j < ids.length; j++) {
    u -= probs[j];
    if (u <= 0) return ids[j];
  }
  return ids[ids.length - 1];
}

/**
 * Samples from the whole of softmax(logits / temperature): the same arithmetic as the top-k/p
 * path over every id in order, without its arrays (this runs once per generated token).
 */
function drawFrom(logits: Float32Array, maxLogit: number, temperature: number, rng: Rng): number {
  const probs = new Float64Array(logits.length);
  let total = 0;
  for (let i = 0; i < logits.length; i++) total += probs[i] = Math.exp((logits[i] - maxLogit) / temperature);
  let u = rng.next() * total;
  for (let i = 0; i < logits.length; i++) {
    u -= probs[i];
    if (u <= 0) return i;
  }
  return logits.length - 1;
}

export function argmax(x: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < x.length; i++) if (x[i] > x[best]) best = i;
  return best;
}

/** Runs the prompt through the model and returns the state and the logits of its last token. */
export function prefill<State>(model: CausalLM<State>, prompt: Int32Array, opts: StateOptions = {}): { state: State; logits: Float32Array } {
  if (prompt.length === 0) throw new Error('generate: the prompt is empty (give at least one token)');
  return noGrad(() => {
    const state = model.initState(1, opts);
    const logits = model.forward(prompt, 1, prompt.length, state); // [1, L, V]
    const V = model.config.vocab_size;
    return { state, logits: logits.data.slice((prompt.length - 1) * V, prompt.length * V) };
  });
}

/** Generates up to maxTokens after the prompt (batch 1); returns the new token ids. */
export function generate(model: CausalLM, prompt: Int32Array, opts: GenerateOptions): number[] {
  const rng = new Rng(opts.seed ?? 0);
  const out: number[] = [];
  const { state, logits: first } = prefill(model, prompt, { weights: opts.weights });
  if (opts.maxTokens <= 0) return out;
  let token = sampleToken(first, opts, rng);
  for (let i = 0; ; i++) {
    out.push(token);
    if (opts.onToken?.(token) === true || i === opts.maxTokens - 1) break;
    // Each step's arrays live in an arena (src/kernels/memory.ts): only the sampled id leaves it;
    // the state is updated in place in its own long-lived arrays.
    const next = Int32Array.of(token);
    token = withArena(() => sampleToken(model.step(next, state).data, opts, rng));
  }
  return out;
}
