// The sequence-mixer interface shared by the Mamba (S6), LRU and attention blocks, so that one
// LanguageModel, trainer and sampler serve them all (see ../shared/DESIGN.md).

import { Tensor } from '../tensor/tensor.js';
import { Module } from '../nn/module.js';
import type { RMSNorm } from '../nn/norm.js';

/** The model's final RMSNorm and output projection (weight [V, D]), which the last block's step may fuse in. */
export interface FinalHead {
  norm: RMSNorm;
  weight: Tensor;
  /** The weight as packed bf16 rows (from a bf16 state): the fused step multiplies with these. */
  packed?: Float32Array;
}

/** How a generation state is made. */
export interface StateOptions {
  /**
   * The weights the per-token step multiplies with. 'bf16': the state keeps bfloat16 copies of
   * the Mamba block's in_proj, x_proj and out_proj, and of the head when the last block is one
   * (src/kernels/bf16.ts): half the bytes to read per token, each weight rounded to 8
   * significant bits. Mixers without a fused step keep f32. Default 'f32'.
   */
  weights?: 'f32' | 'bf16';
}

/** A mixer's recurrent state for generation; each mixer defines its own fields. */
export type MixerState = Record<string, Float32Array>;

export abstract class Mixer extends Module {
  /**
   * Whole-sequence path (training, prefill). x: [B, L, D] → [B, L, D].
   * With `state`, starts from it and leaves the final state in it (chunked prefill).
   */
  abstract forward(x: Tensor, state?: MixerState): Tensor;

  /** A fresh (zero) state for `batch` sequences. */
  abstract initState(batch: number, opts?: StateOptions): MixerState;

  /** One token per sequence. x: [B, D] → [B, D]; updates `state` in place. */
  abstract step(x: Tensor, state: MixerState): Tensor;

  /**
   * The residual block's step around this mixer, h + step(norm(h)), as one kernel where the mixer
   * has one (generation's hot path); with `head` (the last block), the logits [B, V] of that
   * output instead; null: the block composes it from ops.
   */
  blockStep(_h: Tensor, _state: MixerState, _norm: RMSNorm, _head?: FinalHead): Tensor | null {
    return null;
  }

  /** Whether blockStep computes the head when given one (a bf16 state then packs the head's weight too). */
  fusesHead(): boolean {
    return false;
  }
}
