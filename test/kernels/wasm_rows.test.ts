// The wasm RMSNorm and fused cross-entropy against the reference kernels.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/tensor/random.js';
import { referenceKernels } from '../../src/kernels/reference/index.js';
import { assertBitIdentical, assertWithin, onThreads, randArray, wasmKernels } from './wasm_helpers.js';

const { rt, k: wasm } = await wasmKernels(2);

/** f32 sums of D terms in another order than the reference's f64 ones: (D + 4)·2⁻²⁴ relative to the terms' size. */
const bound = (scale: ArrayLike<number>, terms: number) => Float32Array.from(scale, (v) => (terms + 4) * 2 ** -24 * Math.abs(v));

test('wasm rmsNorm equals the reference, forward and backward, on odd widths', () => {
  const rng = new Rng(31);
  for (const [rows, D] of [[1, 1], [3, 5], [40, 64], [70, 33]]) {
    const x = randArray(rows * D, rng, -2, 2);
    const w = randArray(D, rng);
    const g = randArray(rows * D, rng);
    const want = { y: new Float32Array(rows * D), r: new Float32Array(rows) };
    const got = { y: new Float32Array(rows * D), r: new Float32Array(rows) };
    referenceKernels.rmsNormForward(x, w, want.y, want.r, rows, D, 1e-5);
    wasm.rmsNormForward(x, w, got.y, got.r, rows, D, 1e-5);
    assertWithin(got.r, want.r, bound(want.r, D), 0, `rstd rows ${rows} D ${D}`);
    assertWithin(got.y, want.y, bound(want.y, D), 1e-7, `y rows ${rows} D ${D}`);
    const gxWant = new Float32Array(rows * D);
    const gxGot = new Float32Array(rows * D);
    const gwWant = new Float32Array(D).fill(1);
    const gwGot = new Float32Array(D).fill(1);
    referenceKernels.rmsNormBackward(g, x, w, want.r, gxWant, gwWant, rows, D);
    wasm.rmsNormBackward(g, x, w, want.r, gxGot, gwGot, rows, D);
    // dx subtracts two terms of size ~r·|g|·|w|: the bound is relative to that, not to dx.
    const scaleX = Float32Array.from(gxWant, (_, i) => 2 * want.r[Math.floor(i / D)] * (Math.abs(g[i]) + 1));
    assertWithin(gxGot, gxWant, bound(scaleX, D), 0, `gradX rows ${rows} D ${D}`);
    assertWithin(gwGot, gwWant, bound(new Float32Array(D).fill(rows * 4), rows), 0, `gradWeight rows ${rows} D ${D}`);
  }
});

test('wasm cross-entropy equals the reference, with ignored rows', () => {
  const rng = new Rng(32);
  for (const [rows, V] of [[1, 1], [5, 3], [70, 96], [33, 257]]) {
    const z = randArray(rows * V, rng, -8, 8);
    const t = Int32Array.from({ length: rows }, (_, r) => (r % 7 === 3 ? -100 : rng.int(V)));
    const lseWant = new Float32Array(rows);
    const lseGot = new Float32Array(rows);
    const lossWant = referenceKernels.crossEntropyForward(z, t, lseWant, rows, V, -100);
    const lossGot = wasm.crossEntropyForward(z, t, lseGot, rows, V, -100);
    // log-sum-exp of values up to 8 over V terms in f32 with a 1.5e-7 exp: 1e-6 relative.
    assertWithin(lseGot, lseWant, Float32Array.from(lseWant, (v) => 1e-6 * (Math.abs(v) + 8)), 0, `lse rows ${rows} V ${V}`);
    assert.ok(Math.abs(lossGot - lossWant) <= 1e-6 * rows * 16, `loss ${lossGot} vs ${lossWant}`);
    const gWant = new Float32Array(rows * V);
    const gGot = new Float32Array(rows * V).fill(7);
    referenceKernels.crossEntropyBackward(z, t, lseWant, 0.5, gWant, rows, V, -100);
    wasm.crossEntropyBackward(z, t, lseWant, 0.5, gGot, rows, V, -100);
    assertWithin(gGot, gWant, new Float32Array(rows * V).fill(1e-7), 0, `gradLogits rows ${rows} V ${V}`);
  }
});

test('wasm rmsNorm and cross-entropy give bit-identical results on 1 and 2 threads (a worker running tasks)', async () => {
  const rng = new Rng(33);
  const [rows, D] = [600, 128]; // 76800 elements: parallel
  const x = randArray(rows * D, rng);
  const w = randArray(D, rng);
  const t = Int32Array.from({ length: rows }, () => rng.int(D));
  const run = () => {
    const y = new Float32Array(rows * D);
    const r = new Float32Array(rows);
    wasm.rmsNormForward(x, w, y, r, rows, D, 1e-5);
    const gx = new Float32Array(rows * D);
    const gw = new Float32Array(D);
    wasm.rmsNormBackward(x, x, w, r, gx, gw, rows, D);
    const lse = new Float32Array(rows);
    const loss = wasm.crossEntropyForward(x, t, lse, rows, D, -100);
    return { out: [y, r, gx, gw, lse], loss };
  };
  const one = await onThreads(rt, 1, run);
  const two = await onThreads(rt, 2, run);
  one.out.forEach((a, i) => assertBitIdentical(two.out[i], a, `output ${i}`));
  assert.equal(two.loss, one.loss);
});
