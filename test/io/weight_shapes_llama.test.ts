// The Llama tensor layout computed from a config alone is the layout of the TransformerLM built.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { modelConfig } from '../../src/models/config.js';
import { createModel } from '../../src/models/create.js';
import { expectedWeights } from '../../src/models/weight_shapes.js';

const base = { model_type: 'llama' as const, vocab_size: 11, hidden_size: 8, intermediate_size: 12, num_hidden_layers: 2, num_attention_heads: 2 };
for (const v of [{}, { num_key_value_heads: 1, tie_word_embeddings: true }, { head_dim: 6 }]) {
  test(`the expected tensors of the Llama ${JSON.stringify(v)} are the built model's, name for name and shape for shape`, () => {
    const config = modelConfig({ ...base, ...v });
    const built = [...createModel(config).weights()].map(([name, t]) => [name, t.shape]);
    const expected = [...expectedWeights(config)].map(([name, e]) => [name, e.shape]);
    assert.deepEqual(expected, built);
  });
}
