// config.json in the Hugging Face MambaConfig layout, so that folders move between mamba-ts and
// transformers' MambaForCausalLM unchanged. `mixer` is our extra key: it selects the sequence
// mixer of every block for this project's other block kinds (and `lru`, for mixer "lru", holds the
// LRU's options). transformers keeps unknown keys as plain attributes and ignores them, so a file
// with `"mixer": "mamba"` still loads there; other mixers have no Hugging Face counterpart. Keys we
// do not know (HF's pad_token_id, hidden_act, time_step_min, ...) are accepted on read and not
// kept: HF's defaults for them are what we implement.

import fs from 'node:fs';
import { writeJsonAtomic } from './atomic.js';
import { LRU_CONFIG_KEYS, LRU_DEFAULTS, LRUConfig, MIXER_KINDS, MixerKind, ModelConfig, modelConfig } from '../models/config.js';

/** config.json as written: the model's config plus the two keys transformers needs to pick the class. */
export type MambaConfig = ModelConfig & { model_type: 'mamba'; architectures: string[]; mixer: MixerKind };

/** The three sizes are required; everything else defaults as in the paper and HF's MambaConfig. */
export type MambaConfigInput = Pick<MambaConfig, 'vocab_size' | 'hidden_size' | 'num_hidden_layers'> &
  Partial<Omit<MambaConfig, 'model_type' | 'architectures' | 'time_step_rank'>> & { time_step_rank?: number | 'auto' };

/**
 * Fills the defaults: N = 16, K = 4, expand 2, E = expand·D, R = ceil(D/16) (also for "auto"),
 * eps 1e-5, no bias in the linear layers, bias in the conv, tied embeddings, mixer "mamba".
 * Validates the result; errors start with `where`.
 */
export function mambaConfig(c: MambaConfigInput, where = 'mambaConfig'): MambaConfig {
  const raw = c as unknown as Record<string, unknown>;
  const posInt = (key: string): void => {
    const v = raw[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
      throw new Error(`${where}: ${key} must be a positive integer, got ${JSON.stringify(v)}`);
    }
  };
  const bool = (key: string): void => {
    if (raw[key] !== undefined && typeof raw[key] !== 'boolean') {
      throw new Error(`${where}: ${key} must be true or false, got ${JSON.stringify(raw[key])}`);
    }
  };
  const optPosInt = (key: string): void => {
    if (raw[key] !== undefined) posInt(key);
  };
  for (const key of ['vocab_size', 'hidden_size', 'num_hidden_layers']) posInt(key);
  for (const key of ['state_size', 'conv_kernel', 'expand', 'intermediate_size']) optPosInt(key);
  for (const key of ['use_bias', 'use_conv_bias', 'tie_word_embeddings']) bool(key);
  if (c.time_step_rank !== 'auto') optPosInt('time_step_rank');
  const eps = c.layer_norm_epsilon;
  if (eps !== undefined && (typeof eps !== 'number' || !Number.isFinite(eps) || eps <= 0)) {
    throw new Error(`${where}: layer_norm_epsilon must be a positive number, got ${JSON.stringify(eps)}`);
  }
  if (c.mixer !== undefined && !(MIXER_KINDS as readonly unknown[]).includes(c.mixer)) {
    throw new Error(`${where}: mixer must be one of ${MIXER_KINDS.map((m) => `"${m}"`).join(', ')}, got ${JSON.stringify(c.mixer)}`);
  }

  const lru = c.lru === undefined ? {} : { lru: checkLru(c.lru, c.mixer, where) };

  const { time_step_rank, ...rest } = c;
  const filled = modelConfig({ ...rest, ...lru, ...(time_step_rank === 'auto' || time_step_rank === undefined ? {} : { time_step_rank }) });
  return { model_type: 'mamba', architectures: ['MambaForCausalLM'], ...filled, mixer: filled.mixer ?? 'mamba' };
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
    throw new Error(`${where}: lru options are given but mixer is ${JSON.stringify(mixer ?? 'mamba')}; set "mixer": "lru" or remove "lru"`);
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

/** Parses and validates a config.json object; `label` names the file in errors. */
export function parseConfig(json: unknown, label = 'config.json'): MambaConfig {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error(`${label}: expected a JSON object`);
  const o = json as Record<string, unknown>;
  if (o.model_type !== undefined && o.model_type !== 'mamba') {
    throw new Error(`${label}: model_type is ${JSON.stringify(o.model_type)}, only "mamba" (MambaForCausalLM) is supported`);
  }
  if (o.hidden_size === undefined && o.d_model !== undefined) {
    // The original state-spaces/mamba checkpoints use mamba_ssm's own keys, not transformers'.
    throw new Error(`${label}: uses the original mamba_ssm keys (d_model, n_layer); use the Hugging Face "-hf" version of the checkpoint`);
  }
  for (const key of ['vocab_size', 'hidden_size', 'num_hidden_layers']) {
    if (o[key] === undefined) throw new Error(`${label}: ${key} is missing`);
  }
  return mambaConfig(o as unknown as MambaConfigInput, label);
}

export function readConfig(path: string): MambaConfig {
  if (!fs.existsSync(path)) throw new Error(`${path}: file not found`);
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`${path}: invalid JSON (${(err as Error).message})`);
  }
  return parseConfig(json, path);
}

export function writeConfig(path: string, cfg: MambaConfig): void {
  writeJsonAtomic(path, mambaConfig(cfg, 'writeConfig'));
}
