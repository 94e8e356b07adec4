// Mamba-2's SSD op: a case worked by hand; the chunked algorithm against the sequential
// recurrence in values and every gradient (chunks of 1, chunk edges, L not a multiple of the
// chunk, one chunk for all of L, groups > 1 with several heads per group); the time_step_limit
// clamp; prefill in two calls through the states; the one-token step kernel against the forward.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ssd, ssdReference } from '../../src/ops/index.js';
import { ssdStep } from '../../src/kernels/reference/ssd.js';
import { backward } from '../../src/autograd/tape.js';
import { Tensor, fromArray } from '../../src/tensor/tensor.js';
import { Rng } from '../../src/tensor/random.js';
import { assertClose, rand } from '../helpers.js';

interface Shape { B: number; L: number; H: number; P: number; G: number; N: number }

interface Inputs {
  x: Tensor; dt: Tensor; A: Tensor; Bm: Tensor; C: Tensor; dtBias: Tensor; D: Tensor | null;
}

function makeInputs(s: Shape, rng: Rng, withD = true): Inputs {
  return {
    x: rand([s.B, s.L, s.H, s.P], rng),
    dt: rand([s.B, s.L, s.H], rng, { low: -2, high: 1 }),
    A: rand([s.H], rng, { low: -4, high: -0.5 }),
    Bm: rand([s.B, s.L, s.G, s.N], rng),
    C: rand([s.B, s.L, s.G, s.N], rng),
    dtBias: rand([s.H], rng, { low: -0.5, high: 0.5 }),
    D: withD ? rand([s.H], rng) : null,
  };
}

type Op = typeof ssd;
const names = ['y', 'dx', 'ddt', 'dA', 'dBm', 'dC', 'ddtBias', 'dD'];

/** y and the gradients of Σ w ⊙ y with respect to x, dt, A, Bm, C, dtBias, D (in that order). */
function valuesAndGrads(op: Op, s: Inputs, w: Float32Array, opts: Parameters<Op>[7] = {}): Float32Array[] {
  const params = [s.x, s.dt, s.A, s.Bm, s.C, s.dtBias, s.D].filter((t): t is Tensor => t !== null);
  for (const p of params) p.grad = null;
  const y = op(s.x, s.dt, s.A, s.Bm, s.C, s.dtBias, s.D, opts);
  const values = y.data.slice();
  backward(y, w);
  return [values, ...params.map((p) => p.grad!)];
}

function weights(n: number, rng: Rng): Float32Array {
  const w = new Float32Array(n);
  for (let i = 0; i < n; i++) w[i] = rng.next() * 2 - 1;
  return w;
}

test('one head with one state and one channel matches the recurrence worked by hand', () => {
  // dt + bias = ln(e − 1) so Δ = softplus = 1; A = −1: decay e^{−1}. B = 2, C = 3, D = 0.5.
  // S0 = 1·x0·2 = 2 → y0 = 3·2 + 0.5·1 = 6.5; S1 = e^{−1}·2 + 1·(−1)·2 = −1.26424 → y1 = −3.79272 − 0.5.
  const z = Math.log(Math.E - 1);
  const x = fromArray([1, -1], [1, 2, 1, 1]);
  const dt = fromArray([z, z], [1, 2, 1]);
  const A = fromArray([-1], [1]);
  const Bm = fromArray([2, 2], [1, 2, 1, 1]);
  const C = fromArray([3, 3], [1, 2, 1, 1]);
  const y = ssd(x, dt, A, Bm, C, fromArray([0], [1]), fromArray([0.5], [1]), { chunkSize: 1 });
  const s1 = Math.exp(-1) * 2 - 2;
  assertClose(y.data, [6.5, 3 * s1 - 0.5], 1e-5);
});

const shapes: Array<{ name: string; s: Shape; T: number; D?: boolean }> = [
  { name: 'L 13 in chunks of 4 (the last one short), 2 groups of 2 heads', s: { B: 2, L: 13, H: 4, P: 3, G: 2, N: 5 }, T: 4 },
  { name: 'L 8 in chunks of 8: one chunk is all of L', s: { B: 1, L: 8, H: 2, P: 2, G: 1, N: 3 }, T: 8 },
  { name: 'chunks of 1 step, 3 heads in one group, no D', s: { B: 1, L: 5, H: 3, P: 2, G: 1, N: 2 }, T: 1, D: false },
  { name: 'L 1, a chunk longer than L', s: { B: 2, L: 1, H: 2, P: 1, G: 2, N: 1 }, T: 256 },
  { name: 'L 70 across chunk edges of 32, 3 groups of one head', s: { B: 1, L: 70, H: 3, P: 4, G: 3, N: 6 }, T: 32 },
];

for (const { name, s, T, D } of shapes) {
  test(`the chunked op equals the sequential recurrence, values and gradients: ${name}`, () => {
    const rng = new Rng(name.length);
    const inputs = makeInputs(s, rng, D ?? true);
    const w = weights(s.B * s.L * s.H * s.P, rng);
    const chunked = valuesAndGrads(ssd, inputs, w, { chunkSize: T });
    const naive = valuesAndGrads(ssdReference, inputs, w);
    chunked.forEach((c, i) => assertClose(c, naive[i], 2e-5, 2e-4, names[i]));
  });
}

test('time_step_limit clamps Δ after the softplus: the clipped steps pass no gradient to dt', () => {
  const s = { B: 1, L: 9, H: 2, P: 2, G: 1, N: 3 };
  const rng = new Rng(5);
  const inputs = makeInputs(s, rng);
  const w = weights(s.B * s.L * s.H * s.P, rng);
  const dtLimit = [0.3, 0.6] as const;
  const chunked = valuesAndGrads(ssd, inputs, w, { chunkSize: 4, dtLimit });
  const naive = valuesAndGrads(ssdReference, inputs, w, { dtLimit });
  chunked.forEach((c, i) => assertClose(c, naive[i], 2e-5, 2e-4, names[i]));
  // The same Δ given directly (bias 0, dt = softplus⁻¹(clamped Δ)) gives the same y.
  const clamped = inputs.dt.data.map((v, i) => Math.min(0.6, Math.max(0.3, Math.log1p(Math.exp(v + inputs.dtBias.data[i % 2])))));
  const dtDirect = new Tensor(clamped.map((d) => d + Math.log(-Math.expm1(-d))), inputs.dt.shape);
  const direct = ssdReference(inputs.x, dtDirect, inputs.A, inputs.Bm, inputs.C, fromArray([0, 0], [2]), inputs.D);
  assertClose(chunked[0], direct.data, 1e-5, 1e-4, 'y');
  let clipped = 0;
  chunked[2].forEach((g, i) => {
    if (clamped[i] === Math.fround(0.3) || clamped[i] === Math.fround(0.6)) {
      clipped++;
      assert.equal(g, 0, `ddt[${i}] of a clipped step`);
    }
  });
  assert.ok(clipped > 0 && clipped < clamped.length, `some but not all steps are clipped (${clipped})`);
});

test('a prefill in two calls through the states equals one call (initial state in, final state out)', () => {
  const s = { B: 2, L: 11, H: 4, P: 2, G: 2, N: 3 };
  const inputs = makeInputs(s, new Rng(17));
  const PN = s.B * s.H * s.P * s.N;
  const whole = new Float32Array(PN);
  const y = ssd(inputs.x, inputs.dt, inputs.A, inputs.Bm, inputs.C, inputs.dtBias, inputs.D, { chunkSize: 4, finalState: whole });
  const cut = (t: Tensor, from: number, to: number): Tensor => {
    const row = t.size / (s.B * s.L);
    const out = new Float32Array(s.B * (to - from) * row);
    for (let b = 0; b < s.B; b++) out.set(t.data.subarray((b * s.L + from) * row, (b * s.L + to) * row), b * (to - from) * row);
    return new Tensor(out, [s.B, to - from, ...t.shape.slice(2)]);
  };
  const state = new Float32Array(PN);
  const parts: Tensor[] = [];
  for (const [from, to, op] of [[0, 6, ssd], [6, 11, ssdReference]] as const) {
    const p = (t: Tensor) => cut(t, from, to);
    parts.push(op(p(inputs.x), p(inputs.dt), inputs.A, p(inputs.Bm), p(inputs.C), inputs.dtBias, inputs.D, { chunkSize: 4, initialState: state.slice(), finalState: state }));
  }
  assertClose(state, whole, 1e-5, 1e-5, 'final state');
  for (const [k, [from, to]] of [[0, 6], [6, 11]].entries()) assertClose(parts[k].data, cut(y, from, to).data, 1e-5, 1e-5, `y[${from}..${to}]`);
});

test('the one-token step kernel, token by token, equals the forward over the sequence', () => {
  const s = { B: 2, L: 7, H: 4, P: 3, G: 2, N: 4 };
  const inputs = makeInputs(s, new Rng(23));
  const y = ssd(inputs.x, inputs.dt, inputs.A, inputs.Bm, inputs.C, inputs.dtBias, inputs.D, { chunkSize: 3, dtLimit: [0, 0.9] });
  const state = new Float32Array(s.B * s.H * s.P * s.N);
  const at = (t: Tensor, b: number, l: number) => {
    const row = t.size / (s.B * s.L);
    return t.data.subarray((b * s.L + l) * row, (b * s.L + l + 1) * row);
  };
  const gather = (t: Tensor, l: number) => {
    const row = t.size / (s.B * s.L);
    const out = new Float32Array(s.B * row);
    for (let b = 0; b < s.B; b++) out.set(at(t, b, l), b * row);
    return out;
  };
  for (let l = 0; l < s.L; l++) {
    const out = new Float32Array(s.B * s.H * s.P);
    ssdStep({
      B: s.B, H: s.H, P: s.P, G: s.G, N: s.N,
      x: gather(inputs.x, l), dt: gather(inputs.dt, l), A: inputs.A.data, Bm: gather(inputs.Bm, l), C: gather(inputs.C, l),
      dtBias: inputs.dtBias.data, Dskip: inputs.D!.data, dtMin: 0, dtMax: 0.9, state, y: out,
    });
    assertClose(out, gather(y, l), 1e-5, 1e-4, `y at step ${l}`);
  }
});

test('heads that do not divide into the groups are refused, naming the shapes', () => {
  const inputs = makeInputs({ B: 1, L: 2, H: 3, P: 1, G: 2, N: 1 }, new Rng(1));
  assert.throws(() => ssd(inputs.x, inputs.dt, inputs.A, inputs.Bm, inputs.C, inputs.dtBias, inputs.D), /ssd: the 3 heads do not divide into the 2 groups .*Bm \[1, 2, 2, 1\]/);
});
