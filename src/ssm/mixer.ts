// The sequence-mixer interface shared by the Mamba (S6), S4D, LRU and attention blocks, so that
// one LanguageModel, trainer and sampler serve them all (see ../shared/DESIGN.md). A mixer maps
// [B, L, D] to [B, L, D]; the residual block, the norms and the head around it belong to the model.

import { Tensor } from '../tensor/tensor.js';
import { Module } from '../nn/module.js';
import type { LayerRecorder } from './recording.js';
import type { PackedMatrix } from '../ops/mamba_step.js';
import type { WeightFormat } from '../kernels/weight_format.js';

/** A mixer's state between generated tokens; each mixer defines its own fields. */
export type MixerState = Record<string, Float32Array>;

/** Compact copies of the weights a mixer's step multiplies, by the name of their linear layer. */
export type PackedLinears = Record<string, PackedMatrix>;

export abstract class Mixer extends Module {
  /**
   * Whole-sequence path (training, prefill). x: [B, L, D] → [B, L, D].
   * With `state`, starts from it and leaves the final state in it (chunked prefill). With
   * `recorder`, also records the quantities it wants that this mixer has (./recording.ts).
   */
  abstract forward(x: Tensor, state?: MixerState, recorder?: LayerRecorder): Tensor;

  /** A fresh (zero) state for `batch` sequences. */
  abstract initState(batch: number): MixerState;

  /**
   * One token per sequence. x: [B, D] → [B, D]; updates `state` in place. With `packed` (from
   * packLinears), multiplies with those copies instead of the f32 weights.
   */
  abstract step(x: Tensor, state: MixerState, packed?: PackedLinears): Tensor;

  /** Copies of the step's large weights in `format` (bf16 or int8 generation); null: the step has none to pack. */
  packLinears(_format: Exclude<WeightFormat, 'f32'>): PackedLinears | null {
    return null;
  }
}
