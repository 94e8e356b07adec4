// Builds the sequence mixer named by config.mixer for one layer.

import { Rng } from '../tensor/random.js';
import { Mixer } from './mixer.js';
import { ModelConfig } from './config.js';
import { MambaMixer } from '../ssm/mamba.js';
import { LRUMixer } from '../ssm/lru.js';

export function createMixer(cfg: ModelConfig, layer: number, rng: Rng): Mixer {
  void layer;
  const kind = cfg.mixer ?? 'mamba';
  switch (kind) {
    case 'mamba':
      return new MambaMixer(cfg, { numLayers: cfg.num_hidden_layers, rng });
    case 's4d':
      return new MambaMixer(cfg, { numLayers: cfg.num_hidden_layers, rng, selective: false });
    case 'lru':
      return new LRUMixer(cfg, { rng });
    default:
      throw new Error(`config.mixer: unknown or unavailable mixer '${kind}' (available: mamba, s4d, lru)`);
  }
}
