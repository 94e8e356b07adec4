// The language model shared by every mixer (nanoGPT-style, top to bottom):
//   ids → embeddings → n × (h + mixer(RMSNorm(h))) → RMSNorm (norm_f) → lm_head → logits
// Parameter names follow Hugging Face MambaForCausalLM: backbone.embeddings.weight,
// backbone.layers.{i}.norm.weight, backbone.layers.{i}.mixer.*, backbone.norm_f.weight, lm_head.weight.
// A bidirectional backbone (config `bidirectional`, for classifiers) adds backbone.layers.{i}.mixer_rev.*,
// a second mixer that reads each sequence backwards: h + mixer(n) + flip(mixer_rev(flip(n))), n = RMSNorm(h).

import { Tensor } from '../tensor/tensor.js';
import { Rng } from '../tensor/random.js';
import { isGradEnabled, noGrad } from '../autograd/tape.js';
import { withLayerArena } from '../kernels/memory.js';
import { add, embedding, linear, crossEntropy, reshape, slice, mambaModelStep, matVec, packMambaWeights, packRows } from '../ops/index.js';
import type { MambaStepWeights, PackedMambaWeights, PackedMatrix, StepHead } from '../ops/index.js';
import { Module } from '../nn/module.js';
import { Embedding, RMSNorm, Linear } from '../nn/index.js';
import { packedWeight, unpack } from '../nn/packed.js';
import type { WeightFormat } from '../kernels/weight_format.js';
import { Mixer, MixerState, PackedLinears } from '../ssm/mixer.js';
import type { LayerRecorder } from '../ssm/recording.js';
import { MambaMixer } from '../ssm/mamba.js';
import { Mamba2Mixer } from '../ssm/mamba2.js';
import type { BackboneConfig } from './config.js';
import { createMixer } from './mixers.js';
import { causalOnly, type CausalLM, type NamedWeight, type StateOptions } from './causal_lm.js';

/**
 * Pre-norm residual block: h + mixer(norm(h)); bidirectional, h + mixer(n) + flip(mixer_rev(flip(n)))
 * with n = norm(h), where flip reverses each sequence's real tokens (see reverseRows).
 */
export class Block extends Module {
  readonly norm: RMSNorm;
  readonly mixer: Mixer;
  /** The backwards mixer of a bidirectional block (Caduceus's mamba_rev), else null. */
  readonly mixer_rev: Mixer | null;

  constructor(cfg: BackboneConfig, rng: Rng) {
    super();
    this.norm = this.child('norm', new RMSNorm(cfg.hidden_size, cfg.layer_norm_epsilon));
    this.mixer = this.child('mixer', createMixer(cfg, rng));
    this.mixer_rev = cfg.model_type === 'mamba' && cfg.bidirectional ? this.child('mixer_rev', createMixer(cfg, rng)) : null;
  }

  /** h [B, L, D] → [B, L, D]. A bidirectional block takes `reversed` (reverseRows) and no state: it reads whole sequences. */
  forward(h: Tensor, state?: MixerState, recorder?: LayerRecorder, reversed?: Int32Array): Tensor {
    const n = this.norm.forward(h);
    if (!this.mixer_rev) return add(h, this.mixer.forward(n, state, recorder));
    if (!reversed || state) throw new Error('Block.forward: a bidirectional block reads whole sequences: it needs the reversed order of their positions and takes no state');
    const back = flipRows(this.mixer_rev.forward(flipRows(n, reversed)), reversed);
    return add(add(h, this.mixer.forward(n, undefined, recorder)), back);
  }

  step(h: Tensor, state: MixerState, packed?: PackedLinears): Tensor {
    return add(h, this.mixer.step(this.norm.forward(h), state, packed));
  }

  /** The weights of the fused Mamba step op when this block has one (a selective Mamba mixer). */
  fusedStepWeights(): MambaStepWeights | null {
    return this.mixer instanceof MambaMixer ? this.mixer.stepWeights() : null;
  }
}

/**
 * The order that reverses each of B sequences of length L up to its last real token (`last[b]`;
 * absent: the whole row), leaving the padding after it in place: position t of row b reads
 * position last[b] − t. Its own inverse, so one order flips and flips back.
 */
export function reverseRows(batch: number, length: number, last?: Int32Array): Int32Array {
  const order = new Int32Array(batch * length);
  for (let b = 0; b < batch; b++) {
    const end = last ? last[b] : length - 1;
    for (let t = 0; t < length; t++) order[b * length + t] = b * length + (t <= end ? end - t : t);
  }
  return order;
}

/** x [B, L, D] with its rows of positions taken in `order` (reverseRows): a gather whose backward scatters back. */
function flipRows(x: Tensor, order: Int32Array): Tensor {
  const [B, L, D] = x.shape;
  return embedding(reshape(x, [B * L, D]), order, [B, L]);
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

  constructor(cfg: BackboneConfig, rng: Rng) {
    super();
    this.embeddings = this.child('embeddings', new Embedding(cfg.vocab_size, cfg.hidden_size, { rng }));
    const blocks: Block[] = [];
    for (let i = 0; i < cfg.num_hidden_layers; i++) blocks.push(new Block(cfg, rng));
    this.layers = this.child('layers', new LayerList(blocks));
    this.norm_f = this.child('norm_f', new RMSNorm(cfg.hidden_size, cfg.layer_norm_epsilon));
  }
}

/**
 * The generation state: one mixer state per layer; with `weights: 'bf16'` or `'int8'`, copies of
 * the weights the steps read in that format: per fused Mamba layer (packed), per other layer
 * (linears: its mixer's packLinears), and the head's.
 */
export interface ModelState {
  layers: MixerState[];
  packed?: Array<PackedMambaWeights | null>;
  linears?: Array<PackedLinears | null>;
  head?: PackedMatrix;
}

/**
 * The Mamba family's CausalLM: model_type 'mamba' (the block's mixer is config.mixer),
 * 'falcon_mamba' and 'mamba2' (Mamba2ForCausalLM: the same tensor layout around Mamba-2 mixers).
 */
export class LanguageModel extends Module implements CausalLM<ModelState> {
  readonly config: BackboneConfig;
  readonly backbone: Backbone;
  readonly lm_head: Linear | null;

  constructor(cfg: BackboneConfig, opts: { seed?: number } = {}) {
    super();
    const rng = new Rng(opts.seed ?? 0);
    this.config = cfg;
    this.backbone = this.child('backbone', new Backbone(cfg, rng));
    this.lm_head = cfg.tie_word_embeddings ? null : this.child('lm_head', new Linear(cfg.hidden_size, cfg.vocab_size, { bias: false, rng }));
  }

  private headWeight(): Tensor {
    return this.lm_head ? this.lm_head.weight : this.backbone.embeddings.weight;
  }

  /** logits = RMSNorm(h)·Wᵀ: h [..., D] → [..., V]. */
  private head(h: Tensor): Tensor {
    return linear(this.backbone.norm_f.forward(h), unpack(this.headWeight()));
  }

  /** The format the matrices are kept in: f32, or bf16 / int8 for a model built packed to load in it (src/nn/packed.ts). */
  get weightFormat(): WeightFormat {
    return packedWeight(this.headWeight())?.format ?? 'f32';
  }

  /**
   * ids: [B·L] token ids of B sequences of length L → logits [B, L, V].
   * With `state`, continues from it and leaves the final states in it. `recorders` (one per
   * layer) record what they want of each layer's inside: see src/models/record.ts.
   */
  forward(ids: Int32Array, batch: number, length: number, state?: ModelState, recorders?: LayerRecorder[]): Tensor {
    causalOnly(this.bidirectional, 'LanguageModel.forward');
    if (ids.length !== batch * length) {
      throw new Error(`LanguageModel.forward: ${ids.length} ids for batch ${batch} × length ${length}`);
    }
    return this.head(this.hidden(ids, batch, length, state, recorders)); // [B, L, V]
  }

  /**
   * The final norm's output RMSNorm(h) [B, L, D] over whole sequences (training): what a
   * classification head reads. `last[b]`: row b's last real token, where a bidirectional model
   * starts reading it backwards (absent: the row's end); a causal model never reads past a token.
   */
  features(ids: Int32Array, batch: number, length: number, last?: Int32Array): Tensor {
    if (ids.length !== batch * length) throw new Error(`LanguageModel.features: ${ids.length} ids for batch ${batch} × length ${length}`);
    const reversed = this.bidirectional ? reverseRows(batch, length, last) : undefined;
    return this.backbone.norm_f.forward(this.hidden(ids, batch, length, undefined, undefined, reversed));
  }

  /** Whether each block also reads backwards (config `bidirectional`): a classifier's backbone, never a causal LM. */
  get bidirectional(): boolean {
    return this.config.model_type === 'mamba' && this.config.bidirectional === true;
  }


  /**
   * The last block's output h [B, L, D]; with `state`, continuing from it (recorders: see forward).
   * Without a tape (inference) each block runs in its own arena, which keeps only its output: a
   * prefill then holds one block's temporaries, not every block's (mamba2-130m over 512 tokens:
   * 2.5 GB in one arena, more than the 4 GiB wasm memory leaves beside two models).
   */
  private hidden(ids: Int32Array, batch: number, length: number, state?: ModelState, recorders?: LayerRecorder[], reversed?: Int32Array): Tensor {
    let h = this.backbone.embeddings.forward(ids, [batch, length]); // [B, L, D]
    const scoped = !isGradEnabled() && !recorders; // a recorder may keep a block's tensors
    this.backbone.layers.items.forEach((block, i) => {
      const run = () => block.forward(h, state?.layers[i], recorders?.[i], reversed);
      h = scoped ? withLayerArena(run) : run();
    });
    return h;
  }

  /** ids [B·L] into the state → logits [B, V] after each sequence's last token (the head runs there only). */
  prefill(ids: Int32Array, batch: number, length: number, state: ModelState): Tensor {
    causalOnly(this.bidirectional, 'LanguageModel.prefill');
    if (ids.length !== batch * length || length < 1) throw new Error(`LanguageModel.prefill: ${ids.length} ids for batch ${batch} × length ${length}`);
    return noGrad(() => {
      const h = this.hidden(ids, batch, length, state); // [B, L, D]
      return this.head(reshape(slice(h, 1, length - 1, length), [batch, this.config.hidden_size])); // [B, V]
    });
  }

  /** Mean next-token cross-entropy (nats) of targets [B·L] (−100 entries ignored). */
  loss(ids: Int32Array, targets: Int32Array, batch: number, length: number): Tensor {
    const logits = this.forward(ids, batch, length);
    return crossEntropy(reshape(logits, [batch * length, this.config.vocab_size]), targets, { ignoreIndex: -100 });
  }

  /**
   * A fresh state; `weights` (default: the format the model keeps) names the format of the fused
   * steps' matrices: copies packed from f32, or a packed model's own (no copy). A packed model
   * has no f32 matrices to step with in another format.
   */
  initState(batch: number, opts: StateOptions = {}): ModelState {
    causalOnly(this.bidirectional, 'LanguageModel.initState');
    const blocks = this.backbone.layers.items;
    const state: ModelState = { layers: blocks.map((b) => b.mixer.initState(batch)) };
    const kept = this.weightFormat;
    const format = opts.weights ?? kept;
    if (kept !== 'f32' && format !== kept) {
      throw new Error(`initState: this model keeps its matrices in ${kept} (loaded with weights '${kept}'); a state with weights '${format}' needs the model loaded in f32 or in ${format}`);
    }
    if (format !== 'f32') {
      // Copies packed from f32, or a packed model's own rows (packRows shares them).
      state.packed = blocks.map((b) => {
        const w = b.fusedStepWeights();
        return w && packMambaWeights(w, format);
      });
      state.linears = blocks.map((b, i) => (state.packed![i] ? null : b.mixer.packLinears(format)));
      state.head = packRows(this.headWeight(), format); // [V, D] rows
    }
    return state;
  }

  /**
   * One token per sequence: tokens [B] → logits [B, V]; state advances in place. A model of
   * selective Mamba blocks runs as one fused op (mambaModelStep: every block with its norm and
   * residual, then the head); a Mamba-2 block as its fused step (the head after the last); other
   * blocks (S4D, LRU, Falcon Mamba) compose their mixer's step with ops.
   */
  step(tokens: Int32Array, state: ModelState): Tensor {
    causalOnly(this.bidirectional, 'LanguageModel.step');
    return noGrad(() => {
      const batch = tokens.length;
      if (state.layers.length !== this.config.num_hidden_layers) {
        throw new Error(`LanguageModel.step: state has ${state.layers.length} layers, model has ${this.config.num_hidden_layers}`);
      }
      let h = this.backbone.embeddings.forward(tokens, [batch]); // [B, D]
      const blocks = this.backbone.layers.items;
      const head: StepHead = { norm: this.backbone.norm_f, weight: this.headWeight(), packed: state.head };
      const fused = blocks.map((b) => b.fusedStepWeights());
      if (blocks.length > 0 && fused.every((w) => w !== null)) {
        // Every block fused (Mamba): the whole model in one kernel call.
        const layers = blocks.map((b, i) => {
          const { conv, ssm, A } = state.layers[i];
          return { w: fused[i]!, state: { conv, ssm, A }, norm: b.norm, packed: state.packed?.[i] ?? undefined };
        });
        return mambaModelStep(h, layers, head); // logits [B, V]
      }
      // Every block of a model has the same mixer: the others step block by block.
      for (let i = 0; i < blocks.length; i++) {
        const last = i === blocks.length - 1;
        const mixer = blocks[i].mixer;
        if (mixer instanceof Mamba2Mixer) {
          // Mamba-2: its fused step with the block's norm and residual, and the head after the last.
          const packed = state.linears?.[i] ?? undefined;
          h = mixer.blockStep(h, state.layers[i], { norm: blocks[i].norm, inProj: packed?.in_proj, outProj: packed?.out_proj, head: last ? head : undefined });
          if (last) return h; // logits [B, V]
          continue;
        }
        h = blocks[i].step(h, state.layers[i], state.linears?.[i] ?? undefined);
      }
      return state.head ? matVec(this.backbone.norm_f.forward(h), state.head) : this.head(h); // [B, V]
    });
  }

  /** Parameters to save: the head is left out when tied (it is the embedding). */
  weights(): Map<string, { shape: number[]; data: Float32Array }> {
    const kept = this.weightFormat;
    if (kept !== 'f32') throw new Error(`weights: this model keeps its matrices in ${kept} (loaded with weights '${kept}'), not as the f32 tensors a save writes; load it in f32 to save it`);
    const out = new Map<string, { shape: number[]; data: Float32Array }>();
    for (const [name, t] of this.namedParameters()) out.set(name, { shape: t.shape, data: t.data });
    return out;
  }

  /** Loads HF-layout weights; a stored lm_head.weight is ignored when the head is tied. */
  loadWeights(dict: Map<string, NamedWeight>): void {
    this.loadStateDict(dict, { ignore: this.lm_head ? [] : ['lm_head.weight'] });
  }
}
