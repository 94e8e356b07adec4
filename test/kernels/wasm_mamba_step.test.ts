// The fused generation step (kernels().mambaStep) on the wasm backend against the reference
// composition, over several tokens with the states carried, as a mixer and as a whole block (with
// the RMSNorm before and the residual after); the same results on 1, 2 and 3 threads and with
// resident or plain state arrays; and the runtime's resident arrays.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/tensor/random.js';
import { referenceKernels } from '../../src/kernels/reference/index.js';
import type { MambaModelStepArgs, MambaStepArgs } from '../../src/kernels/reference/mamba_step.js';
import { STEP_PARALLEL_MIN } from '../../src/kernels/wasm/mamba_step.js';
import { packRowsAs, WeightFormat } from '../../src/kernels/weight_format.js';
import { assertBitIdentical, onThreads, randArray, wasmKernels } from './wasm_helpers.js';

const { rt, k: wasm } = await wasmKernels(2);

interface StepShape {
  B: number; D: number; E: number; N: number; R: number; K: number;
  biases: boolean;
  /** The whole block: RMSNorm before, residual after. */
  block?: boolean;
  /** The model's final norm and head (vocabulary V) after the block. */
  V?: number;
  /** The format of in_proj, x_proj, out_proj and the head (default f32). */
  weights?: WeightFormat;
}

/** Random weights (scaled by the fan-in, as a model's are) and zero states; x is replaced at every token. */
function stepArgs(s: StepShape, rng: Rng): MambaStepArgs {
  const { B, D, E, N, R, K } = s;
  const bias = (n: number) => (s.biases ? randArray(n, rng) : null);
  const matrix = (rows: number, cols: number) => {
    const w = randArray(rows * cols, rng, -1 / Math.sqrt(cols), 1 / Math.sqrt(cols));
    return packRowsAs(s.weights ?? 'f32', w, rows, cols);
  };
  return {
    B, D, E, N, R, K,
    x: new Float32Array(B * D),
    inProj: matrix(2 * E, D), inBias: bias(2 * E),
    convWeight: randArray(E * K, rng), convBias: bias(E),
    xProj: matrix(R + 2 * N, E),
    dtProj: randArray(E * R, rng), deltaBias: randArray(E, rng, -4, -1),
    A: randArray(E * N, rng, -4, -0.5), Dskip: randArray(E, rng),
    outProj: matrix(D, E), outBias: bias(D),
    convState: new Float32Array(B * E * (K - 1)), ssmState: new Float32Array(B * E * N),
    out: new Float32Array(B * D),
    norm: s.block ? { weight: randArray(D, rng, 0.5, 1.5), eps: 1e-5 } : null,
    residual: s.block === true,
    weights: s.weights ?? 'f32',
    head: s.V ? { V: s.V, norm: { weight: randArray(D, rng, 0.5, 1.5), eps: 1e-5 }, weight: matrix(s.V, D), weights: s.weights ?? 'f32', logits: new Float32Array(B * s.V) } : null,
  };
}

function withFreshState(a: MambaStepArgs, alloc: (n: number) => Float32Array = (n) => new Float32Array(n)): MambaStepArgs {
  const copy = (src: Float32Array) => {
    const dst = alloc(src.length);
    dst.set(src);
    return dst;
  };
  const head = a.head && { ...a.head, logits: alloc(a.head.logits.length) };
  return { ...a, convState: copy(a.convState), ssmState: copy(a.ssmState), out: alloc(a.out.length), head };
}

/** |got − want| ≤ 1e-4 · (1 + |want|): the two differ in summation order and in exp (8e-8 relative). */
function assertStepClose(got: Float32Array, want: Float32Array, what: string): void {
  assert.equal(got.length, want.length);
  for (let i = 0; i < got.length; i++) {
    const err = Math.abs(got[i] - want[i]);
    if (!(err <= 1e-4 * (1 + Math.abs(want[i])))) assert.fail(`${what}[${i}]: got ${got[i]}, want ${want[i]}`);
  }
}

test('wasm mambaStep equals the reference step over 6 tokens (odd sizes, N not a multiple of 4, K 1–4, with and without biases, mixer, block, block and head, f32, bf16 or int8 weights)', () => {
  const rng = new Rng(21);
  const shapes: StepShape[] = [
    { B: 1, D: 8, E: 16, N: 16, R: 2, K: 4, biases: false },
    { B: 3, D: 5, E: 7, N: 5, R: 3, K: 2, biases: true },
    { B: 2, D: 9, E: 13, N: 1, R: 1, K: 1, biases: true },
    { B: 1, D: 128, E: 520, N: 16, R: 4, K: 4, biases: false }, // ≥ STEP_PARALLEL_MIN: on both threads
    { B: 1, D: 8, E: 16, N: 16, R: 2, K: 4, biases: false, block: true },
    { B: 3, D: 5, E: 7, N: 5, R: 3, K: 2, biases: true, block: true },
    { B: 1, D: 128, E: 520, N: 16, R: 4, K: 4, biases: true, block: true },
    { B: 3, D: 5, E: 7, N: 5, R: 3, K: 2, biases: true, block: true, V: 3 },
    { B: 1, D: 128, E: 520, N: 16, R: 4, K: 4, biases: false, block: true, V: 97 },
    // bf16 rows of 5, 7, 13 and 20 weights (tails after the groups of 8), 128 and 520 (none)
    { B: 3, D: 5, E: 7, N: 5, R: 3, K: 2, biases: true, block: true, V: 3, weights: 'bf16' },
    { B: 2, D: 13, E: 20, N: 16, R: 2, K: 4, biases: false, weights: 'bf16' },
    { B: 1, D: 128, E: 520, N: 16, R: 4, K: 4, biases: true, block: true, V: 97, weights: 'bf16' },
    // int8 rows of 5, 7, 13, 20 (padded to 32), 128, 520 and 1,100 weights (past INT8_FLUSH: the
    // integer sums move to f32 mid-row); the reference rounds the activations exactly as the kernel
    { B: 3, D: 5, E: 7, N: 5, R: 3, K: 2, biases: true, block: true, V: 3, weights: 'int8' },
    { B: 2, D: 13, E: 20, N: 16, R: 2, K: 4, biases: false, weights: 'int8' },
    { B: 1, D: 128, E: 520, N: 16, R: 4, K: 4, biases: true, block: true, V: 97, weights: 'int8' },
    { B: 2, D: 36, E: 1100, N: 8, R: 3, K: 4, biases: false, block: true, V: 9, weights: 'int8' },
  ];
  for (const s of shapes) {
    const label = `B${s.B} D${s.D} E${s.E} N${s.N} R${s.R} K${s.K}${s.biases ? ' biases' : ''}${s.block ? ' block' : ''}${s.V ? ` head V${s.V}` : ''}${s.weights ? ` ${s.weights}` : ''}`;
    const proto = stepArgs(s, rng);
    const ref = withFreshState(proto);
    const got = withFreshState(proto);
    for (let t = 0; t < 6; t++) {
      const x = randArray(s.B * s.D, rng);
      referenceKernels.mambaStep({ ...ref, x });
      wasm.mambaStep({ ...got, x });
      assertStepClose(got.out, ref.out, `${label} token ${t} out`);
      assertStepClose(got.ssmState, ref.ssmState, `${label} token ${t} ssm state`);
      assertStepClose(got.convState, ref.convState, `${label} token ${t} conv state`);
      if (s.V) assertStepClose(got.head!.logits, ref.head!.logits, `${label} token ${t} logits`);
    }
  }
});

for (const weights of ['f32', 'bf16', 'int8'] as const) test(`wasm mambaStep with ${weights} weights: bit-identical on 1, 2 and 3 threads, and with resident or plain state arrays (workers running tasks)`, async () => {
  const rng = new Rng(22);
  const s: StepShape = { B: 2, D: 160, E: 262, N: 16, R: 5, K: 4, biases: true, block: true, V: 41, weights };
  assert.ok(s.B * s.D * 2 * s.E >= STEP_PARALLEL_MIN, 'large enough to run on every thread');
  const proto = stepArgs(s, rng);
  const xs = [0, 1, 2].map(() => randArray(s.B * s.D, rng));
  const run = (threads: number, resident: boolean) => onThreads(rt, threads, () => {
    const a = withFreshState(proto, resident ? (n) => rt.residentArray(n) : undefined);
    const outs = xs.map((x) => {
      wasm.mambaStep({ ...a, x });
      return Float32Array.of(...a.out, ...a.head!.logits);
    });
    return { outs, ssm: a.ssmState.slice(), conv: a.convState.slice() };
  });
  const base = await run(1, false);
  for (const [threads, resident] of [[2, false], [3, false], [2, true], [1, true]] as const) {
    const r = await run(threads, resident);
    const what = `${threads} threads${resident ? ', resident state' : ''}`;
    r.outs.forEach((o, t) => assertBitIdentical(o, base.outs[t], `out and logits token ${t}, ${what}`));
    assertBitIdentical(r.ssm, base.ssm, `ssm state, ${what}`);
    assertBitIdentical(r.conv, base.conv, `conv state, ${what}`);
  }
});

test('resident arrays: zeroed, recognised (with their subarrays), read in place, and untouched by kernel calls', () => {
  const rng = new Rng(23);
  const w = rt.residentArray(6 * 5);
  assert.ok(w.every((v) => v === 0));
  w.set(randArray(w.length, rng));
  const kept = w.slice();
  assert.ok(rt.isResident(w) && rt.isResident(w.subarray(3)));
  assert.ok(!rt.isResident(kept) && !rt.isResident(w.slice()), 'slice copies out of the wasm memory');
  assert.equal(rt.input(w), w.byteOffset);

  // A matmul with the resident array as B: its scratch (packed panels, copies) lies above it.
  const a = randArray(40 * 6, rng);
  const want = new Float32Array(40 * 5);
  const got = new Float32Array(40 * 5);
  const dims = { batch: 1, m: 40, k: 6, n: 5, transA: false, transB: false, strideA: 0, strideB: 0, accumulate: false };
  referenceKernels.matmul(a, kept, want, dims);
  wasm.matmul(a, w, got, dims);
  for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i] - want[i]) <= 1e-5, `product[${i}]`);
  assertBitIdentical(w, kept, 'the resident operand after the call');

  const copy = rt.residentCopy(kept);
  assertBitIdentical(copy, kept, 'residentCopy');
  assert.notEqual(copy.byteOffset, w.byteOffset);
});

/** A model of `layers` blocks of shape s and a head: every array made by `alloc` (resident: the one-job path; plain: a job per layer). */
function modelArgs(s: StepShape, layers: number, rng: Rng): MambaModelStepArgs {
  const blocks = Array.from({ length: layers }, () => stepArgs({ ...s, block: true, V: undefined }, rng));
  const head = stepArgs({ ...s, block: true, V: s.V ?? 7 }, rng).head!;
  return { layers: blocks.map(({ x: _x, out: _out, residual: _r, head: _h, ...layer }) => layer), x: new Float32Array(s.B * s.D), head };
}

function placed(a: MambaModelStepArgs, alloc: (n: number) => Float32Array): MambaModelStepArgs {
  const copy = (src: Float32Array) => {
    const dst = alloc(src.length);
    dst.set(src);
    return dst;
  };
  const maybe = (src: Float32Array | null) => src && copy(src);
  return {
    layers: a.layers.map((l) => ({
      ...l, inProj: copy(l.inProj), inBias: maybe(l.inBias), convWeight: copy(l.convWeight), convBias: maybe(l.convBias), xProj: copy(l.xProj),
      dtProj: copy(l.dtProj), deltaBias: copy(l.deltaBias), A: copy(l.A), Dskip: copy(l.Dskip), outProj: copy(l.outProj), outBias: maybe(l.outBias),
      convState: copy(l.convState), ssmState: copy(l.ssmState), norm: l.norm && { ...l.norm, weight: copy(l.norm.weight) },
    })),
    x: a.x,
    head: { ...a.head, norm: { ...a.head.norm, weight: copy(a.head.norm.weight) }, weight: copy(a.head.weight), logits: alloc(a.head.logits.length) },
  };
}

test('wasm mambaModelStep (every layer and the head in one job) equals the reference over 5 tokens, f32, bf16 and int8, 1 to 3 sequences, with and without biases', () => {
  const rng = new Rng(24);
  for (const s of [
    { B: 1, D: 8, E: 16, N: 16, R: 2, K: 4, biases: false },
    { B: 3, D: 5, E: 7, N: 5, R: 3, K: 2, biases: true, V: 9, weights: 'bf16' },
    { B: 2, D: 36, E: 1100, N: 8, R: 3, K: 4, biases: false, V: 11, weights: 'int8' },
  ] as StepShape[]) {
    const proto = modelArgs(s, 3, rng);
    const ref = placed(proto, (n) => new Float32Array(n));
    const got = placed(proto, (n) => rt.residentArray(n));
    for (let t = 0; t < 5; t++) {
      const x = randArray(s.B * s.D, rng);
      referenceKernels.mambaModelStep({ ...ref, x });
      wasm.mambaModelStep({ ...got, x });
      assertStepClose(got.head.logits, ref.head.logits, `${JSON.stringify(s)} token ${t} logits`);
      got.layers.forEach((l, i) => assertStepClose(l.ssmState, ref.layers[i].ssmState, `token ${t} layer ${i} ssm state`));
    }
  }
});

test('wasm mambaModelStep: bit-identical on 1, 2 and 3 threads, in one job (resident arrays) and in a job per layer (plain arrays); two states stepped in turn each give their own sequence; a larger batch in between changes nothing', async () => {
  const rng = new Rng(25);
  const s: StepShape = { B: 2, D: 160, E: 262, N: 16, R: 5, K: 4, biases: true, V: 41, weights: 'int8' };
  const proto = modelArgs(s, 3, rng);
  const xs = [0, 1, 2, 3].map(() => randArray(s.B * s.D, rng));
  const run = (threads: number, resident: boolean) => onThreads(rt, threads, () => {
    const a = placed(proto, resident ? (n) => rt.residentArray(n) : (n) => new Float32Array(n));
    return xs.map((x) => {
      wasm.mambaModelStep({ ...a, x });
      return a.head.logits.slice();
    });
  });
  const base = await run(1, false);
  for (const [threads, resident] of [[1, true], [2, true], [3, true], [2, false]] as const) {
    (await run(threads, resident)).forEach((o, t) => assertBitIdentical(o, base[t], `logits token ${t}, ${threads} threads${resident ? ', one job' : ''}`));
  }
  // Two generation states of the same weights, stepped alternately, with a 4-sequence state in between (buffers grown).
  const [a, b] = [placed(proto, (n) => rt.residentArray(n)), placed(proto, (n) => rt.residentArray(n))];
  const wide = placed(modelArgs({ ...s, B: 4 }, 3, rng), (n) => rt.residentArray(n));
  const alternated = await onThreads(rt, 2, () => xs.map((x) => {
    wasm.mambaModelStep({ ...a, x });
    const la = a.head.logits.slice();
    wasm.mambaModelStep({ ...wide, x: randArray(4 * s.D, rng) });
    wasm.mambaModelStep({ ...b, x });
    return [la, b.head.logits.slice()];
  }));
  alternated.forEach(([la, lb], t) => {
    assertBitIdentical(la, base[t], `state a, token ${t}, stepped in turn with others`);
    assertBitIdentical(lb, base[t], `state b, token ${t}, stepped in turn with others`);
  });
});
