// The wasm AdamW update against the reference kernel: sizes around the vector width and the task
// size, weight decay on and off, several steps in a row; and the same bits on 1 and 2 threads.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/tensor/random.js';
import { referenceKernels } from '../../src/kernels/reference/index.js';
import type { AdamWHyper } from '../../src/kernels/reference/adamw.js';
import { assertBitIdentical, onThreads, randArray, wasmKernels } from './wasm_helpers.js';

const { rt, k: wasm } = await wasmKernels(2);

function hyper(step: number, lr: number, weightDecay: number): AdamWHyper {
  const beta1 = 0.9, beta2 = 0.999;
  return { lr, beta1, beta2, eps: 1e-8, decay: 1 - lr * weightDecay, c1: 1 - beta1 ** step, c2: 1 - beta2 ** step };
}

test('wasm AdamW equals the reference over five steps, for sizes around 4 and the task size', () => {
  const rng = new Rng(3);
  for (const n of [1, 3, 4, 7, 64, 16383, 16385, 40000]) {
    for (const weightDecay of [0, 0.1]) {
      const w0 = randArray(n, rng);
      const [wRef, mRef, vRef] = [w0.slice(), new Float32Array(n), new Float32Array(n)];
      const [w, m, v] = [rt.residentCopy(w0), rt.residentCopy(new Float32Array(n)), rt.residentCopy(new Float32Array(n))];
      for (let step = 1; step <= 5; step++) {
        const g = randArray(n, rng, -2, 2);
        const h = hyper(step, 1e-2, weightDecay);
        referenceKernels.adamwStep(wRef, g, mRef, vRef, h);
        wasm.adamwStep(w, g, m, v, h);
      }
      // f32 arithmetic against f64 rounded at each store: m (|m| < 1) sums terms up to 0.2 (|g| ≤ 2)
      // that may cancel, so a few ulp of 1 absolutely; v sums positive terms, so a few ulp of
      // itself; w moves by lr·m̂/(√v̂ + eps) each step, so a few ulp of w plus the step's error.
      for (let i = 0; i < n; i++) {
        assert.ok(Math.abs(m[i] - mRef[i]) <= 5e-7, `n ${n} m[${i}]: ${m[i]} vs ${mRef[i]}`);
        assert.ok(Math.abs(v[i] - vRef[i]) <= 1e-6 * (Math.abs(vRef[i]) + 1e-6), `n ${n} v[${i}]: ${v[i]} vs ${vRef[i]}`);
        assert.ok(Math.abs(w[i] - wRef[i]) <= 1e-6 * Math.abs(wRef[i]) + 1e-7, `n ${n} wd ${weightDecay} w[${i}]: ${w[i]} vs ${wRef[i]}`);
      }
    }
  }
});

test('wasm AdamW gives the same bits on 1 and 2 threads (a worker running tasks), on resident and plain arrays', async () => {
  const rng = new Rng(4);
  const n = 70001;
  const w0 = randArray(n, rng);
  const g = randArray(n, rng);
  const run = (resident: boolean) => {
    const place = (a: Float32Array) => (resident ? rt.residentCopy(a) : a.slice());
    const [w, m, v] = [place(w0), place(new Float32Array(n)), place(new Float32Array(n))];
    wasm.adamwStep(w, g, m, v, hyper(1, 1e-3, 0.1));
    wasm.adamwStep(w, g, m, v, hyper(2, 1e-3, 0.1));
    return w;
  };
  const runs: Float32Array[] = [];
  for (const threads of [1, 2]) for (const resident of [true, false]) runs.push(await onThreads(rt, threads, () => run(resident)));
  for (const w of runs.slice(1)) assertBitIdentical(w, runs[0], 'w');
});
