// The roofline of batch-1 generation: a token reads every weight the step multiplies with once
// (in its kept format), the small f32 tensors, and reads and writes the recurrent state, so its
// time is at least those bytes over the read bandwidth measured in the same run
// (src/kernels/wasm/bandwidth.ts).

import type { MambaConfig } from '../src/models/config.js';
import type { LanguageModel, ModelState } from '../src/models/language_model.js';
import { formatWords, type WeightFormat } from '../src/kernels/weight_format.js';
import { readBandwidth } from '../src/kernels/wasm/bandwidth.js';
import type { WasmRuntime } from '../src/kernels/wasm/runtime.js';

/** Bytes one generated token reads (and the state it writes) in a selective Mamba LM whose step keeps `format`. */
export function stepBytes(c: MambaConfig, format: WeightFormat): number {
  const D = c.hidden_size, E = c.intermediate_size, N = c.state_size, R = c.time_step_rank, K = c.conv_kernel, V = c.vocab_size;
  const matrix = (rows: number, cols: number) => 4 * formatWords(format, rows, cols);
  const layer =
    4 * D + // norm
    matrix(2 * E, D) + (c.use_bias ? 4 * 2 * E : 0) + // in_proj
    4 * E * K + (c.use_conv_bias ? 4 * E : 0) + 2 * 4 * E * (K - 1) + // conv weight, bias; its state read and written
    matrix(R + 2 * N, E) + // x_proj
    4 * (E * R + E) + // dt_proj and its bias
    4 * (E * N + E) + 2 * 4 * E * N + // A, D; the SSM state read and written
    matrix(D, E) + (c.use_bias ? 4 * D : 0); // out_proj
  return c.num_hidden_layers * layer + 4 * D + matrix(V, D) + 4 * D; // + final norm, head, the token's embedding row
}

/** The read bandwidth on `threads` threads over a resident probe array of `mib` MiB, made once per runtime. */
export function makeBandwidthProbe(rt: WasmRuntime, mib = 256): (threads: number) => number {
  const probe = rt.residentArray((mib * 2 ** 20) / 4);
  for (let i = 0; i < probe.length; i += 1024) probe[i] = 1; // touch every page: no first-touch faults in the timing
  return (threads) => readBandwidth(rt, probe, threads);
}

/**
 * The same for any LanguageModel and generation state, from what the state holds: each parameter
 * once as the step reads it (its packed copy's bytes where the state has one: the fused Mamba
 * layers' three matrices, other mixers' packLinears, the head), a tied embedding's one row for the
 * lookup besides the head, and every state array read and written (A, in place of A_log, only read).
 */
export function modelStepBytes(model: LanguageModel, state: ModelState): number {
  const D = model.config.hidden_size;
  const packed = new Map<string, number>(); // parameter name → bytes of the copy the step reads instead
  state.packed?.forEach((p, i) => {
    if (p) for (const [m, data] of [['in_proj', p.inProj], ['x_proj', p.xProj], ['out_proj', p.outProj]] as const) packed.set(`backbone.layers.${i}.mixer.${m}.weight`, 4 * data.length);
  });
  state.linears?.forEach((l, i) => {
    for (const [m, p] of Object.entries(l ?? {})) packed.set(`backbone.layers.${i}.mixer.${m}.weight`, 4 * p.data.length);
  });
  const tied = model.lm_head === null;
  let bytes = 0;
  for (const [name, t] of model.namedParameters()) {
    if (name.endsWith('.A_log')) continue; // the step reads A = −exp(A_log), a state array
    if (name === 'backbone.embeddings.weight') bytes += 4 * D + (tied ? (state.head ? 4 * state.head.data.length : 4 * t.size) : 0);
    else if (name === 'lm_head.weight' && state.head) bytes += 4 * state.head.data.length;
    else bytes += packed.get(name) ?? 4 * t.size;
  }
  for (const layer of state.layers) for (const [name, a] of Object.entries(layer)) bytes += (name === 'A' ? 4 : 8) * a.length;
  return bytes;
}
