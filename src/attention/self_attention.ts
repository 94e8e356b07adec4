// Causal self-attention of a Llama block (transformers' LlamaAttention): q, k, v projections
// without biases, rotary positions on q and k, fused causal attention (GQA: H query heads over
// Hkv key/value heads), o_proj. Given each row's real keys (a bidirectional classifier), every
// token attends to all of them instead. Heads stay in the last two axes throughout, [B, L, H, d], as the
// projections produce them, so no transposes are needed.
// With a KV cache (prefill, chunked prefill, generation steps) the new keys and values are
// appended to it and the queries attend over everything cached; positions continue from it, each
// sequence from its own length.

import { Tensor } from '../tensor/tensor.js';
import { Rng } from '../tensor/random.js';
import { attention, cachedAttention, reshape, rope } from '../ops/index.js';
import { Module } from '../nn/module.js';
import { Linear } from '../nn/linear.js';
import type { LlamaConfig } from '../models/llama_config.js';
import { KVCache } from './kv_cache.js';
import { normalLinear } from './init.js';
import { LayerRecorder, attentionWeights } from '../ssm/recording.js';

export class SelfAttention extends Module {
  readonly q_proj: Linear; // [H·d, D]
  readonly k_proj: Linear; // [Hkv·d, D]
  readonly v_proj: Linear; // [Hkv·d, D]
  readonly o_proj: Linear; // [D, H·d]
  readonly heads: number;
  readonly kvHeads: number;
  readonly headDim: number;
  readonly theta: number;

  constructor(cfg: LlamaConfig, rng: Rng, residualStd: number) {
    super();
    const { hidden_size: D, num_attention_heads: H, num_key_value_heads: Hkv, head_dim: d } = cfg;
    this.heads = H;
    this.kvHeads = Hkv;
    this.headDim = d;
    this.theta = cfg.rope_theta;
    this.q_proj = this.child('q_proj', normalLinear(D, H * d, 0.02, rng));
    this.k_proj = this.child('k_proj', normalLinear(D, Hkv * d, 0.02, rng));
    this.v_proj = this.child('v_proj', normalLinear(D, Hkv * d, 0.02, rng));
    this.o_proj = this.child('o_proj', normalLinear(H * d, D, residualStd, rng));
  }

  /**
   * x: [B, L, D] → [B, L, D]. With `cache`, layer `layer`'s keys and values are appended to it;
   * with `recorder`, the attention weights [B, H, L, L] of these tokens among themselves are recorded.
   * With `keys` (the real tokens of each right-padded row [B]), no causal mask: every token of row
   * b attends to its first keys[b] tokens (no cache, no recorder).
   */
  forward(x: Tensor, cache?: KVCache, layer = 0, recorder?: LayerRecorder, keys?: Int32Array): Tensor {
    const [B, L] = x.shape;
    const { heads: H, kvHeads: Hkv, headDim: d } = this;
    const offset = cache ? cache.lengths : 0; // [B]: each sequence continues from its own length
    const q = rope(reshape(this.q_proj.forward(x), [B, L, H, d]), this.theta, offset);
    const k = rope(reshape(this.k_proj.forward(x), [B, L, Hkv, d]), this.theta, offset);
    const v = reshape(this.v_proj.forward(x), [B, L, Hkv, d]);
    if (recorder?.wants('attention')) recorder.put('attention', attentionWeights(q.data, k.data, { batch: B, L, H, Hkv, d }), [B, H, L, L]);
    let out: Tensor; // [B, L, H, d]
    if (cache) {
      cache.write(layer, k.data, v.data, L);
      const c = cache.layers[layer];
      out = cachedAttention(q, c.k, c.v, cache.lengths.map((n) => n + L), cache.cap, Hkv);
    } else {
      out = keys ? attention(q, k, v, { causal: false, keys }) : attention(q, k, v);
    }
    return this.o_proj.forward(reshape(out, [B, L, H * d]));
  }
}
