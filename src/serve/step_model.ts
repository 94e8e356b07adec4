// What the server needs of a model (src/models/causal_lm.ts): a state per batch, the
// whole-sequence forward that continues from a state (prefill) and the one-token step of a batch.
// The scheduler moves sequences' rows in and out of the batch's state, so it needs the state's
// layout: `layers`, one record of arrays per layer, each array either [B, ...] (a row per
// sequence) or shared by the batch; anything else in the state (packed bf16 weights) is shared. The recurrent mixers' states are that; a KV cache that grows with the
// sequence is not, and needs its own row mover before it plugs in.

import type { CausalLM } from '../models/causal_lm.js';

/** A generation state with arrays per layer (LanguageModel's ModelState). */
export interface RowState {
  layers: Record<string, Float32Array>[];
}

export type StepModel = Pick<CausalLM<RowState>, 'config' | 'initState' | 'forward' | 'step'>;

/** The model as a StepModel, once its state is checked to be arrays per layer. */
export function asStepModel(model: CausalLM): StepModel {
  const layers = (model.initState(1) as { layers?: unknown }).layers;
  const ok = Array.isArray(layers) && layers.every((layer) => typeof layer === 'object' && layer !== null && Object.values(layer).every((a) => a instanceof Float32Array));
  if (!ok) throw new Error(`serve: the ${model.config.model_type ?? 'mamba'} model's generation state is not arrays per layer; the server cannot batch it yet`);
  return model as unknown as StepModel;
}
