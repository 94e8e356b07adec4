// The sequence classifier over a backbone (LRA ListOps' head): it pools the last real token or the
// mean over the real tokens, so right padding changes nothing; its gradients match finite
// differences; it learns a toy task; and it saves in the *ForSequenceClassification layout and
// reloads to the same logits.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backward } from '../../src/autograd/tape.js';
import { bidirectionalConfig, modelConfig, ModelConfig, MIXER_KINDS } from '../../src/models/config.js';
import { SequenceClassifier, CLASSIFIER_POOLINGS, type ClassifierPooling } from '../../src/models/classifier.js';
import { saveClassifier, loadClassifier } from '../../src/io/classifier_folder.js';
import { Rng } from '../../src/tensor/random.js';
import { createOptimizer, optimizerStep } from '../../src/train/step.js';
import { assertClose } from '../helpers.js';

const work = mkdtempSync(join(tmpdir(), 'mamba-ts-classifier-'));
after(() => rmSync(work, { recursive: true, force: true }));

const mamba = modelConfig({ vocab_size: 8, hidden_size: 8, num_hidden_layers: 2, state_size: 4 });
const llama = modelConfig({ model_type: 'llama', vocab_size: 8, hidden_size: 8, intermediate_size: 16, num_hidden_layers: 2, num_attention_heads: 2, tie_word_embeddings: true });
const classifier = (config: ModelConfig, seed = 0, pooling?: ClassifierPooling) => new SequenceClassifier(config, { numLabels: 3, padId: 0, seed, pooling });
/** Bidirectional backbones (config `bidirectional`): each Mamba-family block also reads every row backwards from its last real token; Llama attends without the causal mask. */
const bidirectional = [
  ...MIXER_KINDS.map((mixer) => modelConfig({ vocab_size: 8, hidden_size: 8, num_hidden_layers: 2, state_size: 4, mixer, bidirectional: true })),
  bidirectionalConfig(llama),
];
const nameOf = (c: ModelConfig) => (c.model_type === 'mamba' && c.bidirectional ? `bidirectional ${c.mixer}` : c.model_type === 'llama' && c.bidirectional ? 'bidirectional llama' : c.model_type);
const cases = [mamba, llama, ...bidirectional].flatMap((config) => CLASSIFIER_POOLINGS.map((pooling) => ({ config, pooling, name: `${nameOf(config)}, ${pooling} pooling` })));

test('the head reads the tokens up to the last that is not padding: right padding leaves every logit unchanged', () => {
  for (const { config, pooling, name } of cases) {
    const model = classifier(config, 0, pooling);
    const short = model.forward(Int32Array.of(3, 4, 5, 1), 1, 4).data; // [1, 3]
    const padded = model.forward(Int32Array.of(3, 4, 5, 1, 0, 0, 0, 0, 2, 2, 2, 2, 2, 1, 0, 0), 2, 8).data; // [2, 3]
    assertClose(padded.subarray(0, 3), short, 1e-5, 1e-5, `${name}: row 0`);
    assert.deepEqual(Array.from(model.lastPositions(Int32Array.of(3, 4, 5, 1, 0, 0, 0, 0, 2, 2, 2, 2, 2, 1, 0, 0), 2, 8)), [3, 5]);
    assert.throws(() => model.forward(Int32Array.of(0, 0), 1, 2), /row 0 of the batch is all padding \(pad_token_id 0\)/);
  }
});

test('mean pooling scores the average of the final-norm features over the real tokens, last pooling the last one', () => {
  for (const { config, pooling, name } of cases) {
    const model = classifier(config, 1, pooling);
    const ids = Int32Array.of(3, 4, 5, 6, 1);
    const h = model.lm.features(ids, 1, 5).data; // [1, 5, D]
    const D = config.hidden_size;
    const pooled = new Float64Array(D);
    for (let d = 0; d < D; d++) pooled[d] = pooling === 'last' ? h[4 * D + d] : [0, 1, 2, 3, 4].reduce((a, t) => a + h[t * D + d], 0) / 5;
    const score = model.score.weight.data; // [3, D]
    const expected = [0, 1, 2].map((c) => pooled.reduce((a, x, d) => a + x * score[c * D + d], 0));
    assertClose(model.forward(ids, 1, 5).data, Float32Array.from(expected), 1e-5, 1e-5, name);
  }
  assert.throws(() => classifier(mamba, 0, 'max' as ClassifierPooling), /classifier_pooling must be one of last, mean, got "max"/);
});

test('the loss gradient of the score and of the backbone matches central finite differences', () => {
  for (const { config, pooling, name: what } of cases) {
    const model = classifier(config, 2, pooling);
    const ids = Int32Array.of(3, 4, 5, 1, 0, 2, 6, 7, 2, 1);
    const labels = Int32Array.of(2, 0);
    model.zeroGrad();
    backward(model.loss(ids, labels, 2, 5));
    const params = model.namedParameters();
    // A bidirectional backbone: also a weight of the first block's backwards mixer (row 0 is padded, so its flip stops short of the row's end).
    const reverse = params.find(([n]) => n.startsWith('backbone.layers.0.mixer_rev.') && n.endsWith('weight'))?.[0];
    for (const name of ['score.weight', config.model_type === 'llama' ? 'model.embed_tokens.weight' : 'backbone.embeddings.weight', ...(reverse ? [reverse] : [])]) {
      const p = params.find(([n]) => n === name)![1];
      for (const i of [0, 5, p.size - 1]) {
        const keep = p.data[i];
        const h = 1e-3;
        p.data[i] = keep + h;
        const up = model.loss(ids, labels, 2, 5).item();
        p.data[i] = keep - h;
        const down = model.loss(ids, labels, 2, 5).item();
        p.data[i] = keep;
        // f32 forward: central differences with h 1e-3 agree to about 1e-3 (with 1e-2 the curvature of a fresh S4D block costs 4e-3).
        assert.ok(Math.abs((up - down) / (2 * h) - p.grad![i]) < 2e-3, `${what} ${name}[${i}]: fd ${(up - down) / (2 * h)} vs ${p.grad![i]}`);
      }
    }
  }
});

test('a Mamba classifier learns which of three tokens a padded sequence starts with, with either pooling', () => {
  for (const pooling of CLASSIFIER_POOLINGS) learnsFirstToken(pooling);
});

function learnsFirstToken(pooling: ClassifierPooling): void {
  const model = classifier(mamba, 3, pooling);
  const opt = createOptimizer(model, { steps: 60, lr: 1e-2, minLr: 1e-3, warmupSteps: 5, weightDecay: 0 });
  const rng = new Rng(7);
  const batch = (B: number) => {
    const L = 8;
    const inputs = new Int32Array(B * L);
    const targets = new Int32Array(B);
    for (let b = 0; b < B; b++) {
      targets[b] = rng.int(3);
      const n = 3 + rng.int(L - 3); // real tokens, then padding
      inputs[b * L] = 2 + targets[b];
      for (let t = 1; t < n; t++) inputs[b * L + t] = 5 + rng.int(3);
      inputs[b * L + n - 1] = 1;
    }
    return { inputs, targets, batch: B, length: L };
  };
  let last = Infinity;
  for (let step = 0; step < 60; step++) last = optimizerStep(model, opt, step, batch(16), 1, '').loss;
  const test = batch(64);
  const logits = model.forward(test.inputs, 64, test.length).data;
  let right = 0;
  for (let b = 0; b < 64; b++) {
    const row = Array.from(logits.subarray(3 * b, 3 * b + 3));
    if (row.indexOf(Math.max(...row)) === test.targets[b]) right++;
  }
  assert.ok(last < 0.3, `${pooling} pooling: final training loss ${last}`);
  assert.ok(right / 64 > 0.9, `${pooling} pooling: accuracy ${right}/64`);
}

test('a saved classifier has the Hugging Face classification layout and reloads to the same logits', () => {
  for (const { config, pooling } of cases) {
    const model = classifier(config, 4, pooling);
    const dir = join(work, `${nameOf(config).replace(' ', '-')}-${pooling}`);
    saveClassifier(dir, model);
    const json = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    assert.deepEqual(json.architectures, [config.model_type === 'llama' ? 'LlamaForSequenceClassification' : 'MambaForSequenceClassification']);
    assert.equal(json.num_labels, 3);
    assert.equal(json.pad_token_id, 0);
    assert.equal(json.classifier_pooling, pooling);
    const names = [...model.weights().keys()];
    assert.ok(names.includes('score.weight'));
    assert.ok(names.every((n) => n.startsWith(config.model_type === 'llama' ? 'model.' : 'backbone.') || n === 'score.weight'), names.join(', '));
    const back = loadClassifier(dir);
    const ids = Int32Array.of(3, 4, 5, 6, 1);
    assert.deepEqual(Array.from(back.forward(ids, 1, 5).data), Array.from(model.forward(ids, 1, 5).data));
  }
  assert.throws(() => loadClassifier(join(work, 'missing')), /config\.json: file not found/);
});

test('a classifier folder without classifier_pooling pools the last token; an unknown pooling is refused naming the file', () => {
  const dir = join(work, 'mamba-last');
  const file = join(dir, 'config.json');
  const { classifier_pooling, ...json } = JSON.parse(readFileSync(file, 'utf8'));
  assert.equal(classifier_pooling, 'last');
  writeFileSync(file, JSON.stringify(json));
  assert.equal(loadClassifier(dir).config.classifier_pooling, 'last');
  writeFileSync(file, JSON.stringify({ ...json, classifier_pooling: 'cls' }));
  assert.throws(() => loadClassifier(dir), /mamba-last\/config\.json: classifier_pooling must be one of "last", "mean", got "cls"/);
});
