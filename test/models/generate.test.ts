// The sampler: greedy, temperature, top-k and top-p draw from the distributions they name.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/tensor/random.js';
import { sampleToken, argmax, generate } from '../../src/models/generate.js';
import { LanguageModel } from '../../src/models/language_model.js';
import { modelConfig } from '../../src/models/config.js';

const logits = Float32Array.of(1, 3, 0, 2.5, -1);
const softmax = (x: Float32Array, t = 1) => {
  const m = Math.max(...x);
  const e = Array.from(x, (v) => Math.exp((v - m) / t));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
};

function frequencies(draw: () => number, n: number, V: number): number[] {
  const counts = new Array<number>(V).fill(0);
  for (let i = 0; i < n; i++) counts[draw()]++;
  return counts.map((c) => c / n);
}

test('temperature 0 is greedy', () => {
  const rng = new Rng(1);
  for (let i = 0; i < 10; i++) assert.equal(sampleToken(logits, { temperature: 0 }, rng), 1);
  assert.equal(argmax(logits), 1);
});

test('plain sampling follows softmax(logits / T) (20,000 draws, within 0.015 per token)', () => {
  for (const t of [1, 0.5]) {
    const rng = new Rng(2);
    const f = frequencies(() => sampleToken(logits, { temperature: t }, rng), 20000, 5);
    softmax(logits, t).forEach((p, i) => assert.ok(Math.abs(f[i] - p) < 0.015, `T=${t} token ${i}: ${f[i]} vs ${p}`));
  }
});

test('top-k keeps only the k most likely tokens, renormalised', () => {
  const rng = new Rng(3);
  const f = frequencies(() => sampleToken(logits, { topK: 2 }, rng), 20000, 5);
  const p = softmax(Float32Array.of(3, 2.5));
  assert.ok(Math.abs(f[1] - p[0]) < 0.015 && Math.abs(f[3] - p[1]) < 0.015, `${f}`);
  assert.equal(f[0] + f[2] + f[4], 0);
  assert.equal(sampleToken(logits, { topK: 1 }, rng), 1);
});

test('top-k keeps the tokens tied with the k-th: with logits 1, 2, 2, 0 and k 1, both 2s draw, evenly', () => {
  const rng = new Rng(5);
  const f = frequencies(() => sampleToken(Float32Array.of(1, 2, 2, 0), { topK: 1 }, rng), 20000, 4);
  assert.ok(Math.abs(f[1] - 0.5) < 0.015 && Math.abs(f[2] - 0.5) < 0.015, `${f}`);
  assert.equal(f[0] + f[3], 0);
});

test('top-p keeps the smallest set of tokens whose probability reaches p', () => {
  const rng = new Rng(4);
  const p = softmax(logits); // sorted: token 1 (0.50), token 3 (0.30), token 0 (0.11), ...
  const f = frequencies(() => sampleToken(logits, { topP: 0.75 }, rng), 20000, 5);
  assert.ok(p[1] < 0.75 && p[1] + p[3] >= 0.75);
  assert.equal(f[0] + f[2] + f[4], 0, 'only tokens 1 and 3 are kept');
  assert.ok(Math.abs(f[1] - p[1] / (p[1] + p[3])) < 0.015);
  assert.equal(sampleToken(logits, { topP: 0.01 }, rng), 1, 'a tiny p keeps the most likely token');
});

test('generate is reproducible by seed, honours maxTokens and stops when onToken says so', () => {
  const model = new LanguageModel(modelConfig({ vocab_size: 7, hidden_size: 8, num_hidden_layers: 1, state_size: 2 }), { seed: 1 });
  const prompt = Int32Array.of(1, 2);
  const a = generate(model, prompt, { maxTokens: 12, temperature: 1, seed: 5 });
  const b = generate(model, prompt, { maxTokens: 12, temperature: 1, seed: 5 });
  assert.deepEqual(a, b);
  assert.equal(a.length, 12);
  let seen = 0;
  const c = generate(model, prompt, { maxTokens: 12, temperature: 1, seed: 5, onToken: () => ++seen === 4 });
  assert.deepEqual(c, a.slice(0, 4));
  assert.throws(() => generate(model, new Int32Array(0), { maxTokens: 3 }), /prompt is empty/);
});

test('vocabLimit keeps ids at or past the tokenizer vocabulary from being drawn', () => {
  const rng = new Rng(6);
  const padded = Float32Array.of(0, 0.5, 9, 9); // ids 2 and 3 are padding rows of a larger embedding
  for (let i = 0; i < 200; i++) assert.ok(sampleToken(padded, { vocabLimit: 2 }, rng) < 2);
  assert.equal(sampleToken(padded, { temperature: 0, vocabLimit: 2 }, rng), 1);
});
