// The Llama config: transformers' defaults and the rules for what mamba-ts implements.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { llamaConfig, parseLlamaConfig } from '../../src/models/llama_config.js';

const sizes = { vocab_size: 96, hidden_size: 64, intermediate_size: 128, num_hidden_layers: 2, num_attention_heads: 4 };

test('absent keys take transformers defaults: kv heads = heads, head_dim = hidden / heads, eps 1e-6, untied, theta 10000', () => {
  const c = llamaConfig(sizes);
  assert.equal(c.num_key_value_heads, 4);
  assert.equal(c.head_dim, 16);
  assert.equal(c.rms_norm_eps, 1e-6);
  assert.equal(c.tie_word_embeddings, false);
  assert.equal(c.rope_theta, 10000);
  assert.deepEqual(c.architectures, ['LlamaForCausalLM']);
  assert.equal(c.model_type, 'llama');
});

test('rope_theta is read at the top level (transformers 4) or from rope_parameters (transformers 5)', () => {
  assert.equal(llamaConfig({ ...sizes, rope_theta: 500000 }).rope_theta, 500000);
  assert.equal(parseLlamaConfig({ ...sizes, rope_parameters: { rope_type: 'default', rope_theta: 1e6 } }).rope_theta, 1e6);
});

test('other rope types, activations, biases and heads that do not divide are refused, naming the key', () => {
  assert.throws(() => parseLlamaConfig({ ...sizes, rope_scaling: { rope_type: 'llama3', factor: 8 } }, 'x/config.json'), /x\/config.json: rope_scaling .* not supported/);
  assert.throws(() => parseLlamaConfig({ ...sizes, rope_parameters: { rope_type: 'yarn', rope_theta: 1e4 } }), /rope_parameters.rope_type "yarn"/);
  assert.throws(() => parseLlamaConfig({ ...sizes, hidden_act: 'gelu' }), /hidden_act must be "silu"/);
  assert.throws(() => parseLlamaConfig({ ...sizes, attention_bias: true }), /attention_bias must be false/);
  assert.throws(() => parseLlamaConfig({ ...sizes, num_key_value_heads: 3 }), /num_attention_heads 4 is not a multiple of num_key_value_heads 3/);
  assert.throws(() => parseLlamaConfig({ ...sizes, hidden_size: 66 }), /hidden_size 66 is not divisible by num_attention_heads 4/);
  assert.throws(() => parseLlamaConfig({ ...sizes, intermediate_size: undefined }), /intermediate_size is missing/);
  assert.equal(parseLlamaConfig({ ...sizes, hidden_size: 66, head_dim: 8 }).head_dim, 8);
});
