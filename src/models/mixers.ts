// Builds one layer's sequence mixer: Mamba-2's for model_type "mamba2", else the one named by config.mixer.

import { Rng } from '../tensor/random.js';
import { Mixer } from '../ssm/mixer.js';
import type { BackboneConfig, LRUConfig } from './config.js';
import { MambaMixer } from '../ssm/mamba.js';
import { Mamba2Mixer } from '../ssm/mamba2.js';
import { LRUMixer, LRUOptions } from '../ssm/lru.js';

export function createMixer(cfg: BackboneConfig, rng: Rng): Mixer {
  if (cfg.model_type === 'mamba2') return new Mamba2Mixer(cfg, { numLayers: cfg.num_hidden_layers, rng });
  const kind = cfg.mixer ?? 'mamba';
  switch (kind) {
    case 'mamba':
      return new MambaMixer(cfg, { numLayers: cfg.num_hidden_layers, rng });
    case 's4d':
      return new MambaMixer(cfg, { numLayers: cfg.num_hidden_layers, rng, selective: false });
    case 'lru':
      return new LRUMixer(cfg, { ...lruOptions(cfg.model_type === 'mamba' ? cfg.lru : undefined), rng });
    default:
      throw new Error(`config.mixer: unknown or unavailable mixer '${kind}' (available: mamba, s4d, lru)`);
  }
}

/** config.json's `lru` object (snake_case) as LRUMixer options; absent keys keep the mixer's defaults. */
export function lruOptions(c: LRUConfig = {}): LRUOptions {
  return {
    stateSize: c.state_size,
    rMin: c.r_min,
    rMax: c.r_max,
    maxPhase: c.max_phase,
    stableExpParam: c.stable_exp_param,
    ringInit: c.ring_init,
    gammaNorm: c.gamma_norm,
    complex: c.complex,
  };
}
