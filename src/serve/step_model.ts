// What the server needs of a model (src/models/causal_lm.ts): a state per batch, the prefill
// that continues from a state with the head at the last position only, and the one-token step of
// a batch. The scheduler moves sequences' parts in and out of the batch's state, so it needs a
// row mover for the state's layout (StateRows): StateLayout for `layers`, one record of arrays
// per layer, each either [B, ...] (a row per sequence) or shared by the batch (the recurrent
// mixers' states; anything else in the state, packed bf16 weights, is shared); KVRows for a KV
// cache (the Transformer++), whose part of a sequence grows with it.

import { KVCache } from '../attention/kv_cache.js';
import type { CausalLM } from '../models/causal_lm.js';
import { StateLayout, type StateRows } from './batch_state.js';
import { KVRows } from './kv_rows.js';

/** A generation state with arrays per layer (LanguageModel's ModelState). */
export interface RowState {
  layers: Record<string, Float32Array>[];
}

/** The states the server can batch. */
export type ServeState = RowState | KVCache;

export type StepModel = Pick<CausalLM<ServeState>, 'config' | 'initState' | 'prefill' | 'step'>;

function isRowState(state: unknown): state is RowState {
  const layers = (state as { layers?: unknown }).layers;
  return Array.isArray(layers) && layers.every((layer) => typeof layer === 'object' && layer !== null && Object.values(layer).every((a) => a instanceof Float32Array));
}

/** The model as a StepModel, once its state is checked to be one the server can batch. */
export function asStepModel(model: CausalLM): StepModel {
  const state = model.initState(1);
  if (!(state instanceof KVCache) && !isRowState(state)) {
    throw new Error(`serve: the ${model.config.model_type ?? 'mamba'} model's generation state is neither arrays per layer nor a KV cache; the server cannot batch it`);
  }
  return model as unknown as StepModel;
}

/** The row mover of the model's state. */
export function stateRows(model: StepModel): StateRows<ServeState> {
  const state = model.initState(1);
  if (state instanceof KVCache) return new KVRows(state.layers.length, state.kvHeads, state.headDim) as StateRows<ServeState>;
  return new StateLayout(model) as StateRows<ServeState>;
}
