// conv1d forward against hand-computed values and against PyTorch's semantics written as a direct
// loop (channels first, padding K − 1 on both sides, first L outputs kept); conv1dStep against conv1d.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { conv1d } from '../../src/ops/index.js';
import { conv1dStep } from '../../src/kernels/reference/conv1d.js';
import { Tensor, fromArray } from '../../src/tensor/tensor.js';
import { Rng } from '../../src/tensor/random.js';
import { assertClose, rand } from '../helpers.js';

test('conv1d of one channel with K = 2 sees only the current and the previous step', () => {
  // y_t = 1 + 0.5·x_{t−1} + 2·x_t with x_{−1} = 0: [1 + 2, 1 + 0.5 + 4, 1 + 1 + 6]
  const x = fromArray([1, 2, 3], [1, 3, 1]);
  const y = conv1d(x, fromArray([0.5, 2], [1, 1, 2]), fromArray([1]));
  assert.deepEqual(y.shape, [1, 3, 1]);
  assertClose(y.data, [3, 5.5, 8]);
});

/** PyTorch Conv1d(C, C, K, groups = C, padding = K − 1)(x.transpose(1, 2))[..., :L], transposed back. */
function torchConv1d(x: Tensor, w: Tensor, bias: Tensor | null): Float32Array {
  const [B, L, C] = x.shape;
  const K = w.shape[2];
  const P = K - 1;
  const out = new Float32Array(B * L * C);
  for (let b = 0; b < B; b++) {
    for (let c = 0; c < C; c++) {
      // padded[p] = x[b, p − P, c] for P ≤ p < P + L, else 0
      const padded = new Float64Array(L + 2 * P);
      for (let t = 0; t < L; t++) padded[t + P] = x.data[(b * L + t) * C + c];
      for (let t = 0; t < L; t++) {
        let s = bias ? bias.data[c] : 0;
        for (let j = 0; j < K; j++) s += w.data[c * K + j] * padded[t + j];
        out[(b * L + t) * C + c] = s;
      }
    }
  }
  return out;
}

test('conv1d equals PyTorch depthwise Conv1d with padding K − 1 truncated to L outputs', () => {
  const rng = new Rng(11);
  for (const [B, L, C, K] of [[2, 7, 3, 4], [1, 2, 5, 4], [3, 5, 1, 1], [1, 1, 2, 3]]) {
    const x = rand([B, L, C], rng, { grad: false });
    const w = rand([C, 1, K], rng, { grad: false });
    const bias = K === 1 ? null : rand([C], rng, { grad: false });
    // f32 sums of at most K products: 1e-6 covers the rounding.
    assertClose(conv1d(x, w, bias).data, torchConv1d(x, w, bias), 1e-6, 1e-6, `B ${B} L ${L} C ${C} K ${K}`);
  }
});

test('conv1dStep over a sequence, from a zero state, reproduces conv1d', () => {
  const rng = new Rng(5);
  for (const K of [1, 2, 4]) {
    const [B, L, C] = [2, 6, 3];
    const x = rand([B, L, C], rng, { grad: false });
    const w = rand([C, 1, K], rng, { grad: false });
    const bias = rand([C], rng, { grad: false });
    const full = conv1d(x, w, bias).data;
    const state = new Float32Array(B * C * (K - 1));
    const xt = new Float32Array(B * C);
    const yt = new Float32Array(B * C);
    for (let t = 0; t < L; t++) {
      for (let b = 0; b < B; b++) xt.set(x.data.subarray((b * L + t) * C, (b * L + t + 1) * C), b * C);
      conv1dStep(xt, state, w.data, bias.data, yt, B, C, K);
      const expected = new Float32Array(B * C);
      for (let b = 0; b < B; b++) expected.set(full.subarray((b * L + t) * C, (b * L + t + 1) * C), b * C);
      assertClose(yt, expected, 1e-6, 1e-6, `K ${K} step ${t}`);
    }
  }
});

test('conv1d rejects a weight that does not match the channels, naming both shapes', () => {
  assert.throws(() => conv1d(new Tensor(new Float32Array(2 * 10 * 16), [2, 10, 16]), new Tensor(new Float32Array(32), [8, 1, 4]), null), /conv1d: weight \[8, 1, 4\] does not match channels 16 of input \[2, 10, 16\]/);
});
