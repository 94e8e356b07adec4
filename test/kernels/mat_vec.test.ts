// The generation step's matrix-vector product (kernels().matVec) with f32, packed bf16 and int8
// weights: the wasm job against the reference on odd shapes, bit-identical on 1, 2 and 3 threads;
// and the wasm matmul's one-row route through it equal to the few-rows kernel it replaces.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/tensor/random.js';
import { referenceKernels } from '../../src/kernels/reference/index.js';
import { STEP_PARALLEL_MIN } from '../../src/kernels/wasm/mamba_step.js';
import { packRowsAs, WEIGHT_FORMATS } from '../../src/kernels/weight_format.js';
import { assertBitIdentical, assertWithin, onThreads, randArray, wasmKernels } from './wasm_helpers.js';

const { rt, k: wasm } = await wasmKernels(2);

/** Rounding bound of a length-k dot product in f32, in a different summation order: k·ε·Σ|x·w|. */
function dotBound(x: Float32Array, w: Float32Array, m: number, k: number, n: number): Float32Array {
  const b = new Float32Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let p = 0; p < k; p++) s += Math.abs(x[i * k + p] * w[j * k + p]);
    b[i * n + j] = 2 * k * 2 ** -24 * s;
  }
  return b;
}

test('wasm matVec equals the reference for f32, bf16 and int8 weights (k from 1 to 1100: tails of 1-15 weights, int8 sums flushed past 1024; 1-3 rows)', () => {
  const rng = new Rng(31);
  for (const weights of WEIGHT_FORMATS) {
    for (const [m, k, n] of [[1, 1, 1], [1, 7, 5], [2, 16, 9], [3, 33, 17], [1, 120, 64], [2, 257, 31], [1, 1100, 40]]) {
      const x = randArray(m * k, rng);
      const w32 = randArray(n * k, rng, -1 / Math.sqrt(k), 1 / Math.sqrt(k));
      const w = packRowsAs(weights, w32, n, k);
      const want = new Float32Array(m * n);
      const got = new Float32Array(m * n).fill(NaN);
      referenceKernels.matVec({ m, k, n, x, w, weights, out: want });
      wasm.matVec({ m, k, n, x, w, weights, out: got });
      // int8: the same integer sums, scaled in another order (a few ulps); f32 and bf16: sum order.
      const bound = weights === 'int8' ? want.map((v) => 4e-7 * Math.abs(v)) : dotBound(x, w32, m, k, n);
      assertWithin(got, want, bound, 1e-7, `${weights} ${m}×${k}·[${n}, ${k}]ᵀ`);
    }
  }
});

for (const weights of WEIGHT_FORMATS) test(`wasm matVec with ${weights} weights: bit-identical on 1, 2 and 3 threads (workers running tasks)`, async () => {
  const rng = new Rng(32);
  const [m, k, n] = [2, 300, 203];
  assert.ok(m * k * n >= STEP_PARALLEL_MIN, 'large enough to run on every thread');
  const x = randArray(m * k, rng);
  const w = packRowsAs(weights, randArray(n * k, rng), n, k);
  const run = (threads: number) => onThreads(rt, threads, () => {
    const out = new Float32Array(m * n);
    wasm.matVec({ m, k, n, x, w, weights, out });
    return out;
  });
  const base = await run(1);
  for (const threads of [2, 3]) assertBitIdentical(await run(threads), base, `${threads} threads`);
});

test('the wasm matmul of one or two rows by Wᵀ runs on every thread through matVec, with the bits of the one-thread kernel', async () => {
  const rng = new Rng(33);
  for (const [m, k, n] of [[1, 768, 301], [2, 129, 257]]) {
    const a = randArray(m * k, rng);
    const b = randArray(n * k, rng);
    const dims = { batch: 1, m, k, n, transA: false, transB: true, strideA: 0, strideB: 0, accumulate: false };
    const run = (threads: number) => onThreads(rt, threads, () => {
      const c = new Float32Array(m * n);
      wasm.matmul(a, b, c, dims);
      return c;
    });
    const one = await run(1);
    assertBitIdentical(await run(2), one, `${m}×${k}·[${n}, ${k}]ᵀ on 2 threads`);
    const want = new Float32Array(m * n);
    referenceKernels.matmul(a, b, want, dims);
    assertWithin(one, want, dotBound(a, b, m, k, n), 1e-7, `${m}×${k}·[${n}, ${k}]ᵀ against the reference`);
  }
});
