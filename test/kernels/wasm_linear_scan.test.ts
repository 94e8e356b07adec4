// The wasm linear recurrence (the LRU's scan) against the reference kernels' sequential scan:
// real and complex, with and without an initial state, odd lengths and channel counts (partial
// vectors and blocks), bit-identical on 1, 2 and 3 threads; other algorithms keep the reference.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/tensor/random.js';
import { referenceKernels } from '../../src/kernels/reference/index.js';
import type { LinearScanBackwardArgs, LinearScanForwardArgs } from '../../src/kernels/reference/linear_scan.js';
import { assertBitIdentical, onThreads, randArray, wasmKernels } from './wasm_helpers.js';

const { rt, k: wasm } = await wasmKernels(2);

interface Case { B: number; L: number; C: number; complex: boolean; h0: boolean }

function forwardArgs(s: Case, rng: Rng): LinearScanForwardArgs {
  const n = s.B * s.L * s.C;
  // |a| < 1 (stable), as the LRU's λ.
  const a = randArray(n, rng, -0.7, 0.7);
  return {
    B: s.B, L: s.L, C: s.C, algorithm: 'sequential',
    a, aIm: s.complex ? randArray(n, rng, -0.7, 0.7) : null,
    b: randArray(n, rng), bIm: s.complex ? randArray(n, rng) : null,
    h0: s.h0 ? randArray(s.B * s.C, rng) : null, h0Im: s.h0 && s.complex ? randArray(s.B * s.C, rng) : null,
    h: new Float32Array(n), hIm: s.complex ? new Float32Array(n) : null,
  };
}

function backwardArgs(f: LinearScanForwardArgs, rng: Rng): LinearScanBackwardArgs {
  const n = f.B * f.L * f.C;
  const complex = f.aIm !== null;
  return {
    ...f, g: randArray(n, rng), gIm: complex ? randArray(n, rng) : null,
    gradA: new Float32Array(n), gradAIm: complex ? new Float32Array(n) : null,
    gradB: new Float32Array(n), gradBIm: complex ? new Float32Array(n) : null,
  };
}

/** The reference rounds each step once from f64, the kernel rounds every f32 operation. */
function assertClose(got: Float32Array, want: Float32Array, what: string): void {
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(got[i] - want[i]) <= 1e-5 + 1e-4 * Math.abs(want[i]))) assert.fail(`${what}[${i}]: got ${got[i]}, want ${want[i]}`);
  }
}

const CASES: Case[] = [
  { B: 1, L: 1, C: 1, complex: false, h0: false },
  { B: 2, L: 37, C: 5, complex: false, h0: true },
  { B: 3, L: 17, C: 70, complex: true, h0: true },
  { B: 1, L: 64, C: 33, complex: true, h0: false },
  { B: 2, L: 1, C: 9, complex: true, h0: true },
];

test('wasm linear scan forward and backward equal the reference sequential scan (real, complex, with and without h0)', () => {
  const rng = new Rng(31);
  for (const s of CASES) {
    const label = `B${s.B} L${s.L} C${s.C} ${s.complex ? 'complex' : 'real'}${s.h0 ? ' h0' : ''}`;
    const ref = forwardArgs(s, rng);
    const got = { ...ref, h: new Float32Array(ref.h.length), hIm: ref.hIm ? new Float32Array(ref.hIm.length) : null };
    referenceKernels.linearScanForward(ref);
    wasm.linearScanForward(got);
    assertClose(got.h, ref.h, `${label} h`);
    if (ref.hIm) assertClose(got.hIm!, ref.hIm, `${label} hIm`);

    const bref = backwardArgs(ref, rng);
    const bgot = { ...bref, gradA: new Float32Array(bref.gradA.length), gradB: new Float32Array(bref.gradB.length),
      gradAIm: bref.gradAIm ? new Float32Array(bref.gradAIm.length) : null, gradBIm: bref.gradBIm ? new Float32Array(bref.gradBIm.length) : null };
    referenceKernels.linearScanBackward(bref);
    wasm.linearScanBackward(bgot);
    for (const key of ['gradA', 'gradB', 'gradAIm', 'gradBIm'] as const) {
      if (bref[key]) assertClose(bgot[key]!, bref[key]!, `${label} ${key}`);
    }
  }
});

test('wasm linear scan: bit-identical on 1, 2 and 3 threads (workers running tasks); non-sequential algorithms give the reference bits', async () => {
  const rng = new Rng(32);
  const s: Case = { B: 2, L: 300, C: 130, complex: true, h0: true }; // 78,000 elements: parallel
  const proto = forwardArgs(s, rng);
  const gradProto = backwardArgs(proto, rng);
  const run = () => {
    const f = { ...proto, h: new Float32Array(proto.h.length), hIm: new Float32Array(proto.h.length) };
    wasm.linearScanForward(f);
    const g = { ...gradProto, h: f.h, hIm: f.hIm, gradA: new Float32Array(f.h.length), gradAIm: new Float32Array(f.h.length), gradB: new Float32Array(f.h.length), gradBIm: new Float32Array(f.h.length) };
    wasm.linearScanBackward(g);
    return [f.h, f.hIm, g.gradA, g.gradAIm, g.gradB, g.gradBIm];
  };
  const runs = [await onThreads(rt, 1, run), await onThreads(rt, 2, run), await onThreads(rt, 3, run)];
  for (const r of [1, 2]) runs[r].forEach((arr, i) => assertBitIdentical(arr, runs[0][i], `output ${i}, ${r + 1} threads`));

  const chunked = { ...proto, algorithm: 'chunked' as const, h: new Float32Array(proto.h.length), hIm: new Float32Array(proto.h.length) };
  const want = { ...chunked, h: new Float32Array(proto.h.length), hIm: new Float32Array(proto.h.length) };
  wasm.linearScanForward(chunked);
  referenceKernels.linearScanForward(want);
  assertBitIdentical(chunked.h, want.h, 'chunked h');
});
