// The layers: parameter names and shapes, PyTorch-style initialisation, and forward shapes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Linear, Embedding, RMSNorm, LayerNorm, Conv1d } from '../../src/nn/index.js';
import { zeros } from '../../src/tensor/tensor.js';
import { Rng } from '../../src/tensor/random.js';

const maxAbs = (a: Float32Array) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);

test('Linear has weight [out, in] and bias [out], uniform within ±1/sqrt(in)', () => {
  const l = new Linear(16, 5, { rng: new Rng(1) });
  assert.deepEqual(l.namedParameters().map(([n, t]) => [n, t.shape]), [['weight', [5, 16]], ['bias', [5]]]);
  assert.ok(maxAbs(l.weight.data) <= 0.25 && maxAbs(l.weight.data) > 0.2);
  assert.ok(maxAbs(l.bias!.data) <= 0.25);
  assert.deepEqual(l.forward(zeros([2, 3, 16])).shape, [2, 3, 5]);
  assert.equal(new Linear(4, 2, { bias: false }).bias, null);
});

test('Embedding draws its table from N(0, 0.02²)', () => {
  const e = new Embedding(100, 50, { rng: new Rng(2) });
  const d = e.weight.data;
  const mean = d.reduce((s, v) => s + v, 0) / d.length;
  const std = Math.sqrt(d.reduce((s, v) => s + (v - mean) ** 2, 0) / d.length);
  // 5000 samples: the sample std is within 3 % of 0.02 with overwhelming probability.
  assert.ok(Math.abs(std - 0.02) < 0.0006, `std ${std}`);
  assert.deepEqual(e.forward(Int32Array.from([0, 99]), [1, 2]).shape, [1, 2, 50]);
});

test('RMSNorm and LayerNorm start as weight ones (and bias zeros)', () => {
  const r = new RMSNorm(3);
  assert.deepEqual(Array.from(r.weight.data), [1, 1, 1]);
  assert.equal(r.eps, 1e-5);
  const ln = new LayerNorm(2, 1e-6);
  assert.deepEqual(ln.namedParameters().map(([n]) => n), ['weight', 'bias']);
  assert.deepEqual(Array.from(ln.bias.data), [0, 0]);
  assert.deepEqual(ln.forward(zeros([4, 2])).shape, [4, 2]);
});

test('Conv1d has weight [C, 1, K] uniform within ±1/sqrt(K) and keeps [B, L, C]', () => {
  const c = new Conv1d(8, 4, { rng: new Rng(3) });
  assert.deepEqual(c.weight.shape, [8, 1, 4]);
  assert.ok(maxAbs(c.weight.data) <= 0.5 && maxAbs(c.weight.data) > 0.4);
  assert.deepEqual(c.bias!.shape, [8]);
  assert.deepEqual(c.forward(zeros([2, 5, 8])).shape, [2, 5, 8]);
  assert.equal(new Conv1d(8, 4, { bias: false }).bias, null);
});
