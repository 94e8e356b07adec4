// The Transformer++ baseline (the Mamba paper's LLaMA-recipe Transformer), top to bottom:
//   ids → embed_tokens → n × DecoderLayer (RMSNorm → RoPE attention → +; RMSNorm → SwiGLU → +)
//       → norm → lm_head (tied to embed_tokens when tie_word_embeddings) → logits
// Parameter names are Hugging Face LlamaForCausalLM's (model.embed_tokens.weight,
// model.layers.{i}.self_attn.q_proj.weight, ..., model.norm.weight, lm_head.weight), so folders
// written here load in transformers unchanged and Llama folders from elsewhere load here.
// Generation state: a KV cache (src/attention/kv_cache.ts), filled by forward (prefill, also in
// chunks) and by step, one token at a time attending over it. A bidirectional config (ours, for
// classifiers) drops the causal mask: features only, no logits, no generation.

import { Tensor } from '../tensor/tensor.js';
import { Rng } from '../tensor/random.js';
import { noGrad } from '../autograd/tape.js';
import { crossEntropy, embedding, linear, reshape, slice } from '../ops/index.js';
import { Module } from '../nn/module.js';
import { Embedding, RMSNorm, Linear } from '../nn/index.js';
import { causalOnly, type CausalLM, type NamedWeight, type StateOptions } from './causal_lm.js';
import type { LlamaConfig } from './llama_config.js';
import { DecoderLayer } from '../attention/decoder_layer.js';
import { KVCache } from '../attention/kv_cache.js';
import { normalLinear } from '../attention/init.js';
import type { LayerRecorder } from '../ssm/recording.js';

class LayerList extends Module {
  readonly items: DecoderLayer[];

  constructor(items: DecoderLayer[]) {
    super();
    this.items = items.map((b, i) => this.child(String(i), b));
  }
}

/** transformers' LlamaModel: the embedding, the blocks and the final norm. */
class LlamaModel extends Module {
  readonly embed_tokens: Embedding; // [V, D]
  readonly layers: LayerList;
  readonly norm: RMSNorm;

  constructor(cfg: LlamaConfig, rng: Rng) {
    super();
    this.embed_tokens = this.child('embed_tokens', new Embedding(cfg.vocab_size, cfg.hidden_size, { rng, std: 0.02 }));
    const layers: DecoderLayer[] = [];
    for (let i = 0; i < cfg.num_hidden_layers; i++) layers.push(new DecoderLayer(cfg, rng));
    this.layers = this.child('layers', new LayerList(layers));
    this.norm = this.child('norm', new RMSNorm(cfg.hidden_size, cfg.rms_norm_eps));
  }
}

export class TransformerLM extends Module implements CausalLM<KVCache> {
  readonly config: LlamaConfig;
  readonly model: LlamaModel;
  readonly lm_head: Linear | null; // [V, D]; null when tied

  constructor(cfg: LlamaConfig, opts: { seed?: number } = {}) {
    super();
    const rng = new Rng(opts.seed ?? 0);
    this.config = cfg;
    this.model = this.child('model', new LlamaModel(cfg, rng));
    this.lm_head = cfg.tie_word_embeddings ? null : this.child('lm_head', normalLinear(cfg.hidden_size, cfg.vocab_size, 0.02, rng));
  }

  private headWeight(): Tensor {
    return this.lm_head ? this.lm_head.weight : this.model.embed_tokens.weight;
  }

  /**
   * ids: [B·L] → logits [B, L, V]. With `cache`, the tokens continue the cached context (the
   * positions of sequence b start at cache.lengths[b]) and their keys and values are appended
   * (no gradients).
   * `recorders` (one per layer) record the attention weights: see src/models/record.ts.
   */
  forward(ids: Int32Array, batch: number, length: number, cache?: KVCache, recorders?: LayerRecorder[]): Tensor {
    causalOnly(this.bidirectional, 'TransformerLM.forward');
    if (ids.length !== batch * length) throw new Error(`TransformerLM.forward: ${ids.length} ids for batch ${batch} × length ${length}`);
    if (cache) {
      if (cache.batch !== batch) throw new Error(`TransformerLM.forward: the cache holds ${cache.batch} sequences, got batch ${batch}`);
      return noGrad(() => this.run(ids, batch, length, cache, recorders));
    }
    return this.run(ids, batch, length, undefined, recorders);
  }

  private run(ids: Int32Array, batch: number, length: number, cache?: KVCache, recorders?: LayerRecorder[]): Tensor {
    return linear(this.model.norm.forward(this.hidden(ids, batch, length, cache, recorders)), this.headWeight()); // [B, L, V]
  }

  /**
   * The final norm's output [B, L, D] over whole sequences (training): what a classification head
   * reads. `last[b]`: row b's last real token, up to which a bidirectional model's tokens attend
   * (absent: the row's end); causal attention never reads past a token.
   */
  features(ids: Int32Array, batch: number, length: number, last?: Int32Array): Tensor {
    if (ids.length !== batch * length) throw new Error(`TransformerLM.features: ${ids.length} ids for batch ${batch} × length ${length}`);
    const keys = this.bidirectional ? Int32Array.from({ length: batch }, (_, b) => (last ? last[b] + 1 : length)) : undefined;
    return this.model.norm.forward(this.hidden(ids, batch, length, undefined, undefined, keys));
  }

  /** Whether attention has no causal mask (config `bidirectional`): a classifier's encoder, never a causal LM. */
  get bidirectional(): boolean {
    return this.config.bidirectional === true;
  }


  /** The last block's output h [B, L, D]; `keys`: each row's real tokens, all attended (bidirectional). */
  private hidden(ids: Int32Array, batch: number, length: number, cache?: KVCache, recorders?: LayerRecorder[], keys?: Int32Array): Tensor {
    cache?.reserve(length);
    let h = embedding(this.model.embed_tokens.weight, ids, [batch, length]); // [B, L, D]
    this.model.layers.items.forEach((layer, i) => {
      h = layer.forward(h, cache, i, recorders?.[i], keys);
    });
    cache?.advance(length);
    return h;
  }

  /** ids [B·L] into the cache → logits [B, V] after each sequence's last token (the head runs there only). */
  prefill(ids: Int32Array, batch: number, length: number, cache: KVCache): Tensor {
    causalOnly(this.bidirectional, 'TransformerLM.prefill');
    if (ids.length !== batch * length || length < 1) throw new Error(`TransformerLM.prefill: ${ids.length} ids for batch ${batch} × length ${length}`);
    if (cache.batch !== batch) throw new Error(`TransformerLM.prefill: the cache holds ${cache.batch} sequences, got batch ${batch}`);
    return noGrad(() => {
      const last = reshape(slice(this.hidden(ids, batch, length, cache), 1, length - 1, length), [batch, this.config.hidden_size]); // [B, D]
      return linear(this.model.norm.forward(last), this.headWeight()); // [B, V]
    });
  }

  /** Mean next-token cross-entropy (nats) of targets [B·L] (−100 entries ignored). */
  loss(ids: Int32Array, targets: Int32Array, batch: number, length: number): Tensor {
    const logits = this.forward(ids, batch, length);
    return crossEntropy(reshape(logits, [batch * length, this.config.vocab_size]), targets, { ignoreIndex: -100 });
  }

  /** An empty KV cache for `batch` sequences (f32; a bf16 request keeps f32 weights here). */
  initState(batch: number, _opts: StateOptions = {}): KVCache {
    causalOnly(this.bidirectional, 'TransformerLM.initState');
    const c = this.config;
    return new KVCache(batch, c.num_hidden_layers, c.num_key_value_heads, c.head_dim);
  }

  /** tokens [B] → logits [B, V], attending over the cache, which grows by one row. */
  step(tokens: Int32Array, cache: KVCache): Tensor {
    const logits = this.forward(tokens, tokens.length, 1, cache);
    return reshape(logits, [tokens.length, this.config.vocab_size]);
  }

  /** Bytes of keys and values the cache holds: 2 · layers · Σ tokens of each sequence · Hkv · head_dim · 4. */
  cacheBytes(cache: KVCache): number {
    return cache.bytes();
  }

  /** Parameters to save: lm_head.weight is absent when tied (it is model.embed_tokens.weight). */
  weights(): Map<string, { shape: number[]; data: Float32Array }> {
    const out = new Map<string, { shape: number[]; data: Float32Array }>();
    for (const [name, t] of this.namedParameters()) out.set(name, { shape: [...t.shape], data: t.data });
    return out;
  }

  /** Loads HF-layout weights; a stored lm_head.weight is ignored when the head is tied. */
  loadWeights(dict: Map<string, NamedWeight>): void {
    this.loadStateDict(dict, { ignore: this.lm_head ? [] : ['lm_head.weight'] });
  }
}
