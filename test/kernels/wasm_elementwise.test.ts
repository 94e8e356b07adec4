// The wasm backend's element-wise and conv1d kernels against the reference ones.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/tensor/random.js';
import { referenceKernels } from '../../src/kernels/reference/index.js';
import type { UnaryOp } from '../../src/kernels/reference/unary.js';
import { broadcastPlan } from '../../src/ops/broadcast.js';
import { assertBitIdentical, assertWithin, onThreads, randArray, wasmKernels } from './wasm_helpers.js';

const { rt, k: wasm } = await wasmKernels(2);

/** Relative error of the vector exp (≤ 1.5e-7) and one division: 1e-6 relative, plus 1e-30 for values flushed near 0. */
function unaryBound(want: Float32Array): Float32Array {
  return want.map((v) => 1e-6 * Math.abs(v) + 1e-30);
}

test('wasm sigmoid, silu, softplus, exp and neg equal the reference, forward and backward', () => {
  const rng = new Rng(21);
  // 16385 crosses a 16384-element task chunk; 1, 3 and 5 leave partial vectors.
  for (const n of [1, 3, 5, 64, 16385]) {
    const x = randArray(n, rng, -30, 30);
    const g = randArray(n, rng);
    for (const op of ['sigmoid', 'silu', 'softplus', 'exp', 'neg'] as UnaryOp[]) {
      const want = new Float32Array(n);
      const got = new Float32Array(n);
      referenceKernels.unaryForward(op, x, want);
      wasm.unaryForward(op, x, got);
      assertWithin(got, want, unaryBound(want), 0, `${op} forward n ${n}`);
      const gWant = new Float32Array(n);
      const gGot = new Float32Array(n);
      referenceKernels.unaryBackward(op, x, want, g, gWant);
      wasm.unaryBackward(op, x, got, g, gGot);
      // silu' = σ(x)·(1 + x·σ(−x)) cancels near x ≈ −1.28: bound the error by the terms' size, |g|·(1 + |x|).
      const gBound = unaryBound(gWant).map((v, i) => v + 1e-6 * Math.abs(g[i]) * (1 + Math.abs(x[i])));
      assertWithin(gGot, gWant, gBound, 0, `${op} backward n ${n}`);
    }
  }
});

test('wasm gate y ⊙ SiLU(z) equals the reference, forward and backward (either gradient alone too)', () => {
  const rng = new Rng(24);
  for (const n of [1, 3, 5, 64, 16385]) {
    const y = randArray(n, rng), z = randArray(n, rng, -30, 30), g = randArray(n, rng);
    const want = new Float32Array(n), got = new Float32Array(n);
    referenceKernels.gateForward(y, z, want);
    wasm.gateForward(y, z, got);
    assertWithin(got, want, unaryBound(want), 0, `gate forward n ${n}`);
    const [wy, wz, gy, gz] = [0, 1, 2, 3].map(() => new Float32Array(n));
    referenceKernels.gateBackward(y, z, g, wy, wz);
    wasm.gateBackward(y, z, g, gy, gz);
    assertWithin(gy, wy, unaryBound(wy), 0, `gate ∂y n ${n}`);
    // SiLU'(z) = σ(z)·(1 + z·σ(−z)) cancels near z ≈ −1.28: bound by the size of its terms.
    const dzBound = wz.map((_, i) => 1e-6 * Math.abs(g[i] * y[i]) * (1 + Math.abs(z[i])) + 1e-30);
    assertWithin(gz, wz, dzBound, 0, `gate ∂z n ${n}`);
    const onlyZ = new Float32Array(n);
    wasm.gateBackward(y, z, g, null, onlyZ);
    assertBitIdentical(onlyZ, gz, `gate ∂z alone n ${n}`);
  }
});

test('other unary ops run the reference kernel unchanged', () => {
  const x = randArray(9, new Rng(22), 0.1, 3);
  for (const op of ['exp', 'log', 'tanh', 'gelu', 'relu'] as UnaryOp[]) {
    const want = new Float32Array(9);
    const got = new Float32Array(9);
    referenceKernels.unaryForward(op, x, want);
    wasm.unaryForward(op, x, got);
    assertBitIdentical(got, want, op);
  }
});

test('binary ops and reduceBroadcast give the reference bits for every broadcast pattern', () => {
  const rng = new Rng(23);
  const pairs: [number[], number[]][] = [
    [[2, 3, 4], [2, 3, 4]], [[2, 3, 4], [4]], [[2, 3, 4], [3, 1]], [[2, 1, 4], [1, 3, 1]], [[5], [1]], [[1], [1]], [[3, 1], [1, 5]], [[2, 0, 3], [3]],
    // ≥ 4096 elements: the wasm path (same shapes, a row vector, a column, a scalar, odd lengths),
    // and a pattern it does not take ([3, 50, 40] with [3, 1, 40] merges to three axes).
    [[7, 703], [7, 703]], [[64, 97], [97]], [[8, 33, 41], [8, 33, 1]], [[1, 5001], [1]], [[2], [4099, 1]], [[3, 50, 40], [3, 1, 40]],
  ];
  for (const [sa, sb] of pairs) {
    for (const op of ['add', 'sub', 'mul', 'div'] as const) {
      const plan = broadcastPlan(op, sa, sb);
      const a = randArray(sa.reduce((p, d) => p * d, 1), rng, 0.5, 2);
      const b = randArray(sb.reduce((p, d) => p * d, 1), rng, 0.5, 2);
      const size = plan.outShape.reduce((p, d) => p * d, 1);
      const want = new Float32Array(size);
      const got = new Float32Array(size);
      referenceKernels.binary(op, a, b, want, plan);
      wasm.binary(op, a, b, got, plan);
      assertBitIdentical(got, want, `${op} [${sa}] [${sb}]`);
      for (const [strides, n] of [[plan.stridesA, a.length], [plan.stridesB, b.length]] as const) {
        const rWant = new Float32Array(n);
        const rGot = new Float32Array(n);
        referenceKernels.reduceBroadcast(want, rWant, plan.outShape, strides);
        wasm.reduceBroadcast(want, rGot, plan.outShape, strides);
        assertBitIdentical(rGot, rWant, `reduceBroadcast to [${strides}] from [${plan.outShape}]`);
      }
    }
  }
});

test('wasm conv1d equals the reference, forward and backward, and accumulates weight and bias gradients', () => {
  const rng = new Rng(24);
  // [2, 70, 12, 4]: the unrolled K = 4 path (C a multiple of 4), here without a bias.
  for (const [B, L, C, K] of [[1, 1, 1, 1], [2, 5, 3, 4], [1, 70, 9, 4], [3, 130, 16, 3], [1, 3, 5, 6], [2, 70, 12, 4]]) {
    const x = randArray(B * L * C, rng);
    const w = randArray(C * K, rng);
    const bias = C === 12 ? null : randArray(C, rng);
    const g = randArray(B * L * C, rng);
    // Sums of at most K (forward, dx) or B·L (dW, dbias) products of magnitude ≤ 1, in another order: (terms + 1)·2⁻²⁴·terms.
    const bound = (terms: number, n: number) => new Float32Array(n).fill((terms + 1) * terms * 2 ** -24);
    const yWant = new Float32Array(B * L * C);
    const yGot = new Float32Array(B * L * C);
    referenceKernels.conv1dForward(x, w, bias, yWant, B, L, C, K);
    wasm.conv1dForward(x, w, bias, yGot, B, L, C, K);
    assertWithin(yGot, yWant, bound(K + 1, yWant.length), 0, `conv1d forward B${B} L${L} C${C} K${K}`);
    const grads = () => ({ gx: new Float32Array(B * L * C), gw: new Float32Array(C * K).fill(0.5), gb: new Float32Array(C).fill(-0.5) });
    const want = grads();
    const got = grads();
    referenceKernels.conv1dBackward(g, x, w, want.gx, want.gw, want.gb, B, L, C, K);
    wasm.conv1dBackward(g, x, w, got.gx, got.gw, got.gb, B, L, C, K);
    assertWithin(got.gx, want.gx, bound(K, want.gx.length), 0, 'conv1d gradX');
    assertWithin(got.gw, want.gw, bound(B * L + 1, want.gw.length), 0, 'conv1d gradWeight');
    assertWithin(got.gb, want.gb, bound(B * L + 1, want.gb.length), 0, 'conv1d gradBias');
  }
});

test('wasm conv1d with SiLU fused equals the reference conv then SiLU, forward and backward (task edges, K > L)', () => {
  const rng = new Rng(26);
  for (const [B, L, C, K] of [[1, 1, 1, 1], [2, 5, 3, 4], [1, 130, 9, 4], [2, 70, 16, 3], [1, 3, 5, 6], [2, 130, 8, 4]]) {
    const x = randArray(B * L * C, rng, -3, 3);
    const w = randArray(C * K, rng);
    const bias = randArray(C, rng);
    const g = randArray(B * L * C, rng);
    const n = B * L * C;
    const [preWant, outWant, preGot, outGot] = [0, 1, 2, 3].map(() => new Float32Array(n));
    referenceKernels.conv1dForward(x, w, bias, outWant, B, L, C, K, preWant);
    wasm.conv1dForward(x, w, bias, outGot, B, L, C, K, preGot);
    // The conv: sums of K + 1 terms up to 3 in size in another order; SiLU adds the exp's 1e-6.
    const what = `B${B} L${L} C${C} K${K}`;
    assertWithin(preGot, preWant, new Float32Array(n).fill(3 * (K + 2) * (K + 1) * 2 ** -24), 0, `pre ${what}`);
    assertWithin(outGot, outWant, outWant.map((v) => 1e-6 * Math.abs(v) + 4 * (K + 2) * (K + 1) * 2 ** -24), 0, `out ${what}`);
    const grads = () => ({ gx: new Float32Array(n), gw: new Float32Array(C * K), gb: new Float32Array(C) });
    const want = grads();
    const got = grads();
    referenceKernels.conv1dBackward(g, x, w, want.gx, want.gw, want.gb, B, L, C, K, preWant);
    wasm.conv1dBackward(g, x, w, got.gx, got.gw, got.gb, B, L, C, K, preWant);
    // g ⊙ SiLU'(pre) (|SiLU'| < 1.1) to 1e-6, then the conv's sums: of K terms (dx) and B·L (dW, dbias).
    const rel = (want: Float32Array, terms: number, scale: number) => want.map((v) => 1e-6 * Math.abs(v) + scale * (terms + 1) * terms * 2 ** -24 + 1e-6 * terms * scale);
    assertWithin(got.gx, want.gx, rel(want.gx, K, 1.1), 0, `gradX ${what}`);
    assertWithin(got.gw, want.gw, rel(want.gw, B * L, 3.3), 0, `gradWeight ${what}`);
    assertWithin(got.gb, want.gb, rel(want.gb, B * L, 1.1), 0, `gradBias ${what}`);
  }
});

test('wasm unary and conv1d give bit-identical results on 1 and 2 threads (a worker running tasks)', async () => {
  const rng = new Rng(25);
  const [B, L, C, K] = [4, 200, 96, 4]; // 76800 elements: above both parallel thresholds
  const x = randArray(B * L * C, rng);
  const w = randArray(C * K, rng);
  const g = randArray(B * L * C, rng);
  const run = () => {
    const silu = new Float32Array(B * L * C);
    wasm.unaryForward('silu', x, silu);
    const gx = new Float32Array(B * L * C);
    const gw = new Float32Array(C * K);
    const gb = new Float32Array(C);
    wasm.conv1dBackward(g, x, w, gx, gw, gb, B, L, C, K);
    const [pre, out, gxFused] = [0, 1, 2].map(() => new Float32Array(B * L * C));
    wasm.conv1dForward(x, w, null, out, B, L, C, K, pre);
    wasm.conv1dBackward(g, x, w, gxFused, null, null, B, L, C, K, pre);
    return [silu, gx, gw, gb, pre, out, gxFused];
  };
  const one = await onThreads(rt, 1, run);
  const two = await onThreads(rt, 2, run);
  one.forEach((a, i) => assertBitIdentical(two[i], a, `output ${i}`));
});

test('wasm copyAlongAxis on arrays in wasm memory gives the reference copy (slices, splits, concats)', () => {
  const rng = new Rng(25);
  const cases = [
    { outer: 64, inner: 1, count: 70, srcAxis: 140, srcStart: 70, dstAxis: 70, dstStart: 0 }, // split's second half
    { outer: 33, inner: 5, count: 30, srcAxis: 30, srcStart: 0, dstAxis: 61, dstStart: 31 }, // concat into the back
    { outer: 1, inner: 4096, count: 1, srcAxis: 3, srcStart: 2, dstAxis: 1, dstStart: 0 }, // one run
    { outer: 9, inner: 3, count: 2, srcAxis: 4, srcStart: 1, dstAxis: 2, dstStart: 0 }, // small: the reference path
  ];
  for (const c of cases) {
    const src = rt.residentCopy(randArray(c.outer * c.srcAxis * c.inner, rng));
    const fill = randArray(c.outer * c.dstAxis * c.inner, rng);
    const want = fill.slice();
    const got = rt.residentCopy(fill);
    referenceKernels.copyAlongAxis(src, want, c);
    wasm.copyAlongAxis(src, got, c);
    assertBitIdentical(got, want, `copy ${JSON.stringify(c)}`);
    const sumWant = fill.slice();
    const sumGot = rt.residentCopy(fill);
    referenceKernels.copyAlongAxis(src, sumWant, { ...c, add: true });
    wasm.copyAlongAxis(src, sumGot, { ...c, add: true });
    assertBitIdentical(sumGot, sumWant, `add ${JSON.stringify(c)}`);
    assert.ok(sumWant.some((v, i) => v !== fill[i] + 0 && v !== want[i]), 'adding differs from copying');
  }
});
