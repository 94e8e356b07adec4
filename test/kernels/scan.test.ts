// The scan library: every algorithm equals the sequential scan (values and gradients) on real and
// complex recurrences of many lengths, with and without an initial state; the sequential scan and
// its backward equal an independent float64 computation; depths are as documented.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/tensor/random.js';
import {
  LinearRecurrence, SCAN_ALGORITHMS, runScan, scanBackward, sequentialScan, blellochScan, hillisSteeleScan, chunkedScan,
} from '../../src/kernels/scan/index.js';
import { assertClose } from '../helpers.js';

const LENGTHS = [1, 2, 3, 7, 64, 100, 1000, 4096];

function randArray(n: number, rng: Rng, low = -1, high = 1): Float32Array {
  return Float32Array.from({ length: n }, () => low + (high - low) * rng.next());
}

/** a with |a| ≤ 0.95 (complex: modulus and phase), so states stay of order 1 over 4096 steps. */
function recurrence(L: number, C: number, complex: boolean, withH0: boolean, seed: number): LinearRecurrence {
  const rng = new Rng(seed);
  const n = L * C;
  let a: Float32Array, aIm: Float32Array | null = null;
  if (complex) {
    a = new Float32Array(n);
    aIm = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const r = 0.95 * Math.sqrt(rng.next());
      const phi = 2 * Math.PI * rng.next();
      a[i] = r * Math.cos(phi);
      aIm[i] = r * Math.sin(phi);
    }
  } else a = randArray(n, rng, -0.95, 0.95);
  return {
    L, C, a, aIm, b: randArray(n, rng), bIm: complex ? randArray(n, rng) : null,
    h0: withH0 ? randArray(C, rng) : null, h0Im: withH0 && complex ? randArray(C, rng) : null,
  };
}

/** The recurrence in float64, complex arithmetic written out: the independent reference. */
function reference(r: LinearRecurrence): { h: Float64Array; hIm: Float64Array } {
  const { L, C } = r;
  const h = new Float64Array(L * C);
  const hIm = new Float64Array(L * C);
  for (let c = 0; c < C; c++) {
    let pr = r.h0 ? r.h0[c] : 0;
    let pi = r.h0Im ? r.h0Im[c] : 0;
    for (let t = 0; t < L; t++) {
      const i = t * C + c;
      const ar = r.a[i];
      const ai = r.aIm ? r.aIm[i] : 0;
      const nr = ar * pr - ai * pi + r.b[i];
      const ni = ar * pi + ai * pr + (r.bIm ? r.bIm[i] : 0);
      [pr, pi] = [nr, ni];
      h[i] = pr;
      hIm[i] = pi;
    }
  }
  return { h, hIm };
}

// f32 scans regroup the products differently from the sequential order: with |a| ≤ 0.95 and
// |b| ≤ 1 the states are below 20 and the rounding differences stay near 1e-6 relative.
const ATOL = 2e-5;
const RTOL = 1e-4;

test('the sequential scan equals the recurrence computed in float64, real and complex, with and without h0', () => {
  for (const complex of [false, true]) {
    for (const withH0 of [false, true]) {
      const r = recurrence(100, 3, complex, withH0, 1);
      const want = reference(r);
      const got = sequentialScan(r);
      assertClose(got.h, want.h, ATOL, RTOL, 'h');
      if (complex) assertClose(got.hIm!, want.hIm, ATOL, RTOL, 'hIm');
      else assert.equal(got.hIm, null);
    }
  }
});

test('a hand-computed real recurrence: h = [1, 2.5, 0.25] for a = [0.5, 2, −0.5], b = [1, 0.5, 1.5], h0 = 2', () => {
  const got = sequentialScan({ L: 3, C: 1, a: Float32Array.of(0.5, 2, -0.5), b: Float32Array.of(0, 0.5, 1.5), h0: Float32Array.of(2) });
  // h0 = 2: h_0 = 0.5·2 + 0 = 1, h_1 = 2·1 + 0.5 = 2.5, h_2 = −0.5·2.5 + 1.5 = 0.25.
  assert.deepEqual([...got.h], [1, 2.5, 0.25]);
});

test('a hand-computed complex step: a = i rotates the state by 90°', () => {
  const got = sequentialScan({
    L: 2, C: 1, a: Float32Array.of(0, 0), aIm: Float32Array.of(1, 1), b: Float32Array.of(1, 0), bIm: Float32Array.of(0, 0),
  });
  assert.deepEqual([...got.h, ...got.hIm!], [1, 0, 0, 1]); // h_0 = 1, h_1 = i·1 = i
});

for (const algorithm of SCAN_ALGORITHMS.filter((a) => a !== 'sequential')) {
  test(`${algorithm} equals the sequential scan for L = ${LENGTHS.join(', ')}, real and complex, with and without h0`, () => {
    for (const L of LENGTHS) {
      for (const complex of [false, true]) {
        for (const withH0 of [false, true]) {
          const r = recurrence(L, 3, complex, withH0, L * 4 + (complex ? 2 : 0) + (withH0 ? 1 : 0));
          const want = sequentialScan(r);
          const got = runScan(r, algorithm);
          const what = `L ${L} ${complex ? 'complex' : 'real'}${withH0 ? ' h0' : ''}`;
          assertClose(got.h, want.h, ATOL, RTOL, `${what} h`);
          if (complex) assertClose(got.hIm!, want.hIm!, ATOL, RTOL, `${what} hIm`);
        }
      }
    }
  });

  test(`${algorithm} backward (reverse recurrence on the same algorithm) equals the sequential backward for all lengths`, () => {
    for (const L of LENGTHS) {
      for (const complex of [false, true]) {
        for (const withH0 of [false, true]) {
          const r = recurrence(L, 2, complex, withH0, 7 * L + (complex ? 2 : 0) + (withH0 ? 1 : 0));
          const fwd = sequentialScan(r);
          const rng = new Rng(L);
          const g = randArray(L * 2, rng);
          const gIm = complex ? randArray(L * 2, rng) : null;
          const want = scanBackward(r, fwd.h, fwd.hIm, g, gIm, 'sequential');
          const got = scanBackward(r, fwd.h, fwd.hIm, g, gIm, algorithm);
          const what = `L ${L} ${complex ? 'complex' : 'real'}${withH0 ? ' h0' : ''}`;
          for (const key of ['a', 'b', 'h0', 'aIm', 'bIm', 'h0Im'] as const) {
            if (want[key] === null) assert.equal(got[key], null);
            else assertClose(got[key]!, want[key]!, ATOL, RTOL, `${what} ∂${key}`);
          }
        }
      }
    }
  });
}

test('scanBackward equals central differences of L = Σ Re(conj(w)·h) (float64 recurrence), real and complex', () => {
  // The complex convention: ∂L/∂z = ∂L/∂Re z + i·∂L/∂Im z; with L = Σ (wRe·Re h + wIm·Im h), g = w.
  for (const complex of [false, true]) {
    const r = recurrence(6, 2, complex, true, 11);
    const rng = new Rng(5);
    const w = randArray(12, rng);
    const wIm = complex ? randArray(12, rng) : null;
    const loss = (): number => {
      const h = reference(r);
      let s = 0;
      for (let i = 0; i < 12; i++) s += w[i] * h.h[i] + (wIm ? wIm[i] * h.hIm[i] : 0);
      return s;
    };
    const fwd = sequentialScan(r);
    const grads = scanBackward(r, fwd.h, fwd.hIm, w, wIm);
    const inputs = [['a', r.a], ['b', r.b], ['h0', r.h0], ['aIm', r.aIm], ['bIm', r.bIm], ['h0Im', r.h0Im]] as const;
    for (const [key, arr] of inputs) {
      if (!arr) continue;
      const numeric = Array.from(arr, (_, i) => {
        const orig = arr[i];
        const eps = 1e-3; // the loss is computed in float64 from f32 inputs; eps keeps f32 steps exact enough
        arr[i] = orig + eps;
        const up = loss();
        arr[i] = orig - eps;
        const down = loss();
        arr[i] = orig;
        return (up - down) / (2 * eps);
      });
      assertClose(grads[key]!, numeric, 1e-3, 1e-3, `∂${key} (${complex ? 'complex' : 'real'})`);
    }
  }
});

test('depths: sequential L, Hillis–Steele ⌈log₂ L⌉, Blelloch 2⌈log₂ L⌉ + 1, chunked 2⌈L/P⌉ + P', () => {
  for (const L of [1, 7, 64, 100]) {
    const r = recurrence(L, 1, false, false, 3);
    const lg = Math.ceil(Math.log2(L));
    assert.equal(sequentialScan(r).depth, L);
    assert.equal(hillisSteeleScan(r).depth, lg);
    assert.equal(blellochScan(r).depth, 2 * lg + 1);
  }
  const r = recurrence(100, 1, false, false, 3);
  assert.equal(chunkedScan(r, { chunks: 4 }).depth, 25 + 4 + 25);
  assert.equal(chunkedScan(r, { chunks: 7 }).depth, 15 + 7 + 15); // 7 chunks of ≤ 15 steps
  assert.equal(chunkedScan(r).depth, 7 + 15 + 7); // default ⌈√200⌉ = 15 chunks of ≤ 7 steps
  assert.equal(hillisSteeleScan(recurrence(8, 1, false, true, 3)).depth, 4, 'h0 costs one round');
});

test('the chunked scan is correct for every chunk count, including more chunks than steps', () => {
  const r = recurrence(37, 2, true, true, 9);
  const want = sequentialScan(r);
  for (const chunks of [1, 2, 3, 5, 36, 37, 100]) {
    const got = chunkedScan(r, { chunks });
    assertClose(got.h, want.h, ATOL, RTOL, `chunks ${chunks} h`);
    assertClose(got.hIm!, want.hIm!, ATOL, RTOL, `chunks ${chunks} hIm`);
  }
});

test('length 0 gives empty results; bad inputs are named', () => {
  for (const algorithm of SCAN_ALGORITHMS) {
    assert.equal(runScan({ L: 0, C: 3, a: new Float32Array(0), b: new Float32Array(0) }, algorithm).h.length, 0);
  }
  assert.throws(() => sequentialScan({ L: 2, C: 3, a: new Float32Array(6), b: new Float32Array(5) }), /sequentialScan: b has 5 elements, expected 6/);
  assert.throws(() => blellochScan({ L: 1, C: 1, a: new Float32Array(1), b: new Float32Array(1), aIm: new Float32Array(1) }), /needs both aIm and bIm/);
  assert.throws(() => chunkedScan({ L: 4, C: 1, a: new Float32Array(4), b: new Float32Array(4) }, { chunks: 0 }), /chunks must be a positive integer/);
});
