// The selective scan: hand-computed values; the fused chunked op (and its kernels at small chunk
// lengths) against the naive reference, values and every gradient; prefill in two calls through
// the states; the one-token step kernel against the full forward; input shape errors.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { selectiveScan, selectiveScanReference } from '../../src/ops/index.js';
import {
  selectiveScanForward, selectiveScanBackward, selectiveScanNaiveForward, selectiveScanNaiveBackward, selectiveScanStep,
  SelectiveScanInputs, SelectiveScanGradients,
} from '../../src/kernels/reference/selective_scan.js';
import { backward, noGrad } from '../../src/autograd/tape.js';
import { Tensor, fromArray, zeros } from '../../src/tensor/tensor.js';
import { Rng } from '../../src/tensor/random.js';
import { assertClose, rand } from '../helpers.js';

interface Config {
  B: number; L: number; E: number; N: number;
  D: boolean; bias: boolean; softplus: boolean; initialState: boolean;
}

interface ScanInputs {
  x: Tensor; dt: Tensor; A: Tensor; Bm: Tensor; C: Tensor; D: Tensor | null; bias: Tensor | null;
  init: Float32Array | null;
}

function makeInputs(c: Config, rng: Rng): ScanInputs {
  return {
    x: rand([c.B, c.L, c.E], rng),
    dt: c.softplus ? rand([c.B, c.L, c.E], rng, { low: -2, high: 1 }) : rand([c.B, c.L, c.E], rng, { low: 0.05, high: 0.8 }),
    A: rand([c.E, c.N], rng, { low: -3, high: -0.1 }),
    Bm: rand([c.B, c.L, c.N], rng),
    C: rand([c.B, c.L, c.N], rng),
    D: c.D ? rand([c.E], rng) : null,
    bias: c.bias ? rand([c.E], rng, { low: 0, high: 0.5 }) : null,
    init: c.initialState ? rand([c.B, c.E, c.N], rng, { grad: false }).data : null,
  };
}

type Scan = typeof selectiveScan;

function run(scan: Scan, s: ScanInputs, softplus: boolean, finalState: Float32Array | null = null): Tensor {
  return scan(s.x, s.dt, s.A, s.Bm, s.C, s.D, { deltaBias: s.bias, deltaSoftplus: softplus, initialState: s.init, finalState });
}

/** y and the gradients of Σ w ⊙ y with respect to x, dt, A, Bm, C, D, deltaBias (in that order). */
function valuesAndGrads(scan: Scan, s: ScanInputs, softplus: boolean, w: Float32Array): Float32Array[] {
  const params = [s.x, s.dt, s.A, s.Bm, s.C, s.D, s.bias].filter((t): t is Tensor => t !== null);
  for (const p of params) p.grad = null;
  const y = run(scan, s, softplus);
  const values = y.data.slice();
  backward(y, w);
  return [values, ...params.map((p) => p.grad!)];
}

const names = ['y', 'dx', 'ddt', 'dA', 'dBm', 'dC', 'dD', 'ddeltaBias'];

test('a scan of one channel with one state matches the recurrence worked by hand', () => {
  // delta = dt (no softplus, no bias); h0 = 0.5·1·1 = 0.5, y0 = 2·0.5 + 0.1·1 = 1.1;
  // h1 = e^{−1}·0.5 + 1·0.5·2 = 1.18394, y1 = 1·h1 + 0.1·2 = 1.38394.
  const x = fromArray([1, 2], [1, 2, 1]);
  const dt = fromArray([0.5, 1], [1, 2, 1]);
  const A = fromArray([-1], [1, 1]);
  const Bm = fromArray([1, 0.5], [1, 2, 1]);
  const C = fromArray([2, 1], [1, 2, 1]);
  const D = fromArray([0.1]);
  for (const scan of [selectiveScan, selectiveScanReference]) {
    const finalState = new Float32Array(1);
    const y = scan(x, dt, A, Bm, C, D, { deltaSoftplus: false, finalState });
    assertClose(y.data, [1.1, 0.5 * Math.exp(-1) + 1 + 0.2], 1e-6, 1e-6);
    assertClose(finalState, [0.5 * Math.exp(-1) + 1], 1e-6, 1e-6);
  }
});

test('softplus and deltaBias give delta = softplus(dt + bias)', () => {
  // One step from a zero state: y = C·delta·Bm·x with delta = log(1 + e^{0.3 + 0.2}).
  const one = fromArray([1], [1, 1, 1]);
  const y = selectiveScan(fromArray([2], [1, 1, 1]), fromArray([0.3], [1, 1, 1]), fromArray([-1], [1, 1]), one, fromArray([3], [1, 1, 1]), null, {
    deltaBias: fromArray([0.2]),
  });
  assertClose(y.data, [3 * Math.log1p(Math.exp(0.5)) * 2], 1e-6, 1e-6);
});

// Random configurations covering L = 1, L < chunk (64), L = chunk, L not a multiple of the chunk,
// odd E, N ∈ {1, 3, 16}, B ∈ {1, 2}, each option on and off.
const configs: Config[] = [
  { B: 1, L: 1, E: 3, N: 1, D: true, bias: true, softplus: true, initialState: false },
  { B: 2, L: 1, E: 1, N: 16, D: false, bias: false, softplus: false, initialState: true },
  { B: 2, L: 37, E: 5, N: 3, D: true, bias: false, softplus: true, initialState: true },
  { B: 1, L: 64, E: 3, N: 16, D: false, bias: true, softplus: false, initialState: false },
  { B: 2, L: 150, E: 3, N: 16, D: true, bias: true, softplus: true, initialState: true },
  { B: 1, L: 129, E: 7, N: 1, D: false, bias: false, softplus: true, initialState: false },
  { B: 2, L: 70, E: 1, N: 3, D: true, bias: true, softplus: false, initialState: true },
];

test('the fused scan equals the naive scan in values and in every gradient', () => {
  const rng = new Rng(21);
  for (const c of configs) {
    const s = makeInputs(c, rng);
    const w = rand([c.B, c.L, c.E], rng, { grad: false }).data;
    const fused = valuesAndGrads(selectiveScan, s, c.softplus, w);
    const naive = valuesAndGrads(selectiveScanReference, s, c.softplus, w);
    const label = JSON.stringify(c);
    // Same maths in f32; gradients of A, D and deltaBias sum up to B·L terms in another order.
    fused.forEach((f, i) => assertClose(f, naive[i], 1e-5, 1e-4, `${names[i]} ${label}`));
  }
});

function kernelInputs(c: Config, s: ScanInputs): SelectiveScanInputs {
  return {
    B: c.B, L: c.L, E: c.E, N: c.N, x: s.x.data, dt: s.dt.data, A: s.A.data, Bm: s.Bm.data, C: s.C.data,
    Dskip: s.D?.data ?? null, deltaBias: s.bias?.data ?? null, deltaSoftplus: c.softplus,
  };
}

function freshGrads(c: Config, gradY: Float32Array): SelectiveScanGradients {
  const BLE = c.B * c.L * c.E;
  const BLN = c.B * c.L * c.N;
  return {
    gradY, gradX: new Float32Array(BLE), gradDt: new Float32Array(BLE), gradA: new Float32Array(c.E * c.N),
    gradBm: new Float32Array(BLN), gradC: new Float32Array(BLN),
    gradDskip: c.D ? new Float32Array(c.E) : null, gradDeltaBias: c.bias ? new Float32Array(c.E) : null,
  };
}

test('the fused kernels at chunk lengths 1 to 7 equal the naive kernels, final state included', () => {
  const rng = new Rng(8);
  for (const T of [1, 2, 3, 4, 7]) {
    for (const L of [1, 3, 4, 9, 12]) {
      const c: Config = { B: 2, L, E: 3, N: 3, D: true, bias: true, softplus: T % 2 === 1, initialState: L % 3 === 0 };
      const s = makeInputs(c, rng);
      const inputs = kernelInputs(c, s);
      const gradY = rand([c.B, L, c.E], rng, { grad: false }).data;
      const BLE = c.B * L * c.E;
      const fused = { y: new Float32Array(BLE), delta: new Float32Array(BLE), final: new Float32Array(c.B * c.E * c.N) };
      const chunkStates = new Float32Array(c.B * Math.ceil(L / T) * c.E * c.N);
      selectiveScanForward({ ...inputs, T, initialState: s.init, y: fused.y, delta: fused.delta, chunkStates, finalState: fused.final });
      const fusedGrads = freshGrads(c, gradY);
      selectiveScanBackward({ ...inputs, ...fusedGrads, T, delta: fused.delta, chunkStates });
      const naive = { y: new Float32Array(BLE), delta: new Float32Array(BLE), final: new Float32Array(c.B * c.E * c.N) };
      const states = new Float32Array(BLE * c.N);
      selectiveScanNaiveForward({ ...inputs, initialState: s.init, y: naive.y, delta: naive.delta, states, finalState: naive.final });
      const naiveGrads = freshGrads(c, gradY);
      selectiveScanNaiveBackward({ ...inputs, ...naiveGrads, initialState: s.init, delta: naive.delta, states });
      const label = `T ${T} L ${L}`;
      assertClose(fused.y, naive.y, 1e-5, 1e-5, `y ${label}`);
      assertClose(fused.final, naive.final, 1e-5, 1e-5, `final state ${label}`);
      for (const key of ['gradX', 'gradDt', 'gradA', 'gradBm', 'gradC', 'gradDskip', 'gradDeltaBias'] as const) {
        assertClose(fusedGrads[key]!, naiveGrads[key]!, 1e-5, 1e-4, `${key} ${label}`);
      }
    }
  }
});

/** Rows [t0, t1) of a [B, L, K] tensor as a new leaf. */
function timeSlice(t: Tensor, t0: number, t1: number): Tensor {
  const [B, L, K] = t.shape;
  const out = zeros([B, t1 - t0, K]);
  for (let b = 0; b < B; b++) out.data.set(t.data.subarray((b * L + t0) * K, (b * L + t1) * K), b * (t1 - t0) * K);
  return out;
}

test('scanning [0, L) at once equals scanning [0, L1) then [L1, L) from its final state', () => {
  const rng = new Rng(4);
  const c: Config = { B: 2, L: 150, E: 5, N: 4, D: true, bias: true, softplus: true, initialState: true };
  const s = makeInputs(c, rng);
  for (const scan of [selectiveScan, selectiveScanReference]) {
    const whole = new Float32Array(c.B * c.E * c.N);
    const y = noGrad(() => run(scan, s, true, whole)).data;
    for (const L1 of [1, 37, 64, 149]) {
      const part = (t0: number, t1: number, init: Float32Array | null, finalState: Float32Array) =>
        noGrad(() => scan(timeSlice(s.x, t0, t1), timeSlice(s.dt, t0, t1), s.A, timeSlice(s.Bm, t0, t1), timeSlice(s.C, t0, t1), s.D, {
          deltaBias: s.bias, initialState: init, finalState,
        }));
      const mid = new Float32Array(c.B * c.E * c.N);
      const end = new Float32Array(c.B * c.E * c.N);
      const first = part(0, L1, s.init, mid);
      const second = part(L1, c.L, mid, end);
      // The same f32 operations in the same order: equal up to rounding of the sum over n.
      assertClose(first.data, timeSlice(new Tensor(y, [c.B, c.L, c.E]), 0, L1).data, 1e-6, 1e-6, `first part, L1 ${L1}`);
      assertClose(second.data, timeSlice(new Tensor(y, [c.B, c.L, c.E]), L1, c.L).data, 1e-6, 1e-6, `second part, L1 ${L1}`);
      assertClose(end, whole, 1e-6, 1e-6, `final state, L1 ${L1}`);
    }
  }
});

test('selectiveScanStep token by token reproduces the full forward and its final state', () => {
  const rng = new Rng(12);
  for (const c of configs) {
    const s = makeInputs(c, rng);
    const whole = new Float32Array(c.B * c.E * c.N);
    const y = noGrad(() => run(selectiveScan, s, c.softplus, whole)).data;
    const state = s.init ? s.init.slice() : new Float32Array(c.B * c.E * c.N);
    const yt = new Float32Array(c.B * c.E);
    for (let t = 0; t < c.L; t++) {
      const at = (v: Tensor) => timeSlice(v, t, t + 1).data; // [B, 1, K] as [B, K]
      selectiveScanStep({
        B: c.B, E: c.E, N: c.N, x: at(s.x), dt: at(s.dt), deltaBias: s.bias?.data ?? null, deltaSoftplus: c.softplus,
        A: s.A.data, Bm: at(s.Bm), C: at(s.C), Dskip: s.D?.data ?? null, state, y: yt,
      });
      for (let b = 0; b < c.B; b++) {
        assertClose(yt.subarray(b * c.E, (b + 1) * c.E), y.subarray((b * c.L + t) * c.E, (b * c.L + t + 1) * c.E), 1e-5, 1e-5, `y at t ${t}`);
      }
    }
    assertClose(state, whole, 1e-5, 1e-5, `final state ${JSON.stringify(c)}`);
  }
});

test('the scan does not modify initialState and records no graph under noGrad', () => {
  const rng = new Rng(2);
  const c: Config = { B: 1, L: 5, E: 2, N: 3, D: true, bias: true, softplus: true, initialState: true };
  const s = makeInputs(c, rng);
  const before = s.init!.slice();
  for (const scan of [selectiveScan, selectiveScanReference]) {
    const y = noGrad(() => run(scan, s, true));
    assert.equal(y.requiresGrad, false);
    assert.equal(y.node, null);
    assert.deepEqual(s.init, before);
  }
});

test('mismatched shapes are rejected with the op name and every input shape', () => {
  const rng = new Rng(1);
  const t = (...shape: number[]) => rand(shape, rng);
  const [x, dt, A, Bm, C] = [t(2, 5, 4), t(2, 5, 4), t(4, 3), t(2, 5, 3), t(2, 5, 3)];
  const cases: Array<[() => unknown, RegExp]> = [
    [() => selectiveScan(t(5, 4), dt, A, Bm, C, null), /selectiveScan: x must be \[B, L, E\], got \[5, 4\] \(inputs: x \[5, 4\], dt \[2, 5, 4\], A \[4, 3\], Bm \[2, 5, 3\], C \[2, 5, 3\]\)$/],
    [() => selectiveScan(x, t(2, 4, 4), A, Bm, C, null), /selectiveScan: dt \[2, 4, 4\] must be \[B, L, E\] = \[2, 5, 4\]/],
    [() => selectiveScan(x, dt, t(3, 3), Bm, C, null), /selectiveScan: A \[3, 3\] must be \[E, N\] with E = 4/],
    [() => selectiveScan(x, dt, A, t(2, 5, 2), C, null), /selectiveScan: Bm \[2, 5, 2\] must be \[B, L, N\] = \[2, 5, 3\]/],
    [() => selectiveScan(x, dt, A, Bm, t(1, 5, 3), null), /selectiveScan: C \[1, 5, 3\] must be \[B, L, N\] = \[2, 5, 3\]/],
    [() => selectiveScan(x, dt, A, Bm, C, t(3)), /selectiveScan: Dskip \[3\] must be \[E\] = \[4\].*Dskip \[3\]\)$/],
    [() => selectiveScan(x, dt, A, Bm, C, null, { deltaBias: t(4, 1) }), /selectiveScan: deltaBias \[4, 1\] must be \[E\] = \[4\]/],
    [() => selectiveScan(x, dt, A, Bm, C, null, { initialState: new Float32Array(5) }), /selectiveScan: initialState has 5 elements, expected \[B, E, N\] = \[2, 4, 3\]/],
    [() => selectiveScanReference(x, dt, A, Bm, C, null, { finalState: new Float32Array(25) }), /selectiveScanReference: finalState has 25 elements/],
  ];
  for (const [fn, message] of cases) assert.throws(fn, message);
});
