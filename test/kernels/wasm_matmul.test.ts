// The wasm matmul against the reference kernel: every transpose combination, batches with
// broadcast strides, accumulate, and edge sizes around the 4×8 tile, KC = 256 and MC = 128.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/tensor/random.js';
import { referenceKernels } from '../../src/kernels/reference/index.js';
import type { MatmulDims } from '../../src/kernels/reference/matmul.js';
import { PARALLEL_MIN_MACS } from '../../src/kernels/wasm/matmul.js';
import { assertBitIdentical, assertWithin, onThreads, randArray, wasmKernels } from './wasm_helpers.js';

const { rt, k: wasm } = await wasmKernels(2);

/**
 * Both kernels sum k products in f32, in different orders; each result is within k·u·Σ|a||b|
 * of the exact sum (u = 2⁻²⁴), so they differ by at most 2(k + 1)·u·(|A|·|B| + |C|).
 */
function checkAgainstReference(dims: MatmulDims, rng: Rng, what: string): void {
  const { batch, m, k, n } = dims;
  const a = randArray(dims.strideA * (batch - 1) + m * k, rng);
  const b = randArray(dims.strideB * (batch - 1) + k * n, rng);
  const c0 = randArray(batch * m * n, rng);
  const want = c0.slice();
  const got = c0.slice();
  referenceKernels.matmul(a, b, want, dims);
  wasm.matmul(a, b, got, dims);
  const bound = new Float32Array(batch * m * n);
  if (dims.accumulate) for (let i = 0; i < bound.length; i++) bound[i] = Math.abs(c0[i]);
  referenceKernels.matmul(a.map(Math.abs), b.map(Math.abs), bound, { ...dims, accumulate: true });
  const u = 2 ** -24;
  for (let i = 0; i < bound.length; i++) bound[i] *= 2 * (k + 1) * u;
  assertWithin(got, want, bound, 0, what);
}

test('wasm matmul equals the reference for all transposes and edge sizes', () => {
  const rng = new Rng(1);
  const sizes: [number, number, number][] = [
    [1, 1, 1], [1, 7, 1], [1, 33, 70], [2, 300, 9], [3, 5, 7], [4, 8, 8], [5, 9, 17], [13, 1, 9], [8, 300, 16], [129, 31, 33], [130, 257, 9], [2, 513, 70],
    [4, 70, 33], [13, 300, 200], // n ≥ SWAP_RATIO·m: computed transposed
  ];
  for (const [m, k, n] of sizes) {
    for (const transA of [false, true]) {
      for (const transB of [false, true]) {
        for (const accumulate of [false, true]) {
          const dims = { batch: 1, m, k, n, transA, transB, strideA: 0, strideB: 0, accumulate };
          checkAgainstReference(dims, rng, `m${m} k${k} n${n} tA ${transA} tB ${transB} acc ${accumulate}`);
        }
      }
    }
  }
});

test('wasm matmul handles batches, including one matrix broadcast over the batch', () => {
  const rng = new Rng(2);
  // The last is large enough to run on both threads: B's packing split over tasks crosses batch entries and KC blocks.
  for (const [m, k, n] of [[3, 4, 5], [9, 17, 12], [40, 300, 70]]) {
    for (const [sa, sb] of [[1, 1], [0, 1], [1, 0]]) {
      for (const transB of [false, true]) {
        const dims = { batch: 3, m, k, n, transA: false, transB, strideA: sa * m * k, strideB: sb * k * n, accumulate: sa === 0 };
        checkAgainstReference(dims, rng, `batch 3 m${m} k${k} n${n} strides ${sa},${sb}`);
      }
    }
  }
});

test('wasm matmul with k = 0 writes zeros, or leaves C unchanged when accumulating', () => {
  const c = new Float32Array([1, 2, 3, 4]);
  wasm.matmul(new Float32Array(0), new Float32Array(0), c, { batch: 1, m: 2, k: 0, n: 2, transA: false, transB: false, strideA: 0, strideB: 0, accumulate: true });
  assert.deepEqual([...c], [1, 2, 3, 4]);
  wasm.matmul(new Float32Array(0), new Float32Array(0), c, { batch: 1, m: 2, k: 0, n: 2, transA: false, transB: false, strideA: 0, strideB: 0, accumulate: false });
  assert.deepEqual([...c], [0, 0, 0, 0]);
});

test('wasm matmul gives bit-identical results on 1, 2 and 3 threads (workers running tasks)', async () => {
  const rng = new Rng(3);
  // Large enough (≥ PARALLEL_MIN_MACS) to run in parallel; shapes that split by rows and by columns.
  for (const [batch, m, k, n, transA, transB] of [[1, 200, 70, 160, false, true], [1, 6, 300, 1200, true, false], [3, 40, 90, 200, false, false]] as const) {
    assert.ok(batch * m * k * n >= PARALLEL_MIN_MACS);
    const a = randArray(batch * m * k, rng);
    const b = randArray(batch * k * n, rng);
    const dims = { batch, m, k, n, transA, transB, strideA: m * k, strideB: k * n, accumulate: false };
    const run = () => {
      const c = new Float32Array(batch * m * n);
      wasm.matmul(a, b, c, dims);
      return c;
    };
    const outs = [await onThreads(rt, 1, run), await onThreads(rt, 2, run), await onThreads(rt, 3, run)];
    assertBitIdentical(outs[1], outs[0], `2 vs 1 threads, m${m} k${k} n${n}`);
    assertBitIdentical(outs[2], outs[0], `3 vs 1 threads, m${m} k${k} n${n}`);
  }
});
