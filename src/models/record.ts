// Seeing inside a model: a forward pass that also returns, per layer, the quantities the papers
// reason with (src/ssm/recording.ts says what each one is and its shape). The browser lab draws
// its views from these; they work the same in Node:
//
//   const { logits, layers } = record(model, ids, 1, ids.length, { record: ['delta', 'stateNorm', 'gate'] });
//   layers[0].delta   // { data, shape: [1, L, E] }: Δ per token × channel of layer 0
//
// and lruEigenvalues(model) gives each LRU layer's λ (the points of the ring), cheap enough to
// call between training steps.

import type { Tensor } from '../tensor/tensor.js';
import { noGrad } from '../autograd/tape.js';
import { LayerRecorder, RECORD_NAMES, type LayerRecord, type RecordName } from '../ssm/recording.js';
import { LRUMixer } from '../ssm/lru.js';
import type { CausalLM } from './causal_lm.js';
import { LanguageModel } from './language_model.js';
import { TransformerLM } from './transformer.js';

export { RECORD_NAMES, type LayerRecord, type RecordName, type Recorded } from '../ssm/recording.js';

export interface Recording {
  logits: Tensor; // [B, L, V]
  /** One record per layer, in order; a quantity a layer does not have is absent from its record. */
  layers: LayerRecord[];
}

/** The forward pass of ids [B·L] (no gradients), recording `opts.record` in every layer that has them. */
export function record(model: CausalLM, ids: Int32Array, batch: number, length: number, opts: { record: readonly RecordName[] }): Recording {
  for (const name of opts.record) {
    if (!RECORD_NAMES.includes(name)) throw new Error(`record: unknown quantity '${name}' (known: ${RECORD_NAMES.join(', ')})`);
  }
  const wanted = new Set(opts.record);
  const recorders = Array.from({ length: model.config.num_hidden_layers }, () => new LayerRecorder(wanted));
  if (!(model instanceof LanguageModel) && !(model instanceof TransformerLM)) {
    throw new Error(`record: model_type '${model.config.model_type ?? 'mamba'}' cannot record (only the Mamba-family LanguageModel and the Transformer++)`);
  }
  const logits = noGrad(() => model.forward(ids, batch, length, undefined, recorders));
  return { logits, layers: recorders.map((r) => r.record) };
}

/** λ [N] of each LRU layer (re, and im unless the real ablation), from its current parameters; [] for a model without LRU layers. */
export function lruEigenvalues(model: CausalLM): Array<{ layer: number; re: Float32Array; im: Float32Array | null }> {
  if (!(model instanceof LanguageModel)) return [];
  const out: Array<{ layer: number; re: Float32Array; im: Float32Array | null }> = [];
  model.backbone.layers.items.forEach((block, layer) => {
    if (!(block.mixer instanceof LRUMixer)) return;
    const lam = noGrad(() => (block.mixer as LRUMixer).lambda());
    out.push({ layer, re: lam.re.data.slice(), im: lam.im ? lam.im.data.slice() : null });
  });
  return out;
}
