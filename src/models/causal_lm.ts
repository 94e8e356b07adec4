// The seam between the models and everything that uses one: the trainer, evaluation, generation,
// checkpoints and the command line see a model only through CausalLM, so that the Mamba
// LanguageModel and the Transformer++ baseline are trained, evaluated, sampled and saved by the
// same code. A model is a Module (named parameters in the Hugging Face layout of its
// architecture) with two paths: forward over whole sequences (training, prefill) and step over one
// token per sequence (generation), the state between them owned and shaped by the model (a
// recurrent state for the SSMs, a KV cache for attention).

import type { Tensor } from '../tensor/tensor.js';
import type { Module } from '../nn/module.js';
import type { WeightFormat } from '../kernels/weight_format.js';

/** How a generation state is made. */
export interface StateOptions {
  /**
   * The weights the per-token step multiplies with. 'bf16' / 'int8': the state keeps copies of
   * the weights that a fused step reads (the Mamba block's in_proj, x_proj and out_proj, and the
   * head after a last Mamba block) as bfloat16 (src/kernels/bf16.ts: half the bytes to read per
   * token, each weight rounded to 8 significant bits) or as int8 with a scale per row
   * (src/kernels/int8.ts: a quarter of the bytes, 255 levels per row). Blocks without a fused
   * step keep f32. Default 'f32'.
   */
  weights?: WeightFormat;
}

/** What every model's config has (Hugging Face keys); each architecture extends it. */
export interface CausalLMConfig {
  /** Hugging Face's architecture key: 'mamba' (also when absent), 'llama'. */
  model_type?: string;
  vocab_size: number;
  hidden_size: number;
  num_hidden_layers: number;
  tie_word_embeddings: boolean;
}

/** A tensor as stored in a checkpoint, by its Hugging Face name. */
export interface NamedWeight {
  shape: readonly number[];
  data: Float32Array;
}

/**
 * A causal language model. `State` is the model's generation state, opaque to its users: made by
 * initState, filled by forward (prefill) and advanced in place by step.
 */
export interface CausalLM<State = unknown> extends Module {
  readonly config: CausalLMConfig;

  /**
   * ids: [B·L] token ids of B sequences of length L → logits [B, L, V]. With `state`, continues
   * from it and leaves the state after the last token in it (prefill, chunked prefill).
   */
  forward(ids: Int32Array, batch: number, length: number, state?: State): Tensor;

  /**
   * The forward of a prompt into a state with the head at each sequence's last position only (the
   * logits its next token is drawn from; the other positions' V-wide logits are never made):
   * ids [B·L] → logits [B, V]. No gradients.
   */
  prefill(ids: Int32Array, batch: number, length: number, state: State): Tensor;

  /** Mean next-token cross-entropy (nats) of targets [B·L]; −100 entries are ignored. */
  loss(ids: Int32Array, targets: Int32Array, batch: number, length: number): Tensor;

  /** An empty generation state for `batch` sequences. */
  initState(batch: number, opts?: StateOptions): State;

  /** One token per sequence: tokens [B] → logits [B, V]; the state advances in place. No gradients. */
  step(tokens: Int32Array, state: State): Tensor;

  /** The tensors to save, by Hugging Face name (a tied head is left out). */
  weights(): Map<string, { shape: number[]; data: Float32Array }>;

  /** Loads tensors by Hugging Face name, checking names and shapes; errors name the tensor. */
  loadWeights(dict: Map<string, NamedWeight>): void;
}

/**
 * The refusal of what only a causal model can do (next-token logits, a generation state) by a
 * bidirectional one (config `bidirectional`: a classifier's backbone). `what`: Class.method.
 */
export function causalOnly(bidirectional: boolean, what: string): void {
  if (bidirectional) {
    throw new Error(`${what}: this model is bidirectional (config.json "bidirectional": true): every position reads the tokens after it, so it has no next-token logits and no generation state; use it as a classifier (SequenceClassifier, task listops --bidirectional)`);
  }
}
