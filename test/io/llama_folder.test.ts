// A Llama folder (config.json with model_type "llama" + model.safetensors in the Hugging Face
// LlamaForCausalLM names) written and read through the checkpoint code, and refused clearly when
// a tensor is missing or has the wrong shape.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { saveCheckpoint, loadCheckpoint } from '../../src/io/checkpoint.js';
import { loadModelFolder } from '../../src/io/model_folder.js';
import { loadSafetensors, saveSafetensors } from '../../src/io/safetensors.js';
import { TransformerLM } from '../../src/models/transformer.js';
import { llamaConfig } from '../../src/models/llama_config.js';
import { noGrad } from '../../src/autograd/tape.js';
import { assertClose } from '../helpers.js';

const cfg = llamaConfig({ vocab_size: 10, hidden_size: 12, intermediate_size: 20, num_hidden_layers: 2, num_attention_heads: 3, num_key_value_heads: 1, rope_theta: 1000 });

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'mamba-ts-llama-'));
}

test('a Transformer++ saved as a Llama folder has the exact HF config and tensor names, and loads back to the same logits', () => {
  const dir = tmp();
  const model = new TransformerLM(cfg, { seed: 5 });
  saveCheckpoint(dir, { config: model.config, weights: model.weights() });
  const json = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
  assert.deepEqual(json.architectures, ['LlamaForCausalLM']);
  assert.equal(json.model_type, 'llama');
  for (const key of ['vocab_size', 'hidden_size', 'intermediate_size', 'num_hidden_layers', 'num_attention_heads', 'num_key_value_heads', 'head_dim', 'rms_norm_eps', 'rope_theta', 'max_position_embeddings', 'tie_word_embeddings', 'hidden_act', 'attention_bias', 'mlp_bias']) {
    assert.ok(key in json, `config.json has ${key}`);
  }
  const file = loadSafetensors(path.join(dir, 'model.safetensors'));
  assert.equal(file.metadata.format, 'pt', 'transformers refuses safetensors without format "pt"');
  const names = [...file.tensors.keys()].sort();
  assert.ok(names.includes('model.layers.1.self_attn.k_proj.weight') && names.includes('lm_head.weight') && names.includes('model.norm.weight'));
  assert.equal(names.length, 3 + 2 * 9);
  const { model: loaded } = loadModelFolder(dir, { requireTokenizer: false });
  assert.ok(loaded instanceof TransformerLM);
  const ids = Int32Array.of(1, 4, 9, 0, 3);
  assertClose(noGrad(() => loaded.forward(ids, 1, 5)).data, noGrad(() => model.forward(ids, 1, 5)).data, 0, 0);
});

test('a Llama folder with a missing or misshapen tensor fails naming the tensor', () => {
  const dir = tmp();
  const model = new TransformerLM(cfg);
  saveCheckpoint(dir, { config: model.config, weights: model.weights() });
  const file = path.join(dir, 'model.safetensors');
  const tensors = loadSafetensors(file).tensors;
  const without = new Map(tensors);
  without.delete('model.layers.1.mlp.up_proj.weight');
  saveSafetensors(file, without, { format: 'pt' });
  assert.throws(() => loadModelFolder(dir, { requireTokenizer: false }), /model\.layers\.1\.mlp\.up_proj\.weight/);
  const wrong = new Map(tensors);
  wrong.set('model.layers.0.self_attn.v_proj.weight', { shape: [12, 12], data: new Float32Array(144) });
  saveSafetensors(file, wrong, { format: 'pt' });
  assert.throws(() => loadModelFolder(dir, { requireTokenizer: false }), /model\.layers\.0\.self_attn\.v_proj\.weight has shape \[12, 12\], .*config\.json expects \[4, 12\] \(num_key_value_heads, head_dim\)/);
});

test('the golden Llama folder loads through the model folder code, chosen by its config', () => {
  const dir = path.join(process.cwd(), 'test', 'fixtures', 'golden', 'llama-tiny');
  const { model } = loadModelFolder(dir, { requireTokenizer: false });
  assert.ok(model instanceof TransformerLM);
  assert.equal(loadCheckpoint(dir).config.model_type, 'llama');
});
