// The measurements of the generation experiment, one point at a time (generation_probe.ts runs
// each in a fresh process): a step's time against the context, and throughput after a prompt.

import { noGrad } from '../autograd/tape.js';
import { withArena } from '../kernels/memory.js';
import type { CausalLM } from '../models/causal_lm.js';
import { KVCache } from '../attention/kv_cache.js';
import type { ModelState } from '../models/language_model.js';
import { Rng } from '../tensor/random.js';
import { depthFor, matchParams, type Match } from './param_match.js';
import type { GenerationSettings } from './generation.js';

export const LABEL = { mamba: 'Mamba', transformer: 'Transformer++' } as const;
export type Arch = keyof typeof LABEL;
export const ARCHS: Arch[] = ['mamba', 'transformer'];

export interface ContextPoint { arch: Arch; context: number; msPerToken: number; stateBytes: number }
export interface ThroughputPoint { arch: Arch; batch: number; prompt: number; generated: number; prefillSeconds: number; decodeSeconds: number; decodeTokensPerSec: number; endToEndTokensPerSec: number; stateBytes: number }

/** The model of `arch` at the experiment's size (its rotary positions cover every context measured). */
export function modelFor(arch: Arch, s: GenerationSettings): Match {
  const maxPos = Math.max(...s.contexts) + s.prompt + s.generate + s.steps + 4;
  return matchParams(arch, s.params, { layers: depthFor(s.params)[arch], vocab: s.vocab, context: maxPos });
}

/** Bytes of a generation state: the KV cache's keys and values, or Mamba's conv and SSM states. */
function stateBytes(state: unknown): number {
  if (state instanceof KVCache) return state.bytes();
  return (state as ModelState).layers.reduce((s, l) => s + Object.values(l).reduce((t, a) => t + a.byteLength, 0), 0);
}

/**
 * A state as if `context` tokens had been read: the KV cache holds `context` rows of random keys
 * and values (room reserved for `extra` more), Mamba's state is its fixed-size arrays. A step's
 * cost depends on the sizes, not on the values, so the minutes of a real 64k-token prefill are
 * not spent here; the throughput table below does run its prompts.
 */
function stateAt(model: CausalLM, arch: Arch, batch: number, context: number, extra: number, rng: Rng): unknown {
  const state = model.initState(batch);
  if (arch === 'transformer' && context > 0) {
    const cache = state as KVCache;
    cache.reserve(context + extra);
    const block = Float32Array.from({ length: 4096 }, () => rng.normal());
    for (const layer of cache.layers) {
      for (const a of [layer.k, layer.v]) for (let i = 0; i < a.length; i += block.length) a.set(block.subarray(0, Math.min(block.length, a.length - i)), i);
    }
    cache.advance(context);
  }
  return state;
}

function timeSteps(model: CausalLM, state: unknown, batch: number, steps: number, rng: Rng): number[] {
  const out: number[] = [];
  const tokens = new Int32Array(batch);
  noGrad(() => {
    for (let s = 0; s < steps; s++) {
      for (let b = 0; b < batch; b++) tokens[b] = rng.int(model.config.vocab_size);
      const t0 = performance.now();
      withArena(() => model.step(tokens, state).data[0]);
      out.push((performance.now() - t0) / 1000);
    }
  });
  return out;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

export function contextPoint(model: CausalLM, arch: Arch, s: GenerationSettings, context: number, rng: Rng): ContextPoint {
  const state = stateAt(model, arch, 1, context, s.steps + 3, rng);
  timeSteps(model, state, 1, 2, rng); // warm-up (two tokens more in the context: negligible)
  const msPerToken = median(timeSteps(model, state, 1, s.steps, rng)) * 1000;
  return { arch, context, msPerToken, stateBytes: stateBytes(state) };
}

export function throughputPoint(model: CausalLM, arch: Arch, s: GenerationSettings, batch: number, rng: Rng): ThroughputPoint {
  // The first whole-sequence forward compiles its code paths: not part of the prefill's time.
  noGrad(() => withArena(() => model.forward(new Int32Array(16), 1, 16, model.initState(1)).data[0]));
  const state = model.initState(batch);
  if (state instanceof KVCache) state.reserve(s.prompt + s.generate);
  const chunk = 256;
  const p0 = performance.now();
  noGrad(() => {
    for (let done = 0; done < s.prompt; done += chunk) {
      const n = Math.min(chunk, s.prompt - done);
      const ids = Int32Array.from({ length: batch * n }, () => rng.int(s.vocab));
      withArena(() => model.forward(ids, batch, n, state).data[0]);
    }
  });
  const prefillSeconds = (performance.now() - p0) / 1000;
  const decodeSeconds = timeSteps(model, state, batch, s.generate, rng).reduce((a, b) => a + b, 0);
  return {
    arch, batch, prompt: s.prompt, generated: s.generate, prefillSeconds, decodeSeconds,
    decodeTokensPerSec: (batch * s.generate) / decodeSeconds,
    endToEndTokensPerSec: (batch * s.generate) / (prefillSeconds + decodeSeconds),
    stateBytes: stateBytes(state),
  };
}

