// The model configuration, with the Hugging Face MambaConfig keys so that config.json files
// move between mamba-ts and the Python ecosystem unchanged. `mixer` is ours (HF ignores it):
// it selects the sequence mixer of every block; so is `lru`, the LRU mixer's options.

export const MIXER_KINDS = ['mamba', 'lru', 's4d', 'attention'] as const;
export type MixerKind = (typeof MIXER_KINDS)[number];

export interface ModelConfig {
  vocab_size: number;
  hidden_size: number; // D
  state_size: number; // N
  num_hidden_layers: number;
  intermediate_size: number; // E = expand · D
  conv_kernel: number; // K
  time_step_rank: number; // R
  expand: number;
  layer_norm_epsilon: number;
  use_bias: boolean;
  use_conv_bias: boolean;
  tie_word_embeddings: boolean;
  mixer?: MixerKind;
  lru?: LRUConfig;
}

/**
 * Options of the LRU mixer, config key `lru` (ours, like `mixer`; HF ignores it). Absent keys take
 * LRU_DEFAULTS; the switches are the ablations of src/ssm/lru.ts (all on by default).
 */
export interface LRUConfig {
  state_size?: number; // N complex channels (default hidden_size)
  r_min?: number; // ring initialisation: |λ| in [r_min, r_max]
  r_max?: number;
  max_phase?: number; // phases in [0, max_phase]
  stable_exp_param?: boolean;
  ring_init?: boolean;
  gamma_norm?: boolean;
  complex?: boolean;
}

export const LRU_CONFIG_KEYS = ['state_size', 'r_min', 'r_max', 'max_phase', 'stable_exp_param', 'ring_init', 'gamma_norm', 'complex'] as const;

/** The paper's long-task setting: |λ| in [0.9, 0.999], phases in [0, 2π]. */
export const LRU_DEFAULTS = { r_min: 0.9, r_max: 0.999, max_phase: 2 * Math.PI };

export type ModelConfigInput = Pick<ModelConfig, 'vocab_size' | 'hidden_size' | 'num_hidden_layers'> & Partial<ModelConfig>;

/** Fills the paper's defaults: N = 16, K = 4, E = 2·D, R = ceil(D/16), tied embeddings. */
export function modelConfig(c: ModelConfigInput): ModelConfig {
  const expand = c.expand ?? 2;
  // Only the keys of ModelConfig, so that extra keys of a parsed config.json are not carried along.
  const defined = Object.fromEntries(Object.entries(c).filter(([k, v]) => v !== undefined && CONFIG_KEYS.has(k)));
  return {
    state_size: 16,
    conv_kernel: 4,
    expand,
    intermediate_size: expand * c.hidden_size,
    time_step_rank: Math.ceil(c.hidden_size / 16),
    layer_norm_epsilon: 1e-5,
    use_bias: false,
    use_conv_bias: true,
    tie_word_embeddings: true,
    mixer: 'mamba',
    ...defined,
  } as ModelConfig;
}

const CONFIG_KEYS = new Set([
  'vocab_size', 'hidden_size', 'state_size', 'num_hidden_layers', 'intermediate_size', 'conv_kernel',
  'time_step_rank', 'expand', 'layer_norm_epsilon', 'use_bias', 'use_conv_bias', 'tie_word_embeddings', 'mixer', 'lru',
]);
