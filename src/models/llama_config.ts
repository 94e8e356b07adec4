// The Transformer++ configuration in Hugging Face's LlamaConfig layout (config.json of a
// LlamaForCausalLM folder), parsed, validated and completed with transformers' defaults:
//   num_key_value_heads absent → num_attention_heads; head_dim absent → hidden / heads (which
//   must divide, as transformers v5 requires); rms_norm_eps 1e-6; tie_word_embeddings false;
//   rope_theta 10000, read top-level (transformers ≤ 4) or from rope_parameters (v5).
// What mamba-ts does not implement is refused with the key named: rope types other than
// "default" (rope_scaling, rope_parameters.rope_type), hidden_act other than "silu", biases.
// Keys of LlamaConfig we have no use for (bos_token_id, initializer_range, ...) are accepted and
// not kept. `bidirectional` is ours (as on the Mamba family's configs): attention without the
// causal mask, for classifiers; transformers does not read it.

import type { CausalLMConfig } from './causal_lm.js';

export interface LlamaConfig extends CausalLMConfig {
  model_type: 'llama';
  architectures: ['LlamaForCausalLM'];
  vocab_size: number; // V
  hidden_size: number; // D
  intermediate_size: number; // F, the SwiGLU MLP's width
  num_hidden_layers: number;
  num_attention_heads: number; // H
  num_key_value_heads: number; // Hkv (GQA when < H)
  head_dim: number; // d
  rms_norm_eps: number;
  rope_theta: number;
  max_position_embeddings: number;
  tie_word_embeddings: boolean;
  hidden_act: 'silu';
  attention_bias: false;
  mlp_bias: false;
  /** Ours: every token attends to every real token of its row (a classifier's encoder; kept only when true). */
  bidirectional?: true;
}

/** The sizes are required; everything else takes transformers' LlamaConfig default. */
export type LlamaConfigInput = Pick<LlamaConfig, 'vocab_size' | 'hidden_size' | 'intermediate_size' | 'num_hidden_layers' | 'num_attention_heads'> &
  Partial<Omit<LlamaConfig, 'model_type' | 'architectures' | 'bidirectional'>> & { model_type?: 'llama'; architectures?: string[]; bidirectional?: boolean };

export const LLAMA_DEFAULTS = { rms_norm_eps: 1e-6, rope_theta: 10000, max_position_embeddings: 2048, tie_word_embeddings: false };

/** Validates and completes a Llama config; errors start with `where` and name the key. */
export function llamaConfig(c: LlamaConfigInput, where = 'llamaConfig'): LlamaConfig {
  const o = c as unknown as Record<string, unknown>;
  const fail = (key: string, what: string) => new Error(`${where}: ${key} must be ${what}, got ${JSON.stringify(o[key])}`);
  const posInt = (key: string, optional = false): number | undefined => {
    const v = o[key];
    if (v === undefined || v === null) {
      if (optional) return undefined;
      throw new Error(`${where}: ${key} is missing`);
    }
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) throw fail(key, 'a positive integer');
    return v;
  };
  const positive = (key: string): number | undefined => {
    const v = o[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw fail(key, 'a positive number');
    return v;
  };
  if (o.model_type !== undefined && o.model_type !== 'llama') throw fail('model_type', '"llama"');
  const V = posInt('vocab_size')!, D = posInt('hidden_size')!, F = posInt('intermediate_size')!;
  const layers = posInt('num_hidden_layers')!, H = posInt('num_attention_heads')!;
  const Hkv = posInt('num_key_value_heads', true) ?? H;
  if (H % Hkv !== 0) throw new Error(`${where}: num_attention_heads ${H} is not a multiple of num_key_value_heads ${Hkv}`);
  let d = posInt('head_dim', true);
  if (d === undefined) {
    if (D % H !== 0) throw new Error(`${where}: hidden_size ${D} is not divisible by num_attention_heads ${H}; give head_dim`);
    d = D / H;
  }
  if (d % 2 !== 0) throw new Error(`${where}: head_dim ${d} must be even (rotary embeddings pair dimension i with i + head_dim/2)`);
  if (o.hidden_act !== undefined && o.hidden_act !== 'silu') throw fail('hidden_act', '"silu" (the SwiGLU MLP; others are not implemented)');
  for (const key of ['attention_bias', 'mlp_bias']) {
    if (o[key] !== undefined && o[key] !== false) throw fail(key, 'false (Llama projections without biases; biases are not implemented)');
  }
  for (const key of ['tie_word_embeddings', 'bidirectional']) if (o[key] !== undefined && typeof o[key] !== 'boolean') throw fail(key, 'true or false');
  const config: LlamaConfig = {
    model_type: 'llama',
    architectures: ['LlamaForCausalLM'],
    vocab_size: V,
    hidden_size: D,
    intermediate_size: F,
    num_hidden_layers: layers,
    num_attention_heads: H,
    num_key_value_heads: Hkv,
    head_dim: d,
    rms_norm_eps: positive('rms_norm_eps') ?? LLAMA_DEFAULTS.rms_norm_eps,
    rope_theta: ropeTheta(o, where),
    max_position_embeddings: posInt('max_position_embeddings', true) ?? LLAMA_DEFAULTS.max_position_embeddings,
    tie_word_embeddings: (o.tie_word_embeddings as boolean | undefined) ?? LLAMA_DEFAULTS.tie_word_embeddings,
    hidden_act: 'silu',
    attention_bias: false,
    mlp_bias: false,
  };
  if (o.bidirectional === true) config.bidirectional = true;
  return config;
}

/**
 * rope_theta from the top level (transformers ≤ 4) or rope_parameters (v5, which still reads the
 * top-level key); only the default rope (no scaling) is implemented.
 */
function ropeTheta(o: Record<string, unknown>, where: string): number {
  const type = (v: unknown): unknown => (typeof v === 'object' && v !== null ? ((v as Record<string, unknown>).rope_type ?? (v as Record<string, unknown>).type) : v);
  if (o.rope_scaling !== undefined && o.rope_scaling !== null && type(o.rope_scaling) !== 'default') {
    throw new Error(`${where}: rope_scaling ${JSON.stringify(o.rope_scaling)} is not supported (only the default rotary embedding, rope_type "default")`);
  }
  const params = o.rope_parameters;
  let theta: unknown = o.rope_theta;
  if (params !== undefined && params !== null) {
    if (typeof params !== 'object' || Array.isArray(params)) throw new Error(`${where}: rope_parameters must be an object, got ${JSON.stringify(params)}`);
    const p = params as Record<string, unknown>;
    if (p.rope_type !== undefined && p.rope_type !== 'default') {
      throw new Error(`${where}: rope_parameters.rope_type ${JSON.stringify(p.rope_type)} is not supported (only "default")`);
    }
    theta ??= p.rope_theta;
  }
  if (theta === undefined || theta === null) return LLAMA_DEFAULTS.rope_theta;
  if (typeof theta !== 'number' || !Number.isFinite(theta) || theta <= 0) throw new Error(`${where}: rope_theta must be a positive number, got ${JSON.stringify(theta)}`);
  return theta;
}

/** Parses a config.json object of model_type "llama"; `label` names the file in errors. */
export function parseLlamaConfig(json: unknown, label = 'config.json'): LlamaConfig {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error(`${label}: expected a JSON object`);
  return llamaConfig({ ...json, model_type: 'llama' } as LlamaConfigInput, label);
}
