// Models of equal size for the head-to-head experiments: the width D at which each architecture
// (Mamba, Transformer++, and the S4D and LRU mixers in Mamba's backbone) has a target number of
// parameters, at a depth the caller chooses. Counts come from the config alone (weight_shapes.ts,
// which its tests check against the built models), so matching an 8M model builds nothing.

import { modelConfig, type ModelConfig } from '../models/config.js';
import { expectedWeights } from '../models/weight_shapes.js';

/** The architectures compared: Mamba blocks with each mixer, or Transformer++ (Llama) blocks. */
export const ARCHS = ['mamba', 'transformer', 's4d', 'lru'] as const;
export type ArchName = (typeof ARCHS)[number];

export interface ShapeOptions {
  layers: number;
  vocab: number;
  /** Mamba / S4D state size N (default 16); LRU: its state is D complex channels. */
  stateSize?: number;
  /** Transformer++: attention heads (default 4; D steps by 2·heads so that head_dim is even). */
  heads?: number;
  /** Transformer++: the longest sequence it will see (rotary positions). */
  context?: number;
}

/** The config of `arch` at width D. Transformer++: SwiGLU width 8/3·D rounded up to 8, tied head, as `train --arch transformer`. */
export function archConfig(arch: ArchName, D: number, o: ShapeOptions): ModelConfig {
  if (arch === 'transformer') {
    const heads = o.heads ?? 4;
    return modelConfig(
      {
        model_type: 'llama',
        vocab_size: o.vocab,
        hidden_size: D,
        intermediate_size: Math.ceil((8 * D) / 3 / 8) * 8,
        num_hidden_layers: o.layers,
        num_attention_heads: heads,
        num_key_value_heads: heads,
        max_position_embeddings: o.context ?? 2048,
        tie_word_embeddings: true,
      },
      `archConfig(${arch})`,
    );
  }
  return modelConfig({ vocab_size: o.vocab, hidden_size: D, num_hidden_layers: o.layers, state_size: o.stateSize ?? 16, mixer: arch }, `archConfig(${arch})`);
}

/** Parameters of the model a config describes (a tied head counted once). */
export function countParams(config: ModelConfig): number {
  let n = 0;
  for (const w of expectedWeights(config).values()) n += w.shape.reduce((a, b) => a * b, 1);
  return n;
}

export interface Match {
  arch: ArchName;
  hidden: number;
  layers: number;
  params: number;
  /** (params − target) / target. */
  relError: number;
  config: ModelConfig;
}

/**
 * The width whose parameter count is closest to `target` (D a multiple of 4 for the Mamba
 * mixers, of 2·heads for Transformer++). Throws when even the closest is more than `tolerance`
 * (default 5 %) away: at a few hundred thousand parameters one step of D moves the count by
 * several per cent, and the depth must change instead.
 */
export function matchParams(arch: ArchName, target: number, o: ShapeOptions, tolerance = 0.05): Match {
  if (!(target > 0)) throw new Error(`matchParams: target must be a positive parameter count, got ${target}`);
  const step = arch === 'transformer' ? 2 * (o.heads ?? 4) : 4;
  let best: Match | undefined;
  for (let D = step; ; D += step) {
    const config = archConfig(arch, D, o);
    const params = countParams(config);
    const relError = (params - target) / target;
    if (!best || Math.abs(relError) < Math.abs(best.relError)) best = { arch, hidden: D, layers: o.layers, params, relError, config };
    if (params > target) break; // the count grows with D: past the target, nothing closer follows
  }
  if (Math.abs(best.relError) > tolerance) {
    throw new Error(
      `matchParams: ${arch} with ${o.layers} layers has no width within ${(tolerance * 100).toFixed(0)} % of ${target.toLocaleString('en-US')} parameters ` +
        `(closest: D ${best.hidden}, ${best.params.toLocaleString('en-US')}); change the number of layers`,
    );
  }
  return best;
}

/**
 * The depth of each architecture at a size: Transformer++ blocks t = 1 (below 300k parameters),
 * 2 (below 1M), 3 (below 4M), else 4; Mamba, S4D and LRU 2t blocks, as the Mamba paper pairs
 * them (a Mamba block has about half the parameters of an attention + MLP block of equal width).
 */
export function depthFor(target: number): Record<ArchName, number> {
  const t = target < 3e5 ? 1 : target < 1e6 ? 2 : target < 4e6 ? 3 : 4;
  return { mamba: 2 * t, s4d: 2 * t, lru: 2 * t, transformer: t };
}
