// ssd: Mamba-2's state-space dual layer (Dao & Gu 2024) as one differentiable op, the
// counterpart of mamba_ssm's mamba_chunk_scan_combined (with dt_bias, dt_softplus, dt_limit, D).
// x: [B, L, H, P]; dt: [B, L, H]; A, dtBias: [H] (A = −exp(A_log)); Bm, C: [B, L, G, N];
// Dskip: [H] → y: [B, L, H, P], head h reading group h // (H/G):
//   Δ_t = clamp(softplus(dt_t + dtBias), dtMin, dtMax)
//   S_t = exp(Δ_t·A)·S_{t−1} + Δ_t·x_t ⊗ B_t,   y_t = S_t·C_t + Dskip·x_t      S: [P, N] per head
// Kernels: ssdChunkedForward / ssdChunkedBackward (the chunked algorithm: intra-chunk masked
// product with exp(segsum), chunk states, the recurrence over chunks, states to outputs;
// src/kernels/reference/ssd_chunked.ts) and, as the specification, ssdNaiveForward /
// ssdNaiveBackward (the recurrence step by step, every state kept: ssdReference). Generation's
// per-token step is the kernel ssdStep. The wasm backend runs the chunked algorithm as batched
// products on its WebAssembly matmul (src/kernels/wasm/ssd.ts), the rest on these kernels.

import { Tensor, shapeStr } from '../tensor/tensor.js';
import { accumulate, record, registerOp } from '../autograd/tape.js';
import { kernels } from '../kernels/backend.js';
import type { SsdGradients, SsdInputs } from '../kernels/reference/ssd.js';
import { SSD_CHUNK } from '../kernels/reference/ssd_chunked.js';
import { allocArray, allocOutput } from '../kernels/memory.js';

registerOp('ssd');
registerOp('ssdNaive');

export interface SsdOptions {
  /** Chunk length T of the chunked algorithm (default 256, mamba_ssm's chunk_size). */
  chunkSize?: number;
  /** time_step_limit: Δ is clamped to [min, max] after the softplus (default [0, ∞]: no clamp). */
  dtLimit?: readonly [number, number];
  /** [B, H, P, N], the state before the first step (zeros if absent); a constant: no gradient. */
  initialState?: Float32Array | null;
  /** [B, H, P, N], written with the state after the last step when given. */
  finalState?: Float32Array | null;
}

export function ssd(x: Tensor, dt: Tensor, A: Tensor, Bm: Tensor, C: Tensor, dtBias: Tensor, Dskip: Tensor | null, opts: SsdOptions = {}): Tensor {
  const inputs = checkedInputs('ssd', x, dt, A, Bm, C, dtBias, Dskip, opts);
  const { B, L, H, P, N } = inputs;
  const T = opts.chunkSize ?? SSD_CHUNK;
  if (!Number.isInteger(T) || T <= 0) throw new Error(`ssd: chunkSize must be a positive integer, got ${T}`);
  const k = kernels();
  const y = allocOutput(x.size);
  const delta = allocOutput(B * L * H);
  const chunkStates = allocOutput(B * Math.ceil(L / T) * H * P * N); // the state entering each chunk, in the backend's layout
  k.ssdChunkedForward({ ...inputs, T, initialState: opts.initialState ?? null, y, delta, chunkStates, finalState: opts.finalState ?? null });
  return record('ssd', y, x.shape, parentsOf(x, dt, A, Bm, C, dtBias, Dskip), (g) => {
    const grads = gradientArrays(inputs, g);
    k.ssdChunkedBackward({ ...inputs, ...grads, T, delta, chunkStates });
    accumulateAll(x, dt, A, Bm, C, dtBias, Dskip, grads);
  });
}

/** The same op on the sequential kernels, which keep every state [B, L, H, P, N]: the reference for tests. */
export function ssdReference(x: Tensor, dt: Tensor, A: Tensor, Bm: Tensor, C: Tensor, dtBias: Tensor, Dskip: Tensor | null, opts: SsdOptions = {}): Tensor {
  const inputs = checkedInputs('ssdReference', x, dt, A, Bm, C, dtBias, Dskip, opts);
  const { B, L, H, P, N } = inputs;
  const k = kernels();
  const initialState = opts.initialState ? opts.initialState.slice() : null; // the backward reads it
  const y = allocOutput(x.size);
  const delta = allocOutput(B * L * H);
  const states = allocOutput(B * L * H * P * N);
  k.ssdNaiveForward({ ...inputs, initialState, y, delta, states, finalState: opts.finalState ?? null });
  return record('ssdNaive', y, x.shape, parentsOf(x, dt, A, Bm, C, dtBias, Dskip), (g) => {
    const grads = gradientArrays(inputs, g);
    k.ssdNaiveBackward({ ...inputs, ...grads, initialState, delta, states });
    accumulateAll(x, dt, A, Bm, C, dtBias, Dskip, grads);
  });
}

function checkedInputs(
  op: string, x: Tensor, dt: Tensor, A: Tensor, Bm: Tensor, C: Tensor, dtBias: Tensor, Dskip: Tensor | null, opts: SsdOptions,
): SsdInputs {
  const shapes = [`x ${shapeStr(x.shape)}`, `dt ${shapeStr(dt.shape)}`, `A ${shapeStr(A.shape)}`, `Bm ${shapeStr(Bm.shape)}`, `C ${shapeStr(C.shape)}`, `dtBias ${shapeStr(dtBias.shape)}`];
  if (Dskip) shapes.push(`Dskip ${shapeStr(Dskip.shape)}`);
  const fail = (what: string): never => {
    throw new Error(`${op}: ${what} (inputs: ${shapes.join(', ')})`);
  };
  if (x.ndim !== 4) fail(`x must be [B, L, H, P], got ${shapeStr(x.shape)}`);
  const [B, L, H, P] = x.shape;
  if (Bm.ndim !== 4) fail(`Bm must be [B, L, G, N], got ${shapeStr(Bm.shape)}`);
  const [, , G, N] = Bm.shape;
  if (H % G !== 0) fail(`the ${H} heads do not divide into the ${G} groups of Bm and C`);
  const expect = (name: string, t: Tensor, want: number[], dims: string): void => {
    if (t.ndim !== want.length || t.shape.some((d, i) => d !== want[i])) fail(`${name} ${shapeStr(t.shape)} must be ${dims} = ${shapeStr(want)}`);
  };
  expect('dt', dt, [B, L, H], '[B, L, H]');
  expect('A', A, [H], '[H]');
  expect('Bm', Bm, [B, L, G, N], '[B, L, G, N]');
  expect('C', C, [B, L, G, N], '[B, L, G, N]');
  expect('dtBias', dtBias, [H], '[H]');
  if (Dskip) expect('Dskip', Dskip, [H], '[H]');
  for (const [name, s] of [['initialState', opts.initialState], ['finalState', opts.finalState]] as const) {
    if (s && s.length !== B * H * P * N) fail(`${name} has ${s.length} elements, expected [B, H, P, N] = [${B}, ${H}, ${P}, ${N}]`);
  }
  const [dtMin, dtMax] = opts.dtLimit ?? [0, Infinity];
  if (!(dtMin <= dtMax)) fail(`dtLimit [${dtMin}, ${dtMax}] is not a range`);
  return {
    B, L, H, P, G, N,
    x: x.data, dt: dt.data, A: A.data, Bm: Bm.data, C: C.data, dtBias: dtBias.data,
    Dskip: Dskip ? Dskip.data : null, dtMin, dtMax,
  };
}

function parentsOf(x: Tensor, dt: Tensor, A: Tensor, Bm: Tensor, C: Tensor, dtBias: Tensor, Dskip: Tensor | null): Tensor[] {
  return Dskip ? [x, dt, A, Bm, C, dtBias, Dskip] : [x, dt, A, Bm, C, dtBias];
}

function gradientArrays(s: SsdInputs, gradY: Float32Array): SsdGradients {
  return {
    gradY,
    gradX: allocOutput(s.x.length), gradDt: allocOutput(s.dt.length), gradA: allocArray(s.H),
    gradBm: allocArray(s.Bm.length), gradC: allocArray(s.C.length),
    gradDtBias: allocArray(s.H), gradDskip: s.Dskip ? allocArray(s.H) : null,
  };
}

function accumulateAll(x: Tensor, dt: Tensor, A: Tensor, Bm: Tensor, C: Tensor, dtBias: Tensor, Dskip: Tensor | null, g: SsdGradients): void {
  accumulate(x, g.gradX, true);
  accumulate(dt, g.gradDt, true);
  accumulate(A, g.gradA, true);
  accumulate(Bm, g.gradBm, true);
  accumulate(C, g.gradC, true);
  accumulate(dtBias, g.gradDtBias, true);
  if (Dskip && g.gradDskip) accumulate(Dskip, g.gradDskip, true);
}
