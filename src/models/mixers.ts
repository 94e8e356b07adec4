// Builds the sequence mixer named by config.mixer for one layer.

import { Rng } from '../tensor/random.js';
import { Mixer } from '../ssm/mixer.js';
import type { LRUConfig, MambaConfig } from './config.js';
import { MambaMixer } from '../ssm/mamba.js';
import { LRUMixer, LRUOptions } from '../ssm/lru.js';

export function createMixer(cfg: MambaConfig, rng: Rng): Mixer {
  const kind = cfg.mixer ?? 'mamba';
  switch (kind) {
    case 'mamba':
      return new MambaMixer(cfg, { numLayers: cfg.num_hidden_layers, rng });
    case 's4d':
      return new MambaMixer(cfg, { numLayers: cfg.num_hidden_layers, rng, selective: false });
    case 'lru':
      return new LRUMixer(cfg, { ...lruOptions(cfg.lru), rng });
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
