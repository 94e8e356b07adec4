// Weight decay is decided where each parameter is made (Module.param): matrices decay, vectors do
// not, and Mamba's A_log opts out. These are the groups the trainer's AdamW gets.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LanguageModel } from '../../src/models/language_model.js';
import { modelConfig } from '../../src/models/config.js';
import { paramGroupsForDecay } from '../../src/optim/index.js';

function groups(model: LanguageModel): { decay: string[]; noDecay: string[] } {
  const [decay, noDecay] = paramGroupsForDecay(model, 0.1);
  const layer0 = (names: (string | undefined)[]) => names.filter((n) => n && !/layers\.[1-9]/.test(n)).map((n) => n!.replace('backbone.', '')).sort();
  return { decay: layer0(decay.params.map((t) => t.name)), noDecay: layer0(noDecay.params.map((t) => t.name)) };
}

test('a Mamba model decays its projections, conv and embedding (and an untied head), not A_log, D, biases or norms', () => {
  const model = new LanguageModel(modelConfig({ vocab_size: 11, hidden_size: 8, num_hidden_layers: 2, state_size: 4, use_bias: true, tie_word_embeddings: false }));
  const { decay, noDecay } = groups(model);
  assert.deepEqual(decay, [
    'embeddings.weight', 'layers.0.mixer.conv1d.weight', 'layers.0.mixer.dt_proj.weight', 'layers.0.mixer.in_proj.weight',
    'layers.0.mixer.out_proj.weight', 'layers.0.mixer.x_proj.weight', 'lm_head.weight',
  ]);
  assert.deepEqual(noDecay, [
    'layers.0.mixer.A_log', 'layers.0.mixer.D', 'layers.0.mixer.conv1d.bias', 'layers.0.mixer.dt_proj.bias', 'layers.0.mixer.in_proj.bias',
    'layers.0.mixer.out_proj.bias', 'layers.0.norm.weight', 'norm_f.weight',
  ]);
});

test('an LRU model decays B, C and the GLU matrices, not its eigenvalue parameters, γ or D', () => {
  const model = new LanguageModel(modelConfig({ vocab_size: 11, hidden_size: 8, num_hidden_layers: 1, mixer: 'lru' }));
  const { decay, noDecay } = groups(model);
  assert.deepEqual(decay, [
    'embeddings.weight', 'layers.0.mixer.B_im', 'layers.0.mixer.B_re', 'layers.0.mixer.C_im', 'layers.0.mixer.C_re',
    'layers.0.mixer.glu.out1.weight', 'layers.0.mixer.glu.out2.weight',
  ]);
  assert.deepEqual(noDecay, [
    'layers.0.mixer.D', 'layers.0.mixer.gamma_log', 'layers.0.mixer.glu.out1.bias', 'layers.0.mixer.glu.out2.bias',
    'layers.0.mixer.nu_log', 'layers.0.mixer.theta_log', 'layers.0.norm.weight', 'norm_f.weight',
  ]);
});
