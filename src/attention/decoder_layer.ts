// One Transformer++ block (transformers' LlamaDecoderLayer), pre-norm residual:
//   h = h + self_attn(input_layernorm(h));  h = h + mlp(post_attention_layernorm(h))

import { Tensor } from '../tensor/tensor.js';
import { Rng } from '../tensor/random.js';
import { add } from '../ops/index.js';
import { Module } from '../nn/module.js';
import { RMSNorm } from '../nn/norm.js';
import type { LlamaConfig } from '../models/llama_config.js';
import { SelfAttention } from './self_attention.js';
import { SwiGLU } from './mlp.js';
import { KVCache } from './kv_cache.js';
import { residualStd } from './init.js';
import type { LayerRecorder } from '../ssm/recording.js';

export class DecoderLayer extends Module {
  readonly input_layernorm: RMSNorm;
  readonly self_attn: SelfAttention;
  readonly post_attention_layernorm: RMSNorm;
  readonly mlp: SwiGLU;

  constructor(cfg: LlamaConfig, rng: Rng) {
    super();
    const std = residualStd(cfg.num_hidden_layers);
    this.input_layernorm = this.child('input_layernorm', new RMSNorm(cfg.hidden_size, cfg.rms_norm_eps));
    this.self_attn = this.child('self_attn', new SelfAttention(cfg, rng, std));
    this.post_attention_layernorm = this.child('post_attention_layernorm', new RMSNorm(cfg.hidden_size, cfg.rms_norm_eps));
    this.mlp = this.child('mlp', new SwiGLU(cfg.hidden_size, cfg.intermediate_size, rng, std));
  }

  /** h: [B, L, D] → [B, L, D]; with `cache`, this layer (`layer`) appends its keys and values; `keys`: SelfAttention.forward's. */
  forward(h: Tensor, cache?: KVCache, layer = 0, recorder?: LayerRecorder, keys?: Int32Array): Tensor {
    h = add(h, this.self_attn.forward(this.input_layernorm.forward(h), cache, layer, recorder, keys));
    return add(h, this.mlp.forward(this.post_attention_layernorm.forward(h)));
  }
}
