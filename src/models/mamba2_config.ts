// config.json of a Mamba2ForCausalLM (model_type "mamba2"), read as transformers' Mamba2Config
// reads it: absent keys take its defaults, the inner width is expand · hidden_size (a stored
// intermediate_size is not read by transformers, so not here either), and
// num_heads · head_dim must equal it. time_step_limit is [min, max] with max often infinite:
// transformers 4 writes it `[0.0, Infinity]` (Python's JSON, which src/io/config.ts reads),
// transformers 5 `{"__float__": "Infinity"}`; both arrive here as {"__float__": ...} or a number.
// Keys transformers reads but we do not use (time_step_rank, time_step_min/max/floor for init,
// residual_in_fp32, rms_norm, norm_before_gate, which the converter writes and nothing reads)
// are accepted and not kept.

/** config.json of a Mamba2ForCausalLM, with the sizes of the SSD mixer. */
export interface Mamba2Config {
  model_type: 'mamba2';
  architectures: string[];
  vocab_size: number;
  hidden_size: number; // D
  num_hidden_layers: number;
  expand: number;
  num_heads: number; // H, with num_heads · head_dim = I = expand · D, the inner width
  head_dim: number; // P
  n_groups: number; // G: B and C are shared by groups of H/G heads
  state_size: number; // N
  conv_kernel: number; // K
  chunk_size: number; // T of the chunked SSD algorithm
  time_step_limit: [number, number]; // Δ is clamped to it after the softplus
  layer_norm_epsilon: number;
  use_bias: boolean;
  use_conv_bias: boolean;
  tie_word_embeddings: boolean;
}

export type Mamba2ConfigInput = Pick<Mamba2Config, 'vocab_size' | 'hidden_size' | 'num_hidden_layers'> &
  Partial<Omit<Mamba2Config, 'model_type'>> & { model_type?: 'mamba2' };

/** transformers' Mamba2Config defaults for the sizes, used only for a config.json that lacks them. */
export const MAMBA2_FILE_SIZES = { vocab_size: 32768, hidden_size: 4096, num_hidden_layers: 64 };

/** A Python float as JSON: a number, or transformers 5's {"__float__": "Infinity" | "-Infinity" | "NaN"}. */
function pythonFloat(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 1) {
    const s = (v as Record<string, unknown>).__float__;
    if (s === 'Infinity') return Infinity;
    if (s === '-Infinity') return -Infinity;
    if (s === 'NaN') return NaN;
  }
  return undefined;
}

/**
 * transformers' defaults: num_heads 128, head_dim 64, n_groups 8, state_size 128, expand 2,
 * conv_kernel 4, chunk_size 256, time_step_limit [0, ∞], layer_norm_epsilon 1e-5, no bias in the
 * projections, bias in the conv, an untied head (tie_word_embeddings false: converted checkpoints
 * write the key, so it is read, never assumed).
 */
export function mamba2Config(raw: Record<string, unknown>, where: string): Mamba2Config {
  const posInt = (key: string, fallback?: number): number => {
    const v = raw[key] ?? fallback;
    if (v === undefined) throw new Error(`${where}: ${key} is missing`);
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) throw new Error(`${where}: ${key} must be a positive integer, got ${JSON.stringify(v)}`);
    return v;
  };
  const bool = (key: string, fallback: boolean): boolean => {
    const v = raw[key] ?? fallback;
    if (typeof v !== 'boolean') throw new Error(`${where}: ${key} must be true or false, got ${JSON.stringify(v)}`);
    return v;
  };
  if (raw.hidden_act !== undefined && raw.hidden_act !== 'silu') {
    throw new Error(`${where}: hidden_act ${JSON.stringify(raw.hidden_act)} is not supported (the Mamba-2 block uses "silu")`);
  }
  const D = posInt('hidden_size');
  const expand = raw.expand ?? 2;
  if (typeof expand !== 'number' || !(expand > 0) || !Number.isInteger(expand * D)) {
    throw new Error(`${where}: expand must be a positive number with expand · hidden_size an integer, got ${JSON.stringify(raw.expand)}`);
  }
  const I = expand * D;
  const H = posInt('num_heads', 128);
  const P = posInt('head_dim', 64);
  const G = posInt('n_groups', 8);
  if (H * P !== I) throw new Error(`${where}: num_heads ${H} × head_dim ${P} = ${H * P} must equal expand ${expand} × hidden_size ${D} = ${I}`);
  if (H % G !== 0) throw new Error(`${where}: num_heads ${H} must be a multiple of n_groups ${G} (each group's B and C serve num_heads / n_groups heads)`);
  const eps = raw.layer_norm_epsilon ?? 1e-5;
  if (typeof eps !== 'number' || !Number.isFinite(eps) || eps <= 0) throw new Error(`${where}: layer_norm_epsilon must be a positive number, got ${JSON.stringify(eps)}`);
  const limit = raw.time_step_limit ?? [0, Infinity];
  const [lo, hi] = Array.isArray(limit) && limit.length === 2 ? limit.map(pythonFloat) : [undefined, undefined];
  if (lo === undefined || hi === undefined || Number.isNaN(lo) || Number.isNaN(hi) || !(lo >= 0 && lo <= hi)) {
    throw new Error(`${where}: time_step_limit must be [min, max] with 0 ≤ min ≤ max (max may be Infinity), got ${JSON.stringify(raw.time_step_limit)}`);
  }
  return {
    model_type: 'mamba2',
    architectures: ['Mamba2ForCausalLM'],
    vocab_size: posInt('vocab_size'),
    hidden_size: D,
    num_hidden_layers: posInt('num_hidden_layers'),
    expand,
    num_heads: H,
    head_dim: P,
    n_groups: G,
    state_size: posInt('state_size', 128),
    conv_kernel: posInt('conv_kernel', 4),
    chunk_size: posInt('chunk_size', 256),
    time_step_limit: [lo, hi],
    layer_norm_epsilon: eps,
    use_bias: bool('use_bias', false),
    use_conv_bias: bool('use_conv_bias', true),
    tie_word_embeddings: bool('tie_word_embeddings', false),
  };
}
