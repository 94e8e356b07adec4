// A sequence classifier over any of our language models' backbones (the LRA ListOps setting):
//   ids [B, L] → backbone → final RMSNorm → h [B, L, D] → pooled over each row's tokens [B, D]
//       → score [C, D] → class logits [B, C]
// The layout is Hugging Face's *ForSequenceClassification (LlamaForSequenceClassification:
// `model.*` + `score.weight`, no bias, pooled at the last token that is not pad_token_id); the
// Mamba backbone keeps its own prefix (`backbone.*`). Two poolings (config `classifier_pooling`,
// ModernBERT's key): 'last', Hugging Face's, reads the last real token, the only one that has
// read the whole sequence; 'mean', the S4 line's for the LRA, averages h over the real tokens, so
// every position is supervised: a fact read early needs to be kept only as long as it helps. A
// causal model's real tokens never see the right padding, so a batch is padded only to its own
// longest sequence either way. A bidirectional backbone (config `bidirectional`, as the LRA's
// models are) reads each row both ways, never its padding: a Mamba-family block adds a mixer that
// reads backwards from the last real token, a Llama block attends to every real token.

import { Tensor } from '../tensor/tensor.js';
import { Rng } from '../tensor/random.js';
import { crossEntropy, embedding, linear, mul, reshape, sum } from '../ops/index.js';
import { Module } from '../nn/module.js';
import type { Linear } from '../nn/index.js';
import type { NamedWeight } from './causal_lm.js';
import type { ModelConfig } from './config.js';
import { createModel } from './create.js';
import { LanguageModel } from './language_model.js';
import { TransformerLM } from './transformer.js';
import { normalLinear } from '../attention/init.js';

/** config.json of a classifier: the backbone's config plus Hugging Face's classification keys. */
export type ClassifierConfig = ModelConfig & {
  architectures: [string];
  num_labels: number;
  /** The padding id: pooling reads the tokens of each row up to its last one that is not this. */
  pad_token_id: number;
  /** How h [B, L, D] becomes one vector per row (absent in a folder: 'last', Hugging Face's). */
  classifier_pooling: ClassifierPooling;
};

export const CLASSIFIER_POOLINGS = ['last', 'mean'] as const;
export type ClassifierPooling = (typeof CLASSIFIER_POOLINGS)[number];

/** The architecture name written to config.json for a backbone config. */
export function classifierArchitecture(c: ModelConfig): string {
  return c.model_type === 'llama' ? 'LlamaForSequenceClassification' : 'MambaForSequenceClassification';
}

export class SequenceClassifier extends Module {
  readonly config: ClassifierConfig;
  /** The language model whose backbone this reads; its head is tied to the embedding and unused. */
  readonly lm: LanguageModel | TransformerLM;
  readonly score: Linear; // [C, D]

  constructor(base: ModelConfig, opts: { numLabels: number; padId: number; pooling?: ClassifierPooling; seed?: number }) {
    super();
    if (!base.tie_word_embeddings) throw new Error('SequenceClassifier: the backbone config must tie its word embeddings (tie_word_embeddings: true); an untied lm_head would be saved and never trained');
    if (!(Number.isInteger(opts.numLabels) && opts.numLabels >= 2)) throw new Error(`SequenceClassifier: num_labels must be an integer ≥ 2, got ${opts.numLabels}`);
    const pooling = opts.pooling ?? 'last';
    if (!CLASSIFIER_POOLINGS.includes(pooling)) throw new Error(`SequenceClassifier: classifier_pooling must be one of ${CLASSIFIER_POOLINGS.join(', ')}, got ${JSON.stringify(pooling)}`);
    const lm = createModel(base, { seed: opts.seed });
    if (!(lm instanceof LanguageModel || lm instanceof TransformerLM)) throw new Error(`SequenceClassifier: no classification head for model_type ${base.model_type}`);
    this.lm = lm;
    this.config = { ...base, architectures: [classifierArchitecture(base)], num_labels: opts.numLabels, pad_token_id: opts.padId, classifier_pooling: pooling } as ClassifierConfig;
    // The backbone's modules under their Hugging Face prefix, so names are the causal model's.
    if (lm instanceof LanguageModel) this.child('backbone', lm.backbone);
    else this.child('model', lm.model);
    const rng = new Rng(((opts.seed ?? 0) ^ 0x5c0e) >>> 0);
    this.score = this.child('score', normalLinear(base.hidden_size, opts.numLabels, 0.02, rng));
  }

  /** Per row, the position of its last token that is not padding (rows of padding only: an error). */
  lastPositions(ids: Int32Array, batch: number, length: number): Int32Array {
    const pos = new Int32Array(batch);
    for (let b = 0; b < batch; b++) {
      let t = length - 1;
      while (t >= 0 && ids[b * length + t] === this.config.pad_token_id) t--;
      if (t < 0) throw new Error(`SequenceClassifier: row ${b} of the batch is all padding (pad_token_id ${this.config.pad_token_id})`);
      pos[b] = t;
    }
    return pos;
  }

  /** ids [B·L] (right-padded) → class logits [B, C]. */
  forward(ids: Int32Array, batch: number, length: number): Tensor {
    const last = this.lastPositions(ids, batch, length);
    const h = this.lm.features(ids, batch, length, last); // [B, L, D]
    const pooled = this.config.classifier_pooling === 'mean' ? meanOfRows(h, last) : lastOfRows(h, last); // [B, D]
    return linear(pooled, this.score.weight); // [B, C]
  }

  /** Mean cross-entropy (nats) of labels [B] (one class per row). */
  loss(ids: Int32Array, labels: Int32Array, batch: number, length: number): Tensor {
    if (labels.length !== batch) throw new Error(`SequenceClassifier.loss: ${labels.length} labels for batch ${batch} (one class per sequence)`);
    return crossEntropy(this.forward(ids, batch, length), labels);
  }

  weights(): Map<string, { shape: number[]; data: Float32Array }> {
    const out = new Map<string, { shape: number[]; data: Float32Array }>();
    for (const [name, t] of this.namedParameters()) out.set(name, { shape: [...t.shape], data: t.data });
    return out;
  }

  loadWeights(dict: Map<string, NamedWeight>): void {
    this.loadStateDict(dict, { ignore: ['lm_head.weight'] });
  }
}

/** h [B, L, D] at each row's position last[b] → [B, D]. */
function lastOfRows(h: Tensor, last: Int32Array): Tensor {
  const [B, L, D] = h.shape;
  const rows = Int32Array.from(last, (t, b) => b * L + t);
  // Picking rows of h is an embedding lookup with h as the table: its backward scatters into h.
  return embedding(reshape(h, [B * L, D]), rows, [B]);
}

/** h [B, L, D] averaged over each row's positions 0 … last[b] → [B, D]. */
function meanOfRows(h: Tensor, last: Int32Array): Tensor {
  const [B, L] = h.shape;
  const weights = new Float32Array(B * L); // [B, L, 1]: 1/(last + 1) on a row's real tokens, 0 on its padding
  for (let b = 0; b < B; b++) weights.fill(1 / (last[b] + 1), b * L, b * L + last[b] + 1);
  return sum(mul(h, new Tensor(weights, [B, L, 1])), 1); // [B, D]
}
