// The tensor layout computed from a config alone (src/models/weight_shapes.ts), which the loader
// checks files against before building anything, is the layout of the model actually built.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { modelConfig, type MambaConfigInput } from '../../src/models/config.js';
import { createModel } from '../../src/models/create.js';
import { expectedWeights } from '../../src/models/weight_shapes.js';

const base = { vocab_size: 11, hidden_size: 8, num_hidden_layers: 2, state_size: 4 };
const variants: Array<Partial<MambaConfigInput>> = [
  {},
  { mixer: 's4d' },
  { use_bias: true, use_conv_bias: false, tie_word_embeddings: false },
  { mixer: 's4d', use_bias: true, conv_kernel: 3, expand: 3, time_step_rank: 5 },
  { intermediate_size: 12, time_step_rank: 3 },
  { mixer: 'lru' },
  { mixer: 'lru', lru: { state_size: 3 } },
  { mixer: 'lru', lru: { complex: false } },
  { mixer: 'lru', lru: { stable_exp_param: false, gamma_norm: false, state_size: 5 } },
  { mixer: 'lru', lru: { stable_exp_param: false, complex: false }, tie_word_embeddings: false },
  { bidirectional: true },
  { mixer: 's4d', bidirectional: true, use_bias: true },
  { mixer: 'lru', bidirectional: true, lru: { complex: false } },
];

for (const v of variants) {
  test(`the expected tensors of ${JSON.stringify(v)} are the built model's, name for name and shape for shape`, () => {
    const config = modelConfig({ ...base, ...v });
    const built = [...createModel(config).weights()].map(([name, t]) => [name, t.shape]);
    const expected = [...expectedWeights(config)].map(([name, e]) => [name, e.shape]);
    assert.deepEqual(expected, built);
  });
}
