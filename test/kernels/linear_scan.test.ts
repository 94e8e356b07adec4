// The batched linear-scan kernels: each sequence of [B, L, C] is the scan library's recurrence from
// its own h0, for every algorithm; and the linearScan ops reach them only through kernels(), so
// that a backend can replace them.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/tensor/random.js';
import { backward } from '../../src/autograd/tape.js';
import { backendName, registerBackend, setBackend } from '../../src/kernels/backend.js';
import { referenceKernels } from '../../src/kernels/reference/index.js';
import { SCAN_ALGORITHMS, runScan, scanBackward } from '../../src/kernels/scan/index.js';
import { linearScan, linearScanComplex, sum, add } from '../../src/ops/index.js';
import { assertClose, rand } from '../helpers.js';

function randArray(n: number, rng: Rng): Float32Array {
  return Float32Array.from({ length: n }, () => rng.next() * 2 - 1);
}

test('linearScanForward/Backward equal the scan library run per sequence, real and complex, every algorithm', () => {
  const [B, L, C] = [3, 9, 2];
  const n = B * L * C;
  const rng = new Rng(5);
  for (const complex of [false, true]) {
    const [a, aIm, b, bIm, g, gIm] = [0, 1, 2, 3, 4, 5].map(() => randArray(n, rng));
    const [h0, h0Im] = [randArray(B * C, rng), randArray(B * C, rng)];
    const im = <T>(x: T) => (complex ? x : null);
    for (const algorithm of SCAN_ALGORITHMS) {
      const inputs = { B, L, C, a, aIm: im(aIm), b, bIm: im(bIm), h0, h0Im: im(h0Im), algorithm };
      const h = new Float32Array(n);
      const hIm = im(new Float32Array(n));
      referenceKernels.linearScanForward({ ...inputs, h, hIm });
      const [gradA, gradAIm, gradB, gradBIm] = [0, 1, 2, 3].map(() => new Float32Array(n));
      referenceKernels.linearScanBackward({ ...inputs, h, hIm, g, gIm: im(gIm), gradA, gradAIm: im(gradAIm), gradB, gradBIm: im(gradBIm) });
      for (let i = 0; i < B; i++) {
        const rows = (x: Float32Array) => x.slice(i * L * C, (i + 1) * L * C);
        const state = (x: Float32Array) => x.slice(i * C, (i + 1) * C);
        const r = { L, C, a: rows(a), aIm: im(rows(aIm)), b: rows(b), bIm: im(rows(bIm)), h0: state(h0), h0Im: im(state(h0Im)) };
        const want = runScan(r, 'sequential');
        const what = `${complex ? 'complex' : 'real'} ${algorithm} sequence ${i}`;
        // Parallel algorithms add in another order: f32 rounding, a few ulps of values of order 1–10.
        assertClose(rows(h), want.h, 1e-4, 1e-4, `${what} h`);
        if (complex) assertClose(rows(hIm!), want.hIm!, 1e-4, 1e-4, `${what} hIm`);
        const grads = scanBackward(r, want.h, want.hIm, rows(g), im(rows(gIm)), 'sequential');
        assertClose(rows(gradA), grads.a, 1e-4, 1e-4, `${what} ∂a`);
        assertClose(rows(gradB), grads.b, 1e-4, 1e-4, `${what} ∂b`);
        if (complex) assertClose(rows(gradAIm), grads.aIm!, 1e-4, 1e-4, `${what} ∂aIm`);
      }
    }
  }
});

test('linearScan and linearScanComplex call the backend kernels, forward and backward', () => {
  const calls: string[] = [];
  const before = backendName();
  registerBackend({
    name: 'spy-linear-scan',
    kernels: {
      ...referenceKernels,
      linearScanForward: (args) => {
        calls.push('forward');
        referenceKernels.linearScanForward(args);
      },
      linearScanBackward: (args) => {
        calls.push('backward');
        referenceKernels.linearScanBackward(args);
      },
    },
  });
  setBackend('spy-linear-scan');
  try {
    const rng = new Rng(3);
    const [a, b, c, d] = [0, 1, 2, 3].map(() => rand([2, 4, 3], rng, { low: -0.9, high: 0.9 }));
    backward(sum(linearScan(a, b)));
    const [re, im] = linearScanComplex(a, b, c, d);
    backward(sum(add(re, im)));
    assert.deepEqual(calls, ['forward', 'backward', 'forward', 'backward']);
    assert.ok(a.grad && d.grad, 'gradients reach the inputs');
  } finally {
    setBackend(before);
  }
});
