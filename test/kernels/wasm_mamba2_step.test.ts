// The fused Mamba-2 generation step (kernels().mamba2Step) on the wasm backend against the
// reference composition, over several tokens with the states carried, as a mixer, as a block
// (pre-norm and residual) and with the model's head; the same bits on 1, 2 and 3 threads.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/tensor/random.js';
import { referenceKernels } from '../../src/kernels/reference/index.js';
import type { Mamba2StepArgs } from '../../src/kernels/reference/mamba2_step.js';
import { STEP_PARALLEL_MIN } from '../../src/kernels/wasm/mamba_step.js';
import { packRowsAs, WeightFormat } from '../../src/kernels/weight_format.js';
import { assertClose } from '../helpers.js';
import { assertBitIdentical, onThreads, randArray, wasmKernels } from './wasm_helpers.js';

const { rt, k: wasm } = await wasmKernels(2);

interface Shape {
  B: number; D: number; H: number; P: number; G: number; N: number; K: number;
  biases?: boolean; block?: boolean; V?: number; weights?: WeightFormat; dtMin?: number; dtMax?: number;
}

function stepArgs(s: Shape, rng: Rng): Mamba2StepArgs {
  const { B, D, H, P, G, N, K } = s;
  const I = H * P, convDim = I + 2 * G * N, W = I + convDim + H;
  const bias = (n: number) => (s.biases ? randArray(n, rng) : null);
  const matrix = (rows: number, cols: number) => packRowsAs(s.weights ?? 'f32', randArray(rows * cols, rng, -1 / Math.sqrt(cols), 1 / Math.sqrt(cols)), rows, cols);
  return {
    B, D, I, H, P, G, N, K, x: new Float32Array(B * D),
    inProj: matrix(W, D), inBias: bias(W), convWeight: randArray(convDim * K, rng), convBias: bias(convDim),
    dtBias: randArray(H, rng, -3, 1), A: randArray(H, rng, -4, -0.5), Dskip: randArray(H, rng),
    dtMin: s.dtMin ?? 0, dtMax: s.dtMax ?? Infinity,
    gateNorm: { weight: randArray(I, rng, 0.5, 1.5), eps: 1e-5 }, outProj: matrix(D, I), outBias: bias(D),
    convState: new Float32Array(B * convDim * (K - 1)), ssmState: new Float32Array(B * H * P * N), out: new Float32Array(B * D),
    norm: s.block ? { weight: randArray(D, rng, 0.5, 1.5), eps: 1e-5 } : null, residual: s.block === true, weights: s.weights ?? 'f32',
    head: s.V ? { V: s.V, norm: { weight: randArray(D, rng, 0.5, 1.5), eps: 1e-5 }, weight: matrix(s.V, D), weights: s.weights ?? 'f32', logits: new Float32Array(B * s.V) } : null,
  };
}

function fresh(a: Mamba2StepArgs): Mamba2StepArgs {
  return { ...a, convState: a.convState.slice(), ssmState: a.ssmState.slice(), out: new Float32Array(a.out.length), head: a.head && { ...a.head, logits: new Float32Array(a.head.logits.length) } };
}

test('wasm mamba2Step equals the reference step over 5 tokens (groups, N and head sizes not multiples of 4, K 2-4, Δ clamped, biases; mixer, block, block and head; f32, bf16 and int8 weights)', () => {
  const rng = new Rng(51);
  const shapes: Shape[] = [
    { B: 1, D: 8, H: 4, P: 4, G: 1, N: 8, K: 4 },
    { B: 3, D: 7, H: 6, P: 3, G: 3, N: 5, K: 2, biases: true, dtMin: 0.01, dtMax: 0.5 },
    { B: 2, D: 12, H: 4, P: 8, G: 2, N: 16, K: 3, block: true, V: 9 },
    { B: 1, D: 64, H: 8, P: 16, G: 2, N: 32, K: 4, biases: true, block: true, V: 33 }, // ≥ STEP_PARALLEL_MIN: both threads
    { B: 2, D: 12, H: 4, P: 8, G: 2, N: 16, K: 3, block: true, V: 9, weights: 'bf16' },
    { B: 3, D: 7, H: 6, P: 3, G: 3, N: 5, K: 2, biases: true, block: true, V: 5, weights: 'int8' },
    { B: 1, D: 64, H: 8, P: 16, G: 2, N: 32, K: 4, block: true, V: 33, weights: 'int8' },
  ];
  for (const s of shapes) {
    const proto = stepArgs(s, rng);
    const [ref, got] = [fresh(proto), fresh(proto)];
    for (let t = 0; t < 5; t++) {
      const x = randArray(s.B * s.D, rng);
      referenceKernels.mamba2Step({ ...ref, x });
      wasm.mamba2Step({ ...got, x });
      const what = `${JSON.stringify(s)} token ${t}`;
      // f32 sums in another order and the SIMD exp, softplus, sigmoid: relative 1e-4 at worst.
      assertClose(got.out, ref.out, 1e-4, 1e-4, `${what} out`);
      assertClose(got.ssmState, ref.ssmState, 1e-4, 1e-4, `${what} ssm state`);
      assertClose(got.convState, ref.convState, 1e-6, 1e-6, `${what} conv state`);
      if (s.V) assertClose(got.head!.logits, ref.head!.logits, 1e-4, 1e-4, `${what} logits`);
    }
  }
});

for (const weights of ['f32', 'int8'] as const) test(`wasm mamba2Step with ${weights} weights: bit-identical on 1, 2 and 3 threads (workers running tasks)`, async () => {
  const rng = new Rng(52);
  const s: Shape = { B: 2, D: 96, H: 8, P: 16, G: 2, N: 16, K: 4, biases: true, block: true, V: 41, weights };
  const proto = stepArgs(s, rng);
  assert.ok(s.B * s.D * (2 * s.H * s.P + 2 * s.G * s.N + s.H) >= STEP_PARALLEL_MIN, 'large enough to run on every thread');
  const xs = [0, 1, 2].map(() => randArray(s.B * s.D, rng));
  const run = (threads: number) => onThreads(rt, threads, () => {
    const a = fresh(proto);
    return xs.map((x) => {
      wasm.mamba2Step({ ...a, x });
      return Float32Array.of(...a.out, ...a.head!.logits, ...a.ssmState);
    });
  });
  const base = await run(1);
  for (const threads of [2, 3]) (await run(threads)).forEach((o, t) => assertBitIdentical(o, base[t], `token ${t}, ${threads} threads`));
});
