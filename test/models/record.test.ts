// record(): a forward pass that also returns what the browser lab draws (Δ, state norms, the gate,
// attention weights), checked against quantities the model computes by its own paths: the final
// state a stateful forward leaves, the logits of a plain forward, causality.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LanguageModel } from '../../src/models/language_model.js';
import { TransformerLM } from '../../src/models/transformer.js';
import { modelConfig, type BackboneConfig } from '../../src/models/config.js';
import { llamaConfig } from '../../src/models/llama_config.js';
import { record, lruEigenvalues, type RecordName } from '../../src/models/record.js';
import { noGrad } from '../../src/autograd/tape.js';
import { Rng } from '../../src/tensor/random.js';
import { blellochScan, sequentialScan, type BlellochRound } from '../../src/kernels/scan/index.js';
import { assertClose } from '../helpers.js';

const V = 13;
const mamba = modelConfig({ vocab_size: V, hidden_size: 8, num_hidden_layers: 2, state_size: 4 }); // E 16
const lru = modelConfig({ vocab_size: V, hidden_size: 8, num_hidden_layers: 2, mixer: 'lru', lru: { state_size: 6 } });
const ALL: RecordName[] = ['delta', 'stateNorm', 'gate', 'attention'];

function ids(n: number, seed: number): Int32Array {
  const r = new Rng(seed);
  return Int32Array.from({ length: n }, () => Math.floor(r.next() * V));
}

function norm(x: Float32Array, from = 0, to = x.length): number {
  let s = 0;
  for (let i = from; i < to; i++) s += x[i] * x[i];
  return Math.sqrt(s);
}

test('recording a Mamba model gives Δ and the gate per token × channel and the state norm per token, in every layer, and the same logits', () => {
  const model = new LanguageModel(mamba, { seed: 1 });
  const x = ids(2 * 9, 1);
  const { logits, layers } = record(model, x, 2, 9, { record: ALL });
  assertClose(logits.data, noGrad(() => model.forward(x, 2, 9)).data, 1e-6, 1e-6, 'logits');
  assert.equal(layers.length, 2);
  for (const layer of layers) {
    assert.deepEqual(layer.delta!.shape, [2, 9, 16]);
    assert.deepEqual(layer.gate!.shape, [2, 9, 16]);
    assert.deepEqual(layer.stateNorm!.shape, [2, 9]);
    assert.equal(layer.attention, undefined, 'an SSM layer has no attention weights');
    assert.ok(layer.delta!.data.every((d) => d > 0), 'Δ = softplus(·) is positive');
    assert.ok(layer.gate!.data.every((g) => g > -0.28), 'SiLU is bounded below by −0.278');
  }
});

test('the last recorded state norm of each sequence is the norm of the state a stateful forward leaves behind', () => {
  const model = new LanguageModel(mamba, { seed: 2 });
  const x = ids(2 * 7, 2);
  const state = model.initState(2);
  noGrad(() => model.forward(x, 2, 7, state));
  const { layers } = record(model, x, 2, 7, { record: ['stateNorm'] });
  const EN = 16 * 4;
  layers.forEach((layer, i) => {
    for (let b = 0; b < 2; b++) {
      const last = layer.stateNorm!.data[b * 7 + 6];
      assertClose([last], [norm(state.layers[i].ssm, b * EN, (b + 1) * EN)], 1e-5, 1e-4, `layer ${i} sequence ${b}`);
    }
  });
});

test('Δ at a token depends only on the tokens up to it (the model is causal)', () => {
  const model = new LanguageModel(mamba, { seed: 3 });
  const a = ids(10, 3);
  const b = a.slice();
  b[6] = (b[6] + 1) % V;
  const da = record(model, a, 1, 10, { record: ['delta'] }).layers[1].delta!.data;
  const db = record(model, b, 1, 10, { record: ['delta'] }).layers[1].delta!.data;
  assert.deepEqual(da.subarray(0, 6 * 16), db.subarray(0, 6 * 16));
  assert.notDeepEqual(da.subarray(6 * 16), db.subarray(6 * 16));
});

test('an S4D layer records Δ that is the same at every token (its Δ is a parameter, not a function of the input)', () => {
  const model = new LanguageModel(modelConfig({ ...mamba, mixer: 's4d' }), { seed: 4 });
  const delta = record(model, ids(5, 4), 1, 5, { record: ['delta'] }).layers[0].delta!.data;
  for (let t = 1; t < 5; t++) assertClose(delta.subarray(t * 16, (t + 1) * 16), delta.subarray(0, 16), 1e-7, 1e-6, `token ${t}`);
});

test('recording a Mamba-2 model gives Δ per token × head (softplus, clamped), the gate per channel, and a last state norm equal to the final state\'s', () => {
  const cfg = modelConfig({ model_type: 'mamba2', vocab_size: V, hidden_size: 16, num_hidden_layers: 2, num_heads: 4, head_dim: 8, n_groups: 2, state_size: 4, chunk_size: 4, time_step_limit: [0.01, 0.5] });
  const model = new LanguageModel(cfg as BackboneConfig, { seed: 10 });
  const x = ids(2 * 7, 10);
  const state = model.initState(2);
  noGrad(() => model.forward(x, 2, 7, state));
  const { logits, layers } = record(model, x, 2, 7, { record: ALL });
  assertClose(logits.data, noGrad(() => model.forward(x, 2, 7)).data, 1e-6, 1e-6, 'logits');
  const HPN = 4 * 8 * 4;
  layers.forEach((layer, i) => {
    assert.deepEqual(layer.delta!.shape, [2, 7, 4]);
    assert.deepEqual(layer.gate!.shape, [2, 7, 32]);
    assert.ok(layer.delta!.data.every((d) => d >= 0.01 - 1e-7 && d <= 0.5 + 1e-7), 'Δ within time_step_limit');
    for (let b = 0; b < 2; b++) {
      assertClose([layer.stateNorm!.data[b * 7 + 6]], [norm(state.layers[i].ssm, b * HPN, (b + 1) * HPN)], 1e-5, 1e-4, `layer ${i} sequence ${b}`);
    }
  });
});

test('recording an LRU model gives the state norm per token (equal to the final state\'s at the end) and no Δ', () => {
  const model = new LanguageModel(lru, { seed: 5 });
  const x = ids(8, 5);
  const state = model.initState(1);
  noGrad(() => model.forward(x, 1, 8, state));
  const { layers } = record(model, x, 1, 8, { record: ALL });
  layers.forEach((layer, i) => {
    assert.deepEqual(layer.stateNorm!.shape, [1, 8]);
    assert.equal(layer.delta, undefined);
    const s = state.layers[i];
    assertClose([layer.stateNorm!.data[7]], [Math.hypot(norm(s.h_re), norm(s.h_im))], 1e-5, 1e-4, `layer ${i}`);
  });
});

test('LRU eigenvalues start on the ring: r_min ≤ |λ| ≤ r_max in every layer', () => {
  const model = new LanguageModel(modelConfig({ ...lru, lru: { state_size: 32, r_min: 0.4, r_max: 0.9 } }), { seed: 6 });
  const eig = lruEigenvalues(model);
  assert.deepEqual(eig.map((e) => e.layer), [0, 1]);
  for (const { re, im } of eig) {
    assert.equal(re.length, 32);
    for (let n = 0; n < 32; n++) {
      const r = Math.hypot(re[n], im![n]);
      assert.ok(r >= 0.4 - 1e-5 && r <= 0.9 + 1e-5, `|λ| = ${r}`);
    }
  }
  assert.deepEqual(lruEigenvalues(new LanguageModel(mamba)), [], 'a Mamba model has no LRU layers');
});

test('recording a Transformer++ gives causal attention weights [B, H, L, L] whose rows sum to 1, and nothing else', () => {
  const cfg = llamaConfig({ vocab_size: V, hidden_size: 16, intermediate_size: 24, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2 });
  const model = new TransformerLM(cfg, { seed: 7 });
  const x = ids(2 * 6, 7);
  const { logits, layers } = record(model, x, 2, 6, { record: ALL });
  assertClose(logits.data, noGrad(() => model.forward(x, 2, 6)).data, 1e-6, 1e-6, 'logits');
  for (const layer of layers) {
    const att = layer.attention!;
    assert.deepEqual(att.shape, [2, 4, 6, 6]);
    assert.equal(layer.delta, undefined);
    for (let row = 0; row < 2 * 4 * 6; row++) {
      const i = row % 6;
      const r = att.data.subarray(row * 6, row * 6 + 6);
      assertClose([r.reduce((a, b) => a + b, 0)], [1], 1e-5, 0, `row ${row}`);
      assert.ok(r.subarray(i + 1).every((w) => w === 0), `query ${i} attends to no later key`);
    }
  }
});

test('an unknown quantity is refused, naming the known ones', () => {
  const model = new LanguageModel(mamba);
  assert.throws(() => record(model, ids(3, 8), 1, 3, { record: ['Delta' as RecordName] }), /record: unknown quantity 'Delta' \(known: delta, stateNorm, gate, attention\)/);
});

test('the Blelloch scan shows each round as it runs: 2·log₂ P + 1 rounds, the last holding the sequential scan\'s states', () => {
  const r = new Rng(9);
  const L = 6; // padded to P = 8
  const a = Float32Array.from({ length: L }, () => 0.5 + 0.5 * r.next());
  const b = Float32Array.from({ length: L }, () => r.next() - 0.5);
  const rounds: BlellochRound[] = [];
  const out = blellochScan({ L, C: 1, a, b }, (round) => rounds.push(round));
  assert.deepEqual(rounds.map((x) => `${x.phase}${x.span}`), ['up1', 'up2', 'up4', 'down4', 'down2', 'down1', 'final1']);
  assert.deepEqual(rounds[0].rows, [1, 3, 5, 7]);
  assertClose(rounds[6].b.subarray(0, L), sequentialScan({ L, C: 1, a, b }).h, 1e-6, 1e-5, 'final states');
  assertClose(out.h, rounds[6].b.subarray(0, L), 0, 0, 'the round shows the result');
});
