// The model configuration: one object per architecture, in that architecture's Hugging Face
// config.json layout, so that folders move between mamba-ts and transformers unchanged.
// `ModelConfig` is a union discriminated by `model_type`; `modelConfig` builds (fills defaults,
// validates) any of them and `parseConfig` reads a config.json object, both through BUILDERS.
//
// Mamba (model_type "mamba", MambaForCausalLM): `mixer` is our extra key, selecting the sequence
// mixer of every block for this project's other block kinds, and `lru` holds the LRU mixer's
// options. transformers keeps unknown keys as plain attributes and ignores them, so a file with
// `"mixer": "mamba"` still loads there; the other mixers have no Hugging Face counterpart. Keys we
// do not know (HF's pad_token_id, hidden_act, time_step_min, ...) are accepted on read and not
// kept: HF's defaults for them are what we implement.

import { LRU_DEFAULTS } from '../ssm/lru.js';
import { llamaConfig, type LlamaConfig, type LlamaConfigInput } from './llama_config.js';
import { mamba2Config, MAMBA2_FILE_SIZES, type Mamba2Config, type Mamba2ConfigInput } from './mamba2_config.js';

export type { Mamba2Config, Mamba2ConfigInput };

export const MIXER_KINDS = ['mamba', 'lru', 's4d'] as const;
export type MixerKind = (typeof MIXER_KINDS)[number];

/** config.json of a MambaForCausalLM, with our `mixer` and `lru` keys. */
export interface MambaConfig {
  model_type: 'mamba';
  architectures: string[];
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
  mixer: MixerKind;
  lru?: LRUConfig;
  /**
   * Ours, as Caduceus's bidirectional Mamba names it: each block adds a second mixer of the same
   * kind (`mixer_rev`) that reads each sequence backwards, so every position sees the whole
   * sequence; for classifiers only (a causal LM would read the tokens it predicts). Kept only when true.
   */
  bidirectional?: true;
}

/**
 * config.json of a FalconMambaForCausalLM: Mamba-1 with a weightless RMS norm (eps mixer_rms_eps)
 * on dt_low, B and C after x_proj; the mixer is always "mamba".
 */
export type FalconMambaConfig = Omit<MambaConfig, 'model_type' | 'lru' | 'bidirectional'> & { model_type: 'falcon_mamba'; mixer_rms_eps: number };

/** Every architecture's config; `model_type` tells them apart. */
export type ModelConfig = MambaConfig | FalconMambaConfig | Mamba2Config | LlamaConfig; // Llama's: src/models/llama_config.ts, Mamba-2's: mamba2_config.ts

/** The configs of the models built on the Mamba backbone (embedding, residual mixer blocks, norm_f, head). */
export type BackboneConfig = MambaConfig | FalconMambaConfig | Mamba2Config;

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

export { LRU_DEFAULTS };

/** The three sizes are required; everything else defaults as in the paper and HF's MambaConfig. */
export type MambaConfigInput = Pick<MambaConfig, 'vocab_size' | 'hidden_size' | 'num_hidden_layers'> &
  Partial<Omit<MambaConfig, 'model_type' | 'time_step_rank' | 'lru' | 'bidirectional'>> & {
    model_type?: 'mamba';
    time_step_rank?: number | 'auto';
    lru?: LRUConfig;
    bidirectional?: boolean;
  };

export type ModelConfigInput = MambaConfigInput | (Mamba2ConfigInput & { model_type: 'mamba2' }) | (LlamaConfigInput & { model_type: 'llama' });

/** The builder of each model_type: fills the defaults of a (possibly parsed) input and validates it. */
const BUILDERS: { [T in ModelConfig['model_type']]: (c: Record<string, unknown>, where: string) => Extract<ModelConfig, { model_type: T }> } = {
  mamba: mambaConfig,
  falcon_mamba: falconMambaConfig,
  mamba2: mamba2Config,
  llama: (c, where) => llamaConfig(c as LlamaConfigInput, where),
};

/**
 * The complete, validated config of the architecture named by `model_type` (absent: "mamba").
 * Errors start with `where` (the file or option the values came from).
 */
export function modelConfig(c: MambaConfigInput, where?: string): MambaConfig;
/** Any object claiming to be a config (a model's, a parsed file's): checked in full at run time. */
export function modelConfig(c: ModelConfigInput | { model_type?: string }, where?: string): ModelConfig;
export function modelConfig(c: ModelConfigInput | { model_type?: string }, where = 'modelConfig'): ModelConfig {
  const raw = c as unknown as Record<string, unknown>;
  const type = raw.model_type ?? 'mamba';
  if (typeof type !== 'string' || !Object.hasOwn(BUILDERS, type)) {
    const supported = Object.keys(BUILDERS).map((t) => `"${t}"`).join(', ');
    throw new Error(`${where}: model_type is ${JSON.stringify(type)}; supported: ${supported}`);
  }
  if (type !== 'mamba' && type !== 'llama' && raw.bidirectional !== undefined && raw.bidirectional !== false) throw notBidirectional(where, type);
  return BUILDERS[type as ModelConfig['model_type']](raw, where);
}

/**
 * `c` reading every row both ways (key `bidirectional`): a backwards mixer in every block of a
 * "mamba" model, attention without the causal mask in a "llama" one.
 */
export function bidirectionalConfig(c: ModelConfig, where = 'bidirectionalConfig'): MambaConfig | LlamaConfig {
  if (c.model_type !== 'mamba' && c.model_type !== 'llama') throw notBidirectional(where, c.model_type);
  return modelConfig({ ...c, bidirectional: true }, where) as MambaConfig | LlamaConfig;
}

const notBidirectional = (where: string, type: string) =>
  new Error(`${where}: bidirectional is available for model_type "mamba" (mixers ${MIXER_KINDS.join(', ')}) and "llama", not "${type}"`);

/** Parses and validates a config.json object; `label` names the file in errors. */
export function parseConfig(json: unknown, label = 'config.json'): ModelConfig {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error(`${label}: expected a JSON object`);
  const o = json as Record<string, unknown>;
  if (o.model_type === undefined && o.hidden_size === undefined && o.d_model !== undefined) {
    // The original state-spaces/mamba checkpoints use mamba_ssm's own keys, not transformers'.
    const cfg = o.ssm_cfg as Record<string, unknown> | undefined;
    if (cfg?.layer === 'Mamba2') {
      throw new Error(
        `${label}: an original mamba_ssm Mamba-2 config (d_model, n_layer, ssm_cfg.layer "Mamba2"), with weights in pytorch_model.bin; use a ` +
          "Hugging Face conversion (Mamba2ForCausalLM, e.g. AntonV/mamba2-130m-hf), or convert this one with transformers' " +
          'src/transformers/models/mamba2/convert_mamba2_ssm_checkpoint_to_pytorch.py (-m mamba_ssm)',
      );
    }
    throw new Error(
      `${label}: uses the original mamba_ssm keys (d_model, n_layer, ssm_cfg), with weights in pytorch_model.bin; use the Hugging Face ` +
        '"-hf" version of the checkpoint (state-spaces/mamba-130m-hf, ...), or convert this one with transformers\' ' +
        'src/transformers/models/mamba/convert_mamba_ssm_checkpoint_to_pytorch.py and save it with safetensors',
    );
  }
  const sizes = o.model_type === undefined || o.model_type === 'mamba' || o.model_type === 'falcon_mamba' ? MAMBA_FILE_SIZES : o.model_type === 'mamba2' ? MAMBA2_FILE_SIZES : {};
  const filled = { ...o };
  for (const [key, value] of Object.entries(sizes)) filled[key] ??= value;
  return modelConfig(filled as unknown as ModelConfigInput, label);
}

/**
 * The sizes transformers' MambaConfig gives a config.json that lacks them (its other defaults are
 * mambaConfig's). Only files get them: the API asks for the sizes of a model it builds; a file's
 * are checked against its tensors anyway.
 */
const MAMBA_FILE_SIZES = { vocab_size: 50280, hidden_size: 768, num_hidden_layers: 32 };

/**
 * Mamba: N = 16, K = 4, expand 2, E = expand·D unless intermediate_size is given, R = ceil(D/16)
 * (also for "auto"), eps 1e-5, no bias in the linear layers, bias in the conv, tied embeddings,
 * mixer "mamba": transformers' MambaConfig defaults (use_bias is false in transformers 4.x and in
 * 5.15; one 5.0 development snapshot had true, which no release kept). The keys come out
 * in one fixed order, so that config.json is the same bytes whatever order the input had.
 */
function mambaConfig(raw: Record<string, unknown>, where: string): MambaConfig {
  const posInt = (key: string): number => {
    const v = raw[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
      throw new Error(`${where}: ${key} must be a positive integer, got ${JSON.stringify(v)}`);
    }
    return v;
  };
  const optPosInt = (key: string, fallback: number): number => (raw[key] === undefined ? fallback : posInt(key));
  const bool = (key: string, fallback: boolean): boolean => {
    const v = raw[key];
    if (v === undefined) return fallback;
    if (typeof v !== 'boolean') throw new Error(`${where}: ${key} must be true or false, got ${JSON.stringify(v)}`);
    return v;
  };
  for (const key of ['vocab_size', 'hidden_size', 'num_hidden_layers']) {
    if (raw[key] === undefined) throw new Error(`${where}: ${key} is missing`);
  }
  const D = posInt('hidden_size');
  const expand = optPosInt('expand', 2);
  const eps = raw.layer_norm_epsilon ?? 1e-5;
  if (typeof eps !== 'number' || !Number.isFinite(eps) || eps <= 0) {
    throw new Error(`${where}: layer_norm_epsilon must be a positive number, got ${JSON.stringify(eps)}`);
  }
  // transformers reads hidden_act for the block's activation; the paper's SiLU is the one we have.
  if (raw.hidden_act !== undefined && raw.hidden_act !== 'silu') {
    throw new Error(`${where}: hidden_act ${JSON.stringify(raw.hidden_act)} is not supported (the Mamba block uses "silu")`);
  }
  const mixer = raw.mixer ?? 'mamba';
  if (!(MIXER_KINDS as readonly unknown[]).includes(mixer)) {
    throw new Error(`${where}: mixer must be one of ${MIXER_KINDS.map((m) => `"${m}"`).join(', ')}, got ${JSON.stringify(mixer)}`);
  }
  const config: MambaConfig = {
    model_type: 'mamba',
    architectures: ['MambaForCausalLM'],
    state_size: optPosInt('state_size', 16),
    conv_kernel: optPosInt('conv_kernel', 4),
    expand,
    intermediate_size: optPosInt('intermediate_size', expand * D),
    time_step_rank: raw.time_step_rank === 'auto' ? Math.ceil(D / 16) : optPosInt('time_step_rank', Math.ceil(D / 16)),
    layer_norm_epsilon: eps,
    use_bias: bool('use_bias', false),
    use_conv_bias: bool('use_conv_bias', true),
    tie_word_embeddings: bool('tie_word_embeddings', true),
    mixer: mixer as MixerKind,
    vocab_size: posInt('vocab_size'),
    hidden_size: D,
    num_hidden_layers: posInt('num_hidden_layers'),
  };
  if (raw.lru !== undefined) config.lru = checkLru(raw.lru, mixer, where);
  if (bool('bidirectional', false)) config.bidirectional = true;
  return config;
}

/**
 * Falcon Mamba: transformers' FalconMambaConfig, whose defaults are MambaConfig's plus
 * mixer_rms_eps 1e-6 (falcon-mamba-7b's config.json has no such key); intermediate_size wins over
 * expand (that file says expand 16 with intermediate_size 2 × hidden_size).
 */
function falconMambaConfig(raw: Record<string, unknown>, where: string): FalconMambaConfig {
  if (raw.mixer !== undefined && raw.mixer !== 'mamba') throw new Error(`${where}: mixer ${JSON.stringify(raw.mixer)} is not available for model_type "falcon_mamba" (its mixer is "mamba")`);
  if (raw.lru !== undefined) throw new Error(`${where}: lru options are not available for model_type "falcon_mamba"`);
  const eps = raw.mixer_rms_eps ?? 1e-6;
  if (typeof eps !== 'number' || !Number.isFinite(eps) || eps <= 0) {
    throw new Error(`${where}: mixer_rms_eps must be a positive number, got ${JSON.stringify(eps)}`);
  }
  const { model_type: _t, architectures: _a, lru: _l, bidirectional: _b, ...base } = mambaConfig({ ...raw, model_type: 'mamba' }, where);
  return { model_type: 'falcon_mamba', architectures: ['FalconMambaForCausalLM'], ...base, mixer_rms_eps: eps };
}

/**
 * The `lru` object: only LRU options, each of its type and range, r_min ≤ r_max once the defaults
 * fill the absent one, and only with mixer "lru". Returns a copy without undefined entries.
 */
function checkLru(value: unknown, mixer: unknown, where: string): LRUConfig {
  const known = `known: ${LRU_CONFIG_KEYS.join(', ')}`;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`${where}: lru must be an object of LRU options (${known}), got ${JSON.stringify(value)}`);
  }
  if (mixer !== 'lru') {
    throw new Error(`${where}: lru options are given but mixer is ${JSON.stringify(mixer)}; set "mixer": "lru" or remove "lru"`);
  }
  const o = Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined));
  for (const key of Object.keys(o)) {
    if (!(LRU_CONFIG_KEYS as readonly string[]).includes(key)) throw new Error(`${where}: lru.${key} is not an LRU option (${known})`);
  }
  const fail = (key: string, what: string) => new Error(`${where}: lru.${key} must be ${what}, got ${JSON.stringify(o[key])}`);
  const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
  if (o.state_size !== undefined && !(Number.isInteger(o.state_size) && (o.state_size as number) > 0)) throw fail('state_size', 'a positive integer');
  for (const key of ['r_min', 'r_max']) {
    if (o[key] !== undefined && !(isNum(o[key]) && o[key] >= 0 && o[key] < 1)) throw fail(key, 'a number in [0, 1)');
  }
  if (o.max_phase !== undefined && !(isNum(o.max_phase) && o.max_phase > 0)) throw fail('max_phase', 'a positive number');
  for (const key of ['stable_exp_param', 'ring_init', 'gamma_norm', 'complex']) {
    if (o[key] !== undefined && typeof o[key] !== 'boolean') throw fail(key, 'true or false');
  }
  const rMin = (o.r_min as number | undefined) ?? LRU_DEFAULTS.r_min;
  const rMax = (o.r_max as number | undefined) ?? LRU_DEFAULTS.r_max;
  if (rMin > rMax) throw new Error(`${where}: lru.r_min ${rMin} is above lru.r_max ${rMax} (absent ones default to ${LRU_DEFAULTS.r_min} and ${LRU_DEFAULTS.r_max})`);
  return o as LRUConfig;
}
