// The fused attention op against the naive one that materialises the scores (values and
// gradients, on the backend under test: the blocked reference kernel or the wasm kernel), against
// scores worked by hand, and the KV-cache path against the full causal forward.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { attention, cachedAttention, mul, sum } from '../../src/ops/index.js';
import { backward } from '../../src/autograd/tape.js';
import { Tensor, fromArray } from '../../src/tensor/tensor.js';
import { Rng } from '../../src/tensor/random.js';
import { assertClose, rand } from '../helpers.js';

interface Case { B: number; L: number; H: number; Hkv: number; d: number }

const cases: Case[] = [
  { B: 1, L: 1, H: 2, Hkv: 2, d: 8 },
  { B: 2, L: 37, H: 4, Hkv: 2, d: 5 }, // L not a multiple of any block, odd head_dim, groups of 2
  { B: 1, L: 70, H: 4, Hkv: 1, d: 64 }, // groups of 4
  { B: 2, L: 33, H: 2, Hkv: 2, d: 128 },
  { B: 3, L: 16, H: 3, Hkv: 3, d: 7 },
  { B: 2, L: 130, H: 4, Hkv: 2, d: 32 }, // large enough for the wasm kernels to use every thread
];

/** out and the gradients of Σ w ⊙ out for q, k, v. */
function run(c: Case, kernel: 'fused' | 'naive', seed: number): Float32Array[] {
  const r = new Rng(seed);
  const q = rand([c.B, c.L, c.H, c.d], r);
  const k = rand([c.B, c.L, c.Hkv, c.d], r, { low: -2, high: 2 }); // larger scores: a peakier softmax
  const v = rand([c.B, c.L, c.Hkv, c.d], r);
  const w = rand([c.B, c.L, c.H, c.d], r, { grad: false });
  const out = attention(q, k, v, { kernel });
  backward(sum(mul(out, w)));
  return [out.data.slice(), q.grad!.slice(), k.grad!.slice(), v.grad!.slice()];
}

for (const c of cases) {
  test(`fused attention equals the naive one in values and gradients (B ${c.B}, L ${c.L}, H ${c.H}, Hkv ${c.Hkv}, d ${c.d})`, () => {
    const fused = run(c, 'fused', 11);
    const naive = run(c, 'naive', 11);
    // f32 sums in a different order (and the naive kernel's f64 softmax): a few ulps of the inputs.
    for (const [i, what] of ['out', 'dq', 'dk', 'dv'].entries()) assertClose(fused[i], naive[i], 2e-5, 2e-4, what);
  });
}

/** The specification of attention without the causal mask, written out plainly: every query of row b over its keys 0 … keys[b] − 1. */
function plainBidirectional(q: Float32Array, k: Float32Array, v: Float32Array, c: Case, keys: Int32Array): Float32Array {
  const { B, L, H, Hkv, d } = c;
  const out = new Float32Array(B * L * H * d);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      const hk = Math.floor(h / (H / Hkv));
      for (let i = 0; i < L; i++) {
        const at = (t: number, j: number, heads: number, head: number) => ((b * L + j) * heads + head) * d + t;
        const scores = Array.from({ length: keys[b] }, (_, j) => Array.from({ length: d }, (_, t) => q[at(t, i, H, h)] * k[at(t, j, Hkv, hk)]).reduce((a, x) => a + x, 0) / Math.sqrt(d));
        const top = Math.max(...scores);
        const w = scores.map((x) => Math.exp(x - top));
        const total = w.reduce((a, x) => a + x, 0);
        for (let t = 0; t < d; t++) out[at(t, i, H, h)] = w.reduce((a, wj, j) => a + wj * v[at(t, j, Hkv, hk)], 0) / total;
      }
    }
  }
  return out;
}

for (const c of cases) {
  test(`attention without the causal mask over rows of given lengths: fused and naive equal the plain formula, their gradients each other (B ${c.B}, L ${c.L}, H ${c.H}, d ${c.d})`, () => {
    const keys = Int32Array.from({ length: c.B }, (_, b) => (b === 0 ? c.L : Math.max(1, Math.floor(c.L / (b + 1)) - 1))); // a full row, then padded ones
    const results = (['fused', 'naive'] as const).map((kernel) => {
      const r = new Rng(17);
      const q = rand([c.B, c.L, c.H, c.d], r);
      const k = rand([c.B, c.L, c.Hkv, c.d], r, { low: -2, high: 2 });
      const v = rand([c.B, c.L, c.Hkv, c.d], r);
      const w = rand([c.B, c.L, c.H, c.d], r, { grad: false });
      const out = attention(q, k, v, { kernel, causal: false, keys });
      assertClose(out.data, plainBidirectional(q.data, k.data, v.data, c, keys), 2e-5, 2e-4, `${kernel}: out`);
      backward(sum(mul(out, w)));
      // The padding's keys and values are never read: no gradient reaches them.
      for (let b = 0; b < c.B; b++) for (let x = (b * c.L + keys[b]) * c.Hkv * c.d; x < (b + 1) * c.L * c.Hkv * c.d; x++) assert.equal(k.grad![x] + v.grad![x], 0, `${kernel}: padding key ${x}`);
      return [q.grad!, k.grad!, v.grad!];
    });
    for (const [i, what] of ['dq', 'dk', 'dv'].entries()) assertClose(results[0][i], results[1][i], 2e-5, 2e-4, what);
  });
}

test('attention refuses row lengths with the causal mask, and lengths outside 1 … L', () => {
  const r = new Rng(2);
  const [q, k, v] = [rand([2, 4, 1, 2], r), rand([2, 4, 1, 2], r), rand([2, 4, 1, 2], r)];
  assert.throws(() => attention(q, k, v, { keys: Int32Array.of(4, 2) }), /keys \(a length per row\) are for causal: false/);
  assert.throws(() => attention(q, k, v, { causal: false, keys: Int32Array.of(4, 0) }), /keys must be 2 lengths in 1 … 4 \(one per row\), got \[4, 0\]/);
  assert.throws(() => attention(q, k, v, { causal: false, keys: Int32Array.of(4) }), /keys must be 2 lengths/);
});

test('attention of one query at position 1 weighs its two keys by the softmax of the scaled scores', () => {
  // d = 4, scale 1/2; q1·k0 = 2, q1·k1 = 4 → weights softmax([1, 2]); position 0 sees only itself.
  const q = fromArray([1, 0, 0, 0, 1, 1, 1, 1], [1, 2, 1, 4]);
  const k = fromArray([1, 1, 0, 0, 1, 1, 1, 1], [1, 2, 1, 4]);
  const v = fromArray([1, 0, 0, 0, 0, 10, 0, 0], [1, 2, 1, 4]);
  const out = attention(q, k, v);
  const p1 = Math.exp(2) / (Math.exp(1) + Math.exp(2));
  assertClose(out.data, [1, 0, 0, 0, 1 - p1, 10 * p1, 0, 0], 1e-6, 1e-6);
});

test('attention rejects query heads that are not a multiple of the key/value heads', () => {
  const r = new Rng(1);
  assert.throws(() => attention(rand([1, 2, 3, 4], r), rand([1, 2, 2, 4], r), rand([1, 2, 2, 4], r)), /3 query heads are not a multiple of 2/);
});

test('cached attention over a longer cache equals the rows of the full causal attention', () => {
  const r = new Rng(5);
  const [B, L, H, Hkv, d, cap] = [2, 23, 4, 2, 6, 30];
  const q = rand([B, L, H, d], r, { grad: false });
  const k = rand([B, L, Hkv, d], r, { grad: false });
  const v = rand([B, L, Hkv, d], r, { grad: false });
  const full = attention(q, k, v).data;
  // The cache holds the same keys in a [B, cap, Hkv, d] array with spare rows (filled with junk).
  const kc = new Float32Array(B * cap * Hkv * d).fill(7), vc = new Float32Array(B * cap * Hkv * d).fill(-7);
  for (let b = 0; b < B; b++) {
    kc.set(k.data.subarray(b * L * Hkv * d, (b + 1) * L * Hkv * d), b * cap * Hkv * d);
    vc.set(v.data.subarray(b * L * Hkv * d, (b + 1) * L * Hkv * d), b * cap * Hkv * d);
  }
  for (const [from, to] of [[22, 23], [10, 17], [0, 4]]) {
    const rows = to - from;
    const qs = new Float32Array(B * rows * H * d);
    for (let b = 0; b < B; b++) qs.set(q.data.subarray((b * L + from) * H * d, (b * L + to) * H * d), b * rows * H * d);
    const out = cachedAttention(new Tensor(qs, [B, rows, H, d]), kc, vc, to, cap, Hkv);
    const expected = new Float32Array(out.size);
    for (let b = 0; b < B; b++) expected.set(full.subarray((b * L + from) * H * d, (b * L + to) * H * d), b * rows * H * d);
    assertClose(out.data, expected, 1e-6, 1e-5, `rows ${from}..${to}`);
  }
});

test('one query over a cache longer than several decode chunks equals the last row of the naive attention', () => {
  const r = new Rng(9);
  const [L, H, Hkv, d] = [1300, 2, 1, 16];
  const q = rand([1, L, H, d], r, { grad: false });
  const k = rand([1, L, Hkv, d], r, { grad: false, low: -3, high: 3 });
  const v = rand([1, L, Hkv, d], r, { grad: false });
  const full = attention(q, k, v, { kernel: 'naive' }).data;
  const last = new Tensor(q.data.slice((L - 1) * H * d), [1, 1, H, d]);
  const out = cachedAttention(last, k.data, v.data, L, L, Hkv);
  assertClose(out.data, full.subarray((L - 1) * H * d), 1e-6, 1e-5);
});

test('cached attention over a ragged batch (a length per sequence) equals each sequence alone under the naive attention', () => {
  // Lengths 1 … 1301: an entry shorter than the queries' block, one past two decode chunks of 512;
  // odd head_dim, groups of 2, and enough work for the wasm kernels to use every thread.
  const r = new Rng(21);
  const [H, Hkv, d, cap] = [4, 2, 7, 1310];
  const lengths = Int32Array.of(5, 37, 600, 1301);
  const B = lengths.length;
  const kc = new Float32Array(B * cap * Hkv * d).fill(9), vc = new Float32Array(B * cap * Hkv * d).fill(-9); // rows past a length: junk
  const qs: Tensor[] = [];
  for (let b = 0; b < B; b++) {
    const L = lengths[b];
    qs.push(rand([1, L, H, d], r, { grad: false }));
    kc.set(rand([1, L, Hkv, d], r, { grad: false, low: -2, high: 2 }).data, b * cap * Hkv * d);
    vc.set(rand([1, L, Hkv, d], r, { grad: false }).data, b * cap * Hkv * d);
  }
  for (const Lq of [1, 5]) {
    const q = new Float32Array(B * Lq * H * d);
    const expected = new Float32Array(B * Lq * H * d);
    for (let b = 0; b < B; b++) {
      const L = lengths[b];
      const k = new Tensor(kc.slice(b * cap * Hkv * d, (b * cap + L) * Hkv * d), [1, L, Hkv, d]);
      const v = new Tensor(vc.slice(b * cap * Hkv * d, (b * cap + L) * Hkv * d), [1, L, Hkv, d]);
      const alone = attention(qs[b], k, v, { kernel: 'naive' }).data; // [1, L, H, d]
      q.set(qs[b].data.subarray((L - Lq) * H * d), b * Lq * H * d);
      expected.set(alone.subarray((L - Lq) * H * d), b * Lq * H * d);
    }
    const out = cachedAttention(new Tensor(q, [B, Lq, H, d]), kc, vc, lengths, cap, Hkv);
    assertClose(out.data, expected, 1e-6, 1e-5, `Lq ${Lq}`);
  }
});

test('cached attention refuses a sequence shorter than its queries, naming the lengths', () => {
  const q = new Tensor(new Float32Array(2 * 3 * 2 * 4), [2, 3, 2, 4]);
  const kv = new Float32Array(2 * 8 * 2 * 4);
  assert.throws(() => cachedAttention(q, kv, kv, Int32Array.of(2, 5), 8, 2), /a cache of 2 … 5 of 8 rows cannot hold q \[2, 3, 2, 4\]/);
  assert.throws(() => cachedAttention(q, kv, kv, Int32Array.of(5), 8, 2), /1 lengths for q \[2, 3, 2, 4\]/);
});
