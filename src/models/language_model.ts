// The language model shared by every mixer (nanoGPT-style, top to bottom):
//   ids → embeddings → n × (h + mixer(RMSNorm(h))) → RMSNorm (norm_f) → lm_head → logits
// Parameter names follow Hugging Face MambaForCausalLM: backbone.embeddings.weight,
// backbone.layers.{i}.norm.weight, backbone.layers.{i}.mixer.*, backbone.norm_f.weight, lm_head.weight.

import { Tensor, shapeStr } from '../tensor/tensor.js';
import { Rng } from '../tensor/random.js';
import { noGrad } from '../autograd/tape.js';
import { add, embedding, linear, crossEntropy, reshape } from '../ops/index.js';
import { Module } from '../nn/module.js';
import { Embedding, RMSNorm, Linear } from '../nn/index.js';
import { FinalHead, Mixer, MixerState, StateOptions } from './mixer.js';
import { kernels } from '../kernels/backend.js';
import { packBf16Rows } from '../kernels/bf16.js';
import { ModelConfig } from './config.js';
import { createMixer } from './mixers.js';
import type { CausalLM, NamedWeight } from './causal_lm.js';

/** logits [B, V] = RMSNorm(h)·Wᵀ, the model's end composed from ops. */
function applyHead(head: FinalHead, h: Tensor): Tensor {
  return linear(head.norm.forward(h), head.weight);
}

/** Pre-norm residual block: h + mixer(norm(h)). */
export class Block extends Module {
  readonly norm: RMSNorm;
  readonly mixer: Mixer;

  constructor(cfg: ModelConfig, layer: number, rng: Rng) {
    super();
    this.norm = this.child('norm', new RMSNorm(cfg.hidden_size, cfg.layer_norm_epsilon));
    this.mixer = this.child('mixer', createMixer(cfg, layer, rng));
  }

  forward(h: Tensor, state?: MixerState): Tensor {
    return add(h, this.mixer.forward(this.norm.forward(h), state));
  }

  step(h: Tensor, state: MixerState): Tensor {
    return this.mixer.blockStep(h, state, this.norm) ?? add(h, this.mixer.step(this.norm.forward(h), state));
  }

  /** The last block's step and the model's head after it: h [B, D] → logits [B, V]. */
  stepToLogits(h: Tensor, state: MixerState, head: FinalHead): Tensor {
    return this.mixer.blockStep(h, state, this.norm, head) ?? applyHead(head, this.step(h, state));
  }
}

class LayerList extends Module {
  readonly items: Block[];

  constructor(items: Block[]) {
    super();
    this.items = items.map((b, i) => this.child(String(i), b));
  }
}

class Backbone extends Module {
  readonly embeddings: Embedding;
  readonly layers: LayerList;
  readonly norm_f: RMSNorm;

  constructor(cfg: ModelConfig, rng: Rng) {
    super();
    this.embeddings = this.child('embeddings', new Embedding(cfg.vocab_size, cfg.hidden_size, { rng }));
    const blocks: Block[] = [];
    for (let i = 0; i < cfg.num_hidden_layers; i++) blocks.push(new Block(cfg, i, rng));
    this.layers = this.child('layers', new LayerList(blocks));
    this.norm_f = this.child('norm_f', new RMSNorm(cfg.hidden_size, cfg.layer_norm_epsilon));
  }
}

/**
 * One generation state per layer; with `weights: 'bf16'`, also the head's weight as packed bf16
 * rows (src/kernels/bf16.ts) when the last block's step computes the head.
 */
export type ModelState = MixerState[] & { head?: Float32Array };

/** The Mamba family's CausalLM (model_type 'mamba'; the block's mixer is config.mixer). */
export class LanguageModel extends Module implements CausalLM<ModelState> {
  readonly config: ModelConfig;
  readonly backbone: Backbone;
  readonly lm_head: Linear | null;

  constructor(cfg: ModelConfig, opts: { seed?: number } = {}) {
    super();
    const rng = new Rng(opts.seed ?? 0);
    this.config = cfg;
    this.backbone = this.child('backbone', new Backbone(cfg, rng));
    this.lm_head = cfg.tie_word_embeddings ? null : this.child('lm_head', new Linear(cfg.hidden_size, cfg.vocab_size, { bias: false, rng }));
  }

  private headWeight(): Tensor {
    return this.lm_head ? this.lm_head.weight : this.backbone.embeddings.weight;
  }

  /**
   * ids: [B·L] token ids of B sequences of length L → logits [B, L, V].
   * With `state` (one entry per layer), continues from it and leaves the final states in it.
   */
  forward(ids: Int32Array, batch: number, length: number, state?: ModelState): Tensor {
    if (ids.length !== batch * length) {
      throw new Error(`LanguageModel.forward: ${ids.length} ids for batch ${batch} × length ${length}`);
    }
    let h = embedding(this.backbone.embeddings.weight, ids, [batch, length]); // [B, L, D]
    this.backbone.layers.items.forEach((block, i) => {
      h = block.forward(h, state?.[i]);
    });
    return applyHead({ norm: this.backbone.norm_f, weight: this.headWeight() }, h); // [B, L, V]
  }

  /** Mean next-token cross-entropy (nats) of targets [B·L] (−100 entries ignored). */
  loss(ids: Int32Array, targets: Int32Array, batch: number, length: number): Tensor {
    const logits = this.forward(ids, batch, length);
    return crossEntropy(reshape(logits, [batch * length, this.config.vocab_size]), targets, { ignoreIndex: -100 });
  }

  initState(batch: number, opts: StateOptions = {}): ModelState {
    const layers = this.backbone.layers.items;
    const state: ModelState = layers.map((b) => b.mixer.initState(batch, opts));
    if (opts.weights === 'bf16' && layers.length > 0 && layers[layers.length - 1].mixer.fusesHead()) {
      const w = this.headWeight(); // [V, D]
      state.head = kernels().residentCopy(packBf16Rows(w.data, w.shape[0], w.shape[1]));
    }
    return state;
  }

  /** One token per sequence: tokens [B] → logits [B, V]; state advances in place. */
  step(tokens: Int32Array, state: ModelState): Tensor {
    return noGrad(() => {
      const batch = tokens.length;
      if (state.length !== this.config.num_hidden_layers) {
        throw new Error(`LanguageModel.step: state has ${state.length} layers, model has ${this.config.num_hidden_layers}`);
      }
      let h = embedding(this.backbone.embeddings.weight, tokens, [batch]); // [B, D]
      const layers = this.backbone.layers.items;
      const head: FinalHead = { norm: this.backbone.norm_f, weight: this.headWeight(), packed: state.head };
      for (let i = 0; i < layers.length - 1; i++) h = layers[i].step(h, state[i]);
      // The last block's step may compute the head in the same kernel (MambaMixer.blockStep).
      const last = layers.length - 1;
      const logits = last >= 0 ? layers[last].stepToLogits(h, state[last], head) : applyHead(head, h);
      if (logits.shape[1] !== this.config.vocab_size) throw new Error(`step: logits ${shapeStr(logits.shape)}`);
      return logits;
    });
  }

  /** Parameters to save: the head is left out when tied (it is the embedding). */
  weights(): Map<string, { shape: number[]; data: Float32Array }> {
    const out = new Map<string, { shape: number[]; data: Float32Array }>();
    for (const [name, t] of this.namedParameters()) out.set(name, { shape: t.shape, data: t.data });
    return out;
  }

  /** Loads HF-layout weights; a stored lm_head.weight is ignored when the head is tied. */
  loadWeights(dict: Map<string, NamedWeight>): void {
    this.loadStateDict(dict, { ignore: this.lm_head ? [] : ['lm_head.weight'] });
  }
}
