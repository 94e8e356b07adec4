// The wasm selective scan against the fused reference kernels, the vectorised exp/softplus/sigmoid
// against Math, and bit-identical results on 1, 2 and 3 threads.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/tensor/random.js';
import { referenceKernels } from '../../src/kernels/reference/index.js';
import { backendName, setBackend } from '../../src/kernels/backend.js';
import { initBackend } from '../../src/kernels/index.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { selectiveScan } from '../../src/ops/selective_scan.js';
import type {
  SelectiveScanBackwardArgs, SelectiveScanForwardArgs, SelectiveScanInputs,
} from '../../src/kernels/reference/selective_scan.js';
import { assertBitIdentical, onThreads, randArray, wasmKernels } from './wasm_helpers.js';

const { rt, k: wasm } = await wasmKernels(2);

function mapInWasm(fn: string, xs: Float32Array): Float32Array {
  rt.reset();
  const src = rt.copyIn(xs);
  const dst = rt.alloc(xs.length);
  (rt.exports as unknown as Record<string, (s: number, d: number, n: number) => void>)[fn](src, dst, xs.length);
  const out = new Float32Array(xs.length);
  rt.copyOut(dst, out);
  return out;
}

function maxRelError(got: Float32Array, xs: Float32Array, f: (x: number) => number): number {
  let worst = 0;
  for (let i = 0; i < xs.length; i++) {
    const want = f(xs[i]);
    if (want < 1.2e-38) continue; // below the smallest normal f32 the kernels clamp
    worst = Math.max(worst, Math.abs(got[i] - want) / want);
  }
  return worst;
}

test('vectorised exp has a relative error below 1.5e-7 from −87 to 88 (measured 8.1e-8)', () => {
  const rng = new Rng(7);
  const xs = new Float32Array(200_000);
  for (let i = 0; i < xs.length; i++) xs[i] = i < 100_000 ? -87 + (175 * i) / 100_000 : -20 + 20 * rng.next();
  const err = maxRelError(mapInWasm('mapExp', xs), xs, Math.exp);
  assert.ok(err < 1.5e-7, `max relative error ${err}`);
});

test('the scan\'s exp2 (2^x by a degree-5 minimax polynomial) has a relative error below 2e-7 from −125 to 0 (measured 1.6e-7 relaxed, 1.8e-7 plain SIMD)', () => {
  const rng = new Rng(8);
  const xs = new Float32Array(200_000);
  for (let i = 0; i < xs.length; i++) xs[i] = i < 100_000 ? -125 + (125 * i) / 100_000 : -30 * rng.next();
  const err = maxRelError(mapInWasm('mapExp2', xs), xs, (x) => 2 ** x);
  assert.ok(err < 2e-7, `max relative error ${err}`);
});

test('the scan\'s exp2 is +Infinity from 2^128 on and 0 below 2^−126, as 2^x rounded to f32; accurate up to 2^128; NaN stays NaN', () => {
  // Before, 2^k went into the exponent field unclamped: from 2^128.5 on the field ran into the
  // sign bit (2^144 came out as −2^−112, 2^200 as a negative number).
  const xs = new Float32Array(10_000);
  for (let i = 0; i < xs.length; i++) xs[i] = 100 + (40 * i) / xs.length; // 100 … 140
  const got = mapInWasm('mapExp2', xs);
  for (let i = 0; i < xs.length; i++) {
    const want = Math.fround(2 ** xs[i]);
    const ok = want === Infinity ? got[i] === Infinity : Math.abs(got[i] - want) <= 2e-7 * want;
    if (!ok) assert.fail(`2^${xs[i]} = ${got[i]}, want ${want}`);
  }
  const tails = [127.99, 128, 128.5, 129, 200, 1e30, Infinity, -126, -126.5, -149, -200, -1e30, -Infinity, NaN, 0, 4];
  const tailGot = [...mapInWasm('mapExp2', Float32Array.from(tails))];
  const near = 2 ** Math.fround(127.99);
  assert.ok(Math.abs(tailGot[0] - near) <= 2e-7 * near, `2^127.99 = ${tailGot[0]}, want ${near}`);
  assert.deepEqual(tailGot.slice(1), [Infinity, Infinity, Infinity, Infinity, Infinity, Infinity, 0, 0, 0, 0, 0, 0, NaN, 1, 16]);
});

test('the exp with IEEE tails overflows to Infinity, underflows through subnormals to 0 and keeps NaN', () => {
  const xs = new Float32Array(100_004);
  for (let i = 0; i < 100_000; i++) xs[i] = -110 + (200 * i) / 100_000;
  xs.set([NaN, 88.8, -Infinity, Infinity], 100_000);
  const got = mapInWasm('mapExpFull', xs);
  for (let i = 0; i < 100_000; i++) {
    const want = Math.fround(Math.exp(xs[i]));
    // 1.5e-7 relative, plus one subnormal ulp (2⁻¹⁴⁹): the second scaling factor rounds into the subnormals.
    if (!(Math.abs(got[i] - want) <= 1.5e-7 * want + 2 ** -149) && !(want === Infinity && got[i] === Infinity)) {
      assert.fail(`exp(${xs[i]}) = ${got[i]}, want ${want}`);
    }
  }
  assert.deepEqual([...got.subarray(100_000)], [NaN, Infinity, 0, Infinity]);
});

test('vectorised softplus and sigmoid have a relative error below 5e-7 (measured 2.1e-7 and 1.4e-7)', () => {
  const xs = new Float32Array(100_000);
  for (let i = 0; i < xs.length; i++) xs[i] = -30 + (60 * i) / xs.length;
  const softplus = (z: number) => (z > 20 ? z : Math.log1p(Math.exp(z)));
  const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
  const eSoftplus = maxRelError(mapInWasm('mapSoftplus', xs), xs, softplus);
  const eSigmoid = maxRelError(mapInWasm('mapSigmoid', xs), xs, sigmoid);
  assert.ok(eSoftplus < 5e-7, `softplus: max relative error ${eSoftplus}`);
  assert.ok(eSigmoid < 5e-7, `sigmoid: max relative error ${eSigmoid}`);
});

interface Shape { B: number; L: number; E: number; N: number; T: number; withD: boolean; softplus: boolean; init: boolean }

function inputs(s: Shape, rng: Rng): SelectiveScanInputs {
  const { B, L, E, N } = s;
  // As in a Mamba layer: A = −(1..N) per channel, dt ≈ softplus⁻¹ of [0.001, 0.1] (or delta
  // itself in [0.001, 0.1] without softplus).
  const A = new Float32Array(E * N);
  for (let e = 0; e < E; e++) for (let n = 0; n < N; n++) A[e * N + n] = -(n + 1) * (0.5 + rng.next());
  return {
    B, L, E, N,
    x: randArray(B * L * E, rng), dt: s.softplus ? randArray(B * L * E, rng, -5, -1) : randArray(B * L * E, rng, 0.001, 0.1), A,
    Bm: randArray(B * L * N, rng), C: randArray(B * L * N, rng),
    Dskip: s.withD ? randArray(E, rng) : null, deltaBias: s.withD ? randArray(E, rng, -0.5, 0.5) : null,
    deltaSoftplus: s.softplus,
  };
}

function forwardArgs(s: Shape, inp: SelectiveScanInputs, rng: Rng): SelectiveScanForwardArgs {
  const { B, L, E, N, T } = s;
  return {
    ...inp, T, initialState: s.init ? randArray(B * E * N, rng) : null,
    y: new Float32Array(B * L * E), delta: new Float32Array(B * L * E),
    chunkStates: new Float32Array(B * Math.ceil(L / T) * E * N), finalState: new Float32Array(B * E * N),
  };
}

function backwardArgs(s: Shape, inp: SelectiveScanInputs, fwd: SelectiveScanForwardArgs, gradY: Float32Array): SelectiveScanBackwardArgs {
  const { B, L, E, N, T } = s;
  return {
    ...inp, T, delta: fwd.delta, chunkStates: fwd.chunkStates, gradY,
    gradX: new Float32Array(B * L * E), gradDt: new Float32Array(B * L * E), gradA: new Float32Array(E * N),
    gradBm: new Float32Array(B * L * N), gradC: new Float32Array(B * L * N),
    gradDskip: inp.Dskip ? new Float32Array(E) : null, gradDeltaBias: inp.deltaBias ? new Float32Array(E) : null,
  };
}

/**
 * The reference works in f64 between f32 stores, the kernel in f32 with a 2-ulp exp: each step
 * adds a few 1e-7 relative errors, damped by |dA| < 1, and sums over N, E or B·L add more.
 * |got − want| ≤ 2e-5 · max|want| + 1e-4 · |want| covers that with a wide margin.
 */
function assertScanClose(got: Float32Array, want: Float32Array, what: string): void {
  let scale = 0;
  for (const v of want) scale = Math.max(scale, Math.abs(v));
  for (let i = 0; i < want.length; i++) {
    const tol = 2e-5 * scale + 1e-4 * Math.abs(want[i]);
    if (!(Math.abs(got[i] - want[i]) <= tol)) assert.fail(`${what}[${i}]: got ${got[i]}, want ${want[i]} (tol ${tol})`);
  }
}

const shapes: Shape[] = [
  { B: 1, L: 1, E: 1, N: 1, T: 4, withD: false, softplus: false, init: false },
  { B: 2, L: 7, E: 5, N: 3, T: 3, withD: true, softplus: true, init: true },
  { B: 1, L: 33, E: 37, N: 16, T: 8, withD: true, softplus: true, init: false },
  { B: 3, L: 20, E: 64, N: 4, T: 64, withD: false, softplus: true, init: true },
  { B: 2, L: 9, E: 6, N: 17, T: 5, withD: true, softplus: false, init: false },
];

test('wasm selective scan forward and backward equal the reference on edge shapes', () => {
  const rng = new Rng(11);
  for (const s of shapes) {
    const label = `B${s.B} L${s.L} E${s.E} N${s.N} T${s.T}`;
    const inp = inputs(s, rng);
    const ref = forwardArgs(s, inp, rng);
    const got = { ...ref, y: ref.y.slice(), delta: ref.delta.slice(), chunkStates: ref.chunkStates.slice(), finalState: ref.finalState!.slice() };
    referenceKernels.selectiveScanForward(ref);
    wasm.selectiveScanForward(got);
    assertScanClose(got.y, ref.y, `${label} y`);
    assertScanClose(got.delta, ref.delta, `${label} delta`);
    assertScanClose(got.chunkStates, ref.chunkStates, `${label} chunkStates`);
    assertScanClose(got.finalState!, ref.finalState!, `${label} finalState`);

    const gradY = randArray(s.B * s.L * s.E, rng);
    const bref = backwardArgs(s, inp, ref, gradY);
    const bgot = backwardArgs(s, inp, ref, gradY);
    referenceKernels.selectiveScanBackward(bref);
    wasm.selectiveScanBackward(bgot);
    for (const key of ['gradX', 'gradDt', 'gradA', 'gradBm', 'gradC', 'gradDskip', 'gradDeltaBias'] as const) {
      if (bref[key]) assertScanClose(bgot[key]!, bref[key]!, `${label} ${key}`);
      else assert.equal(bgot[key], null);
    }
  }
});

test('wasm selective scan step equals the reference step', () => {
  const rng = new Rng(12);
  for (const [B, E, N] of [[1, 1, 1], [2, 7, 16], [1, 40, 5]]) {
    const step = {
      B, E, N, x: randArray(B * E, rng), dt: randArray(B * E, rng, -5, -1), deltaBias: randArray(E, rng), deltaSoftplus: true,
      A: randArray(E * N, rng, -4, -0.5), Bm: randArray(B * N, rng), C: randArray(B * N, rng), Dskip: randArray(E, rng),
      state: randArray(B * E * N, rng), y: new Float32Array(B * E),
    };
    const got = { ...step, state: step.state.slice(), y: step.y.slice() };
    referenceKernels.selectiveScanStep(step);
    wasm.selectiveScanStep(got);
    assertScanClose(got.y, step.y, `step B${B} E${E} N${N} y`);
    assertScanClose(got.state, step.state, `step B${B} E${E} N${N} state`);
  }
});

/**
 * A scan whose exp(Δ·A) overflows or underflows f32 (A of either sign, as the public op allows):
 * Δ = 1 (or softplus(1) = 1.31), x = 0 and h₀ = 1, so that h_t = exp(A)^t and y_t = Σ_n h_t. Channels 0 and 4 overflow at
 * every state, 1 and 5 underflow to 0, 2 and 6 are large
 * but finite (e^88.5 is, e^177 then is not), 3 and 7 ordinary.
 */
function extremeScan(deltaSoftplus = false): { inp: SelectiveScanInputs; initialState: Float32Array } {
  const [B, L, E, N] = [1, 3, 8, 8];
  const rows = [
    [88.8, 89, 100, 200, 1e4, 1e6, 1e30, 3e38],
    [-110, -120, -200, -1e3, -1e4, -1e6, -1e30, -3e38],
    [88.5, 80, 60, 40, 20, 10, 1, 0.5],
    [-0.5, -1, -2, -3, -5, -8, -13, -21],
  ];
  const A = Float32Array.from({ length: E * N }, (_, i) => rows[Math.floor(i / N) % 4][i % N] * (i >= 4 * N ? 0.999 : 1));
  const inp: SelectiveScanInputs = {
    B, L, E, N, x: new Float32Array(B * L * E), dt: new Float32Array(B * L * E).fill(1), A,
    Bm: new Float32Array(B * L * N).fill(1), C: new Float32Array(B * L * N).fill(1),
    Dskip: null, deltaBias: null, deltaSoftplus,
  };
  return { inp, initialState: new Float32Array(B * E * N).fill(1) };
}

/**
 * Equal infinities and zeros, else within 1e-4 relative: the kernel's f32 argument Δ·A·log₂e is
 * off by up to ~1e-7 relative, which e^z turns into |z|·1e-7 (1e-5 at z = 88, twice that at the
 * second step).
 */
function assertExtremeClose(got: Float32Array, want: Float32Array, what: string): void {
  for (let i = 0; i < want.length; i++) {
    const ok = Number.isFinite(want[i]) && want[i] !== 0 ? Math.abs(got[i] - want[i]) <= 1e-4 * Math.abs(want[i]) : Object.is(got[i], want[i]);
    if (!ok) assert.fail(`${what}[${i}]: got ${got[i]}, want ${want[i]}`);
  }
}

for (const softplus of [false, true]) test(`wasm selective scan forward and step equal the reference where exp(Δ·A) overflows to Infinity or underflows to 0 (Δ ${softplus ? 'through softplus' : 'as given'})`, () => {
  const { inp, initialState } = extremeScan(softplus);
  const { B, L, E, N } = inp;
  const args = () => ({
    ...inp, T: 2, initialState, y: new Float32Array(B * L * E), delta: new Float32Array(B * L * E),
    chunkStates: new Float32Array(B * 2 * E * N), finalState: new Float32Array(B * E * N),
  });
  const [ref, got] = [args(), args()];
  referenceKernels.selectiveScanForward(ref);
  wasm.selectiveScanForward(got);
  assert.equal(ref.y[0], Infinity, 'the reference overflows in channel 0');
  assert.equal(ref.y[1], 0, 'and underflows to 0 in channel 1');
  assertExtremeClose(got.y, ref.y, 'y');
  assertExtremeClose(got.finalState, ref.finalState, 'final state');

  const step = () => ({
    B, E, N, x: new Float32Array(B * E), dt: new Float32Array(B * E).fill(1), deltaBias: null, deltaSoftplus: softplus,
    A: inp.A, Bm: new Float32Array(B * N).fill(1), C: new Float32Array(B * N).fill(1), Dskip: null,
    state: initialState.slice(), y: new Float32Array(B * E),
  });
  const [refStep, gotStep] = [step(), step()];
  referenceKernels.selectiveScanStep(refStep);
  wasm.selectiveScanStep(gotStep);
  assertExtremeClose(gotStep.y, refStep.y, 'step y');
  assertExtremeClose(gotStep.state, refStep.state, 'step state');
});

test('the public selectiveScan op on the wasm kernels gives Infinity and 0 where exp(Δ·A) overflows and underflows, as on the reference kernels', async () => {
  const { inp, initialState } = extremeScan();
  const { B, L, E, N } = inp;
  const run = () => {
    const t = (data: Float32Array, shape: number[]) => new Tensor(data, shape);
    const finalState = new Float32Array(B * E * N);
    const y = selectiveScan(t(inp.x, [B, L, E]), t(inp.dt, [B, L, E]), t(inp.A, [E, N]), t(inp.Bm, [B, L, N]), t(inp.C, [B, L, N]), null, { deltaSoftplus: false, initialState, finalState });
    return { y: y.data, finalState };
  };
  const previous = backendName();
  try {
    assert.equal(await initBackend('wasm'), 'wasm');
    const fast = run();
    setBackend('ref');
    const slow = run();
    assert.ok(fast.y.includes(Infinity) && fast.y.includes(0));
    assertExtremeClose(fast.y, slow.y, 'y');
    assertExtremeClose(fast.finalState, slow.finalState, 'final state');
  } finally {
    setBackend(previous);
  }
});

test('wasm selective scan gives bit-identical results on 1, 2 and 3 threads (workers running tasks)', async () => {
  const rng = new Rng(13);
  // 2·64·70·8 = 71680 elements: above the parallel threshold; E = 70 leaves a partial block and a partial vector.
  const s: Shape = { B: 2, L: 64, E: 70, N: 8, T: 16, withD: true, softplus: true, init: true };
  const inp = inputs(s, rng);
  const proto = forwardArgs(s, inp, rng);
  const gradY = randArray(s.B * s.L * s.E, rng);
  const run = () => {
    const f = { ...proto, y: proto.y.slice(), delta: proto.delta.slice(), chunkStates: proto.chunkStates.slice(), finalState: proto.finalState!.slice() };
    wasm.selectiveScanForward(f);
    const g = backwardArgs(s, inp, f, gradY);
    wasm.selectiveScanBackward(g);
    return { f, g };
  };
  const runs = [await onThreads(rt, 1, run), await onThreads(rt, 2, run), await onThreads(rt, 3, run)];
  for (const r of [1, 2]) {
    assertBitIdentical(runs[r].f.y, runs[0].f.y, `y, ${r + 1} threads`);
    for (const key of ['gradX', 'gradDt', 'gradA', 'gradBm', 'gradC', 'gradDskip', 'gradDeltaBias'] as const) {
      assertBitIdentical(runs[r].g[key]!, runs[0].g[key]!, `${key}, ${r + 1} threads`);
    }
  }
});
