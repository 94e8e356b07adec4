// The tensors a config describes, by Hugging Face name, with their shapes: computed from the
// config alone, without building the model. A loader checks a weights file against it before
// allocating anything (a crafted config.json with 10^6 layers or a 10^30 width must fail at once,
// naming the key), and `info` counts parameters from it. test/io/weight_shapes.test.ts checks each
// layout against the tensors the built model actually has.

import type { FalconMambaConfig, Mamba2Config, MambaConfig, ModelConfig } from './config.js';
import type { LlamaConfig } from './llama_config.js';

/** One tensor's shape; keys[i] names the config key(s) that set dimension i ('' for a constant). */
export interface ExpectedWeight {
  shape: number[];
  keys: string[];
  /** For a tensor that only some configs have: the key that asks for it. */
  because?: string;
}

/** The tensors of the model `config` describes, in the model's own order. */
export function expectedWeights(config: ModelConfig): Map<string, ExpectedWeight> {
  return (LAYOUTS[config.model_type] as (c: ModelConfig) => Map<string, ExpectedWeight>)(config);
}

/** Tensors a file may hold that the model ignores (HF writes a tied head in some files). */
export function ignoredWeights(config: ModelConfig): string[] {
  return config.tie_word_embeddings ? ['lm_head.weight'] : [];
}

type AddWeight = (name: string, dims: Array<[number, string]>, because?: string) => void;

/** An empty layout and the function that adds a tensor to it (dims: [size, config key] pairs). */
function newLayout(): [Map<string, ExpectedWeight>, AddWeight] {
  const out = new Map<string, ExpectedWeight>();
  const add: AddWeight = (name, dims, because) => {
    out.set(name, { shape: dims.map(([n]) => n), keys: dims.map(([, k]) => k), ...(because ? { because } : {}) });
  };
  return [out, add];
}

const LAYOUTS: { [T in ModelConfig['model_type']]: (c: Extract<ModelConfig, { model_type: T }>) => Map<string, ExpectedWeight> } = {
  mamba: mambaWeights,
  // The same tensors: its extra RMS norms have no weights.
  falcon_mamba: mambaWeights,
  mamba2: mamba2Weights,
  llama: llamaWeights,
};

/** Mamba2ForCausalLM (src/ssm/mamba2.ts): the Mamba backbone's names around the SSD mixer's tensors. */
function mamba2Weights(c: Mamba2Config): Map<string, ExpectedWeight> {
  const [out, add] = newLayout();
  const I = c.num_heads * c.head_dim;
  const convDim = I + 2 * c.n_groups * c.state_size;
  const V: [number, string] = [c.vocab_size, 'vocab_size'];
  const D: [number, string] = [c.hidden_size, 'hidden_size'];
  const H: [number, string] = [c.num_heads, 'num_heads'];
  const inner: [number, string] = [I, 'num_heads, head_dim'];
  const conv: [number, string] = [convDim, 'num_heads, head_dim, n_groups, state_size'];
  const proj: [number, string] = [I + convDim + c.num_heads, 'num_heads, head_dim, n_groups, state_size'];
  add('backbone.embeddings.weight', [V, D]);
  for (let i = 0; i < c.num_hidden_layers; i++) {
    const p = `backbone.layers.${i}.`;
    add(`${p}norm.weight`, [D]);
    add(`${p}mixer.dt_bias`, [H]);
    add(`${p}mixer.A_log`, [H]);
    add(`${p}mixer.D`, [H]);
    add(`${p}mixer.in_proj.weight`, [proj, D]);
    if (c.use_bias) add(`${p}mixer.in_proj.bias`, [proj], 'use_bias');
    add(`${p}mixer.conv1d.weight`, [conv, [1, ''], [c.conv_kernel, 'conv_kernel']]);
    if (c.use_conv_bias) add(`${p}mixer.conv1d.bias`, [conv], 'use_conv_bias');
    add(`${p}mixer.norm.weight`, [inner]);
    add(`${p}mixer.out_proj.weight`, [D, inner]);
    if (c.use_bias) add(`${p}mixer.out_proj.bias`, [D], 'use_bias');
  }
  add('backbone.norm_f.weight', [D]);
  if (!c.tie_word_embeddings) add('lm_head.weight', [V, D], 'tie_word_embeddings');
  return out;
}

/** LlamaForCausalLM (src/models/transformer.ts): projections [out, in], no biases. */
function llamaWeights(c: LlamaConfig): Map<string, ExpectedWeight> {
  const [out, add] = newLayout();
  const V: [number, string] = [c.vocab_size, 'vocab_size'];
  const D: [number, string] = [c.hidden_size, 'hidden_size'];
  const F: [number, string] = [c.intermediate_size, 'intermediate_size'];
  const Q: [number, string] = [c.num_attention_heads * c.head_dim, 'num_attention_heads, head_dim'];
  const KV: [number, string] = [c.num_key_value_heads * c.head_dim, 'num_key_value_heads, head_dim'];
  add('model.embed_tokens.weight', [V, D]);
  for (let i = 0; i < c.num_hidden_layers; i++) {
    const p = `model.layers.${i}.`;
    add(`${p}input_layernorm.weight`, [D]);
    add(`${p}self_attn.q_proj.weight`, [Q, D]);
    add(`${p}self_attn.k_proj.weight`, [KV, D]);
    add(`${p}self_attn.v_proj.weight`, [KV, D]);
    add(`${p}self_attn.o_proj.weight`, [D, Q]);
    add(`${p}post_attention_layernorm.weight`, [D]);
    add(`${p}mlp.gate_proj.weight`, [F, D]);
    add(`${p}mlp.up_proj.weight`, [F, D]);
    add(`${p}mlp.down_proj.weight`, [D, F]);
  }
  add('model.norm.weight', [D]);
  if (!c.tie_word_embeddings) add('lm_head.weight', [V, D], 'tie_word_embeddings');
  return out;
}

function mambaWeights(c: MambaConfig | FalconMambaConfig): Map<string, ExpectedWeight> {
  const [out, add] = newLayout();
  const V: [number, string] = [c.vocab_size, 'vocab_size'];
  const D: [number, string] = [c.hidden_size, 'hidden_size'];
  add('backbone.embeddings.weight', [V, D]);
  for (let i = 0; i < c.num_hidden_layers; i++) {
    const p = `backbone.layers.${i}.`;
    add(`${p}norm.weight`, [D]);
    mixerWeights(c, `${p}mixer.`, add);
    if (c.model_type === 'mamba' && c.bidirectional) mixerWeights(c, `${p}mixer_rev.`, add, 'bidirectional');
  }
  add('backbone.norm_f.weight', [D]);
  if (!c.tie_word_embeddings) add('lm_head.weight', [V, D], 'tie_word_embeddings');
  return out;
}

/** One mixer of a Mamba-family block (prefix `…mixer.`), every tensor asked for by `because` when given (a bidirectional block's second mixer). */
function mixerWeights(c: MambaConfig | FalconMambaConfig, p: string, addWeight: AddWeight, because?: string): void {
  const add: AddWeight = (name, dims, why) => addWeight(name, dims, why ?? because);
  const D: [number, string] = [c.hidden_size, 'hidden_size'];
  const E: [number, string] = [c.intermediate_size, 'intermediate_size'];
  const N: [number, string] = [c.state_size, 'state_size'];
  const K: [number, string] = [c.conv_kernel, 'conv_kernel'];
  const R: [number, string] = [c.time_step_rank, 'time_step_rank'];
  const two = (d: [number, string]): [number, string] => [2 * d[0], d[1]];
  if (c.model_type === 'mamba' && c.mixer === 'lru') return lruWeights(c, p, add);
  if (c.mixer === 's4d') {
    add(`${p}dt_low`, [R], 'mixer');
    add(`${p}B`, [N], 'mixer');
    add(`${p}C`, [N], 'mixer');
  }
  add(`${p}A_log`, [E, N]);
  add(`${p}D`, [E]);
  add(`${p}in_proj.weight`, [two(E), D]);
  if (c.use_bias) add(`${p}in_proj.bias`, [two(E)], 'use_bias');
  add(`${p}conv1d.weight`, [E, [1, ''], K]);
  if (c.use_conv_bias) add(`${p}conv1d.bias`, [E], 'use_conv_bias');
  if (c.mixer === 'mamba') add(`${p}x_proj.weight`, [[c.time_step_rank + 2 * c.state_size, 'time_step_rank, state_size'], E]);
  add(`${p}dt_proj.weight`, [E, R]);
  add(`${p}dt_proj.bias`, [E]);
  add(`${p}out_proj.weight`, [D, E]);
  if (c.use_bias) add(`${p}out_proj.bias`, [D], 'use_bias');
}

/** The LRU mixer (src/ssm/lru.ts): which λ parameterisation and which parts the switches keep. */
function lruWeights(c: MambaConfig, p: string, add: AddWeight): void {
  const o = c.lru ?? {};
  const D: [number, string] = [c.hidden_size, 'hidden_size'];
  const N: [number, string] = o.state_size === undefined ? [c.hidden_size, 'hidden_size'] : [o.state_size, 'lru.state_size'];
  const complex = o.complex ?? true;
  if (o.stable_exp_param ?? true) {
    add(`${p}nu_log`, [N]);
    if (complex) add(`${p}theta_log`, [N], 'lru.complex');
  } else {
    add(`${p}lambda_re`, [N], 'lru.stable_exp_param');
    if (complex) add(`${p}lambda_im`, [N], 'lru.complex');
  }
  if (o.gamma_norm ?? true) add(`${p}gamma_log`, [N], 'lru.gamma_norm');
  add(`${p}B_re`, [N, D]);
  if (complex) add(`${p}B_im`, [N, D], 'lru.complex');
  add(`${p}C_re`, [D, N]);
  if (complex) add(`${p}C_im`, [D, N], 'lru.complex');
  add(`${p}D`, [D]);
  for (const k of ['out1', 'out2']) {
    add(`${p}glu.${k}.weight`, [D, D]);
    add(`${p}glu.${k}.bias`, [D]);
  }
}
