// The wasm backend's chunked SSD (batched matmuls on the WebAssembly matmul) against the reference
// chunked kernels: outputs, final state and every gradient, on chunks with a short last one,
// groups of several heads, an initial state and a clamped Δ. (Its threads are the matmul's, which
// test/kernels/wasm_matmul.test.ts checks; these blocks are below its split threshold.)

import { test } from 'node:test';
import { Rng } from '../../src/tensor/random.js';
import { referenceKernels } from '../../src/kernels/reference/index.js';
import type { SsdInputs } from '../../src/kernels/reference/ssd.js';
import { assertClose } from '../helpers.js';
import { STEP_PARALLEL_MIN } from '../../src/kernels/wasm/mamba_step.js';
import { assertBitIdentical, onThreads, randArray, wasmKernels } from './wasm_helpers.js';

const { rt, k: wasm } = await wasmKernels(2);

interface Case { B: number; L: number; H: number; P: number; G: number; N: number; T: number; init: boolean; limit: [number, number] }

function inputs(c: Case, rng: Rng): SsdInputs {
  return {
    B: c.B, L: c.L, H: c.H, P: c.P, G: c.G, N: c.N,
    x: randArray(c.B * c.L * c.H * c.P, rng), dt: randArray(c.B * c.L * c.H, rng, -2, 1), A: randArray(c.H, rng, -4, -0.5),
    Bm: randArray(c.B * c.L * c.G * c.N, rng), C: randArray(c.B * c.L * c.G * c.N, rng), dtBias: randArray(c.H, rng, -0.5, 0.5),
    Dskip: randArray(c.H, rng), dtMin: c.limit[0], dtMax: c.limit[1],
  };
}

/** Forward and backward on one backend's kernels: y, final state, then the gradients. */
function run(k: typeof referenceKernels, c: Case, a: SsdInputs, init: Float32Array | null, gradY: Float32Array): Array<[string, Float32Array]> {
  const { B, L, H, P, G, N, T } = { ...c };
  const chunks = Math.ceil(L / T);
  const y = new Float32Array(B * L * H * P);
  const delta = new Float32Array(B * L * H);
  const chunkStates = new Float32Array(B * chunks * H * P * N);
  const finalState = new Float32Array(B * H * P * N);
  k.ssdChunkedForward({ ...a, T, initialState: init, y, delta, chunkStates, finalState });
  const g = {
    gradY, gradX: new Float32Array(y.length), gradDt: new Float32Array(delta.length), gradA: new Float32Array(H),
    gradBm: new Float32Array(B * L * G * N), gradC: new Float32Array(B * L * G * N), gradDtBias: new Float32Array(H), gradDskip: new Float32Array(H),
  };
  k.ssdChunkedBackward({ ...a, ...g, T, delta, chunkStates });
  return [['y', y], ['final state', finalState], ['dx', g.gradX], ['ddt', g.gradDt], ['dA', g.gradA], ['dBm', g.gradBm], ['dC', g.gradC], ['ddtBias', g.gradDtBias], ['dD', g.gradDskip]];
}

const cases: Array<[string, Case]> = [
  ['L 70 in chunks of 32, 2 groups of 2 heads, an initial state', { B: 2, L: 70, H: 4, P: 8, G: 2, N: 5, T: 32, init: true, limit: [0, Infinity] }],
  ['L 9 in chunks of 4, 3 heads in one group, Δ clamped to [0.2, 0.6]', { B: 1, L: 9, H: 3, P: 3, G: 1, N: 2, T: 4, init: false, limit: [0.2, 0.6] }],
  ['L 1 in a chunk of 64, head_dim 64, N 16 (the CLI shapes)', { B: 2, L: 1, H: 2, P: 64, G: 1, N: 16, T: 64, init: true, limit: [0, Infinity] }],
  ['L 130 in chunks of 64, head_dim 64, N 16', { B: 1, L: 130, H: 2, P: 64, G: 1, N: 16, T: 64, init: false, limit: [0, Infinity] }],
];

for (const [name, c] of cases) {
  test(`wasm chunked SSD = the reference chunked kernels: ${name}`, () => {
    const rng = new Rng(name.length);
    const a = inputs(c, rng);
    const init = c.init ? randArray(c.B * c.H * c.P * c.N, rng) : null;
    const gradY = randArray(c.B * c.L * c.H * c.P, rng);
    const want = run(referenceKernels, c, a, init, gradY);
    const got = run(wasm, c, a, init, gradY);
    // f32 products against the reference's f64 sums over up to 130 steps.
    got.forEach(([what, v], i) => assertClose(v, want[i][1], 2e-4, 1e-3, what));
  });
}

// The generation step: the same recurrence one token at a time, against the reference over several
// tokens with the state carried (f32 lanes against the reference's doubles: 1e-5).
test('wasm ssdStep equals the reference over 5 tokens (groups, N not a multiple of 4, Δ clamped at both ends, 2 sequences), bit-identical on 1, 2 and 3 threads', async () => {
  const rng = new Rng(41);
  for (const [B, H, P, G, N, dtMin, dtMax] of [[1, 4, 3, 2, 5, 0, Infinity], [2, 6, 8, 3, 16, 0.05, 0.2], [1, 24, 16, 1, 128, 0.001, Infinity]]) {
    const A = randArray(H, rng, -4, -0.5);
    const [dtBias, Dskip] = [randArray(H, rng, -3, 1), randArray(H, rng)];
    const tokens = Array.from({ length: 5 }, () => ({ x: randArray(B * H * P, rng), dt: randArray(B * H, rng, -3, 3), Bm: randArray(B * G * N, rng), C: randArray(B * G * N, rng) }));
    const steps = (k: typeof referenceKernels) => {
      const state = new Float32Array(B * H * P * N);
      return tokens.map((t) => {
        const y = new Float32Array(B * H * P);
        k.ssdStep({ B, H, P, G, N, ...t, A, dtBias, Dskip, dtMin, dtMax, state, y });
        return Float32Array.of(...y, ...state);
      });
    };
    const want = steps(referenceKernels);
    const one = await onThreads(rt, 1, () => steps(wasm));
    one.forEach((got, t) => assertClose(got, want[t], 1e-5, 1e-5, `B ${B} H ${H} P ${P} G ${G} N ${N}: token ${t} y and state`));
    if (B * H * P * N < STEP_PARALLEL_MIN) continue;
    for (const threads of [2, 3]) {
      const r = await onThreads(rt, threads, () => steps(wasm));
      r.forEach((got, t) => assertBitIdentical(got, one[t], `token ${t} on ${threads} threads`));
    }
  }
});
