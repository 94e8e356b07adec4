// createModel: the config's model_type picks the architecture behind the CausalLM interface.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createModel } from '../../src/models/create.js';
import { LanguageModel } from '../../src/models/language_model.js';
import { modelConfig } from '../../src/models/config.js';
import { generate } from '../../src/models/generate.js';

const config = modelConfig({ vocab_size: 9, hidden_size: 8, num_hidden_layers: 1, state_size: 4 });

test('a config without model_type, or with "mamba", builds the Mamba LanguageModel with the seeded weights', () => {
  const a = createModel(config, { seed: 2 });
  const b = createModel({ ...config, model_type: 'mamba' }, { seed: 2 });
  assert.ok(a instanceof LanguageModel && b instanceof LanguageModel);
  assert.deepEqual(a.weights().get('backbone.embeddings.weight')!.data, new LanguageModel(config, { seed: 2 }).weights().get('backbone.embeddings.weight')!.data);
  assert.deepEqual(b.weights().get('lm_head.weight'), undefined, 'tied head is not saved');
});

test('an unknown model_type is refused, naming the key and the known types', () => {
  assert.throws(() => createModel({ ...config, model_type: 'gpt2' }), /model_type "gpt2" is not supported \(known: "mamba"/);
});

test('generation runs through the CausalLM interface alone (prefill, then step on the opaque state)', () => {
  const model = createModel(config, { seed: 1 });
  const tokens = generate(model, Int32Array.of(1, 2, 3), { maxTokens: 4, temperature: 0 });
  assert.equal(tokens.length, 4);
  assert.ok(tokens.every((t) => t >= 0 && t < config.vocab_size));
});
