// selectiveScan: Mamba's selective state-space scan (S6) as one fused differentiable op.
// x, dt: [B, L, E]; A: [E, N] (already −exp(A_log)); Bm, C: [B, L, N]; Dskip, deltaBias: [E] → y: [B, L, E]
//   delta = softplus(dt + deltaBias);  h_t = exp(delta·A) ⊙ h_{t−1} + delta·Bm_t·x_t;  y_t = C_t·h_t + Dskip·x_t
// (the paper's Δ = delta, its skip D = Dskip: D is the model width everywhere in this code).
// Kernels: selectiveScanForward / selectiveScanBackward (chunked: only the state entering each
// chunk of SCAN_CHUNK steps is kept, the backward recomputes the rest), and for generation the
// kernel-level selectiveScanStep (src/kernels/reference/selective_scan.ts).
// selectiveScanReference is the same maths on the naive kernels, which keep every state
// [B, L, E, N]; tests compare the two.

import { Tensor, shapeStr } from '../tensor/tensor.js';
import { accumulate, record, registerOp } from '../autograd/tape.js';
import { kernels } from '../kernels/backend.js';
import { SCAN_CHUNK, SelectiveScanGradients, SelectiveScanInputs } from '../kernels/reference/selective_scan.js';
import { allocArray, allocOutput } from '../kernels/memory.js';

registerOp('selectiveScan');
registerOp('selectiveScanNaive');

export interface SelectiveScanOptions {
  /** [E], added to dt before the softplus. */
  deltaBias?: Tensor | null;
  /** delta = softplus(dt + deltaBias) when true (the default), else dt + deltaBias. */
  deltaSoftplus?: boolean;
  /** [B, E, N], the state before the first step (zeros if absent); a constant: no gradient. */
  initialState?: Float32Array | null;
  /** [B, E, N], written with the state after the last step when given. */
  finalState?: Float32Array | null;
}

export function selectiveScan(
  x: Tensor, dt: Tensor, A: Tensor, Bm: Tensor, C: Tensor, Dskip: Tensor | null, opts: SelectiveScanOptions = {},
): Tensor {
  const inputs = checkedInputs('selectiveScan', x, dt, A, Bm, C, Dskip, opts);
  const { B, L, E, N } = inputs;
  const k = kernels();
  const T = SCAN_CHUNK;
  const y = allocOutput(x.size);
  const delta = allocOutput(x.size); // [B, L, E]
  const chunkStates = allocOutput(B * Math.ceil(L / T) * E * N); // [B, ⌈L/T⌉, E, N]
  k.selectiveScanForward({ ...inputs, T, initialState: opts.initialState ?? null, y, delta, chunkStates, finalState: opts.finalState ?? null });
  const parents = parentsOf(x, dt, A, Bm, C, Dskip, opts);
  return record('selectiveScan', y, x.shape, parents, (g) => {
    const grads = gradientArrays(inputs, g);
    k.selectiveScanBackward({ ...inputs, ...grads, T, delta, chunkStates });
    accumulateAll(x, dt, A, Bm, C, Dskip, opts, grads);
  });
}

/** The same op on the naive kernels, which materialise every state [B, L, E, N]: the reference for tests. */
export function selectiveScanReference(
  x: Tensor, dt: Tensor, A: Tensor, Bm: Tensor, C: Tensor, Dskip: Tensor | null, opts: SelectiveScanOptions = {},
): Tensor {
  const inputs = checkedInputs('selectiveScanReference', x, dt, A, Bm, C, Dskip, opts);
  const { B, L, E, N } = inputs;
  const k = kernels();
  const initialState = opts.initialState ? opts.initialState.slice() : null; // the backward reads it
  const y = allocArray(x.size);
  const delta = allocArray(x.size); // [B, L, E]
  const states = allocArray(B * L * E * N); // [B, L, E, N]
  k.selectiveScanNaiveForward({ ...inputs, initialState, y, delta, states, finalState: opts.finalState ?? null });
  const parents = parentsOf(x, dt, A, Bm, C, Dskip, opts);
  return record('selectiveScanNaive', y, x.shape, parents, (g) => {
    const grads = gradientArrays(inputs, g);
    k.selectiveScanNaiveBackward({ ...inputs, ...grads, initialState, delta, states });
    accumulateAll(x, dt, A, Bm, C, Dskip, opts, grads);
  });
}

function checkedInputs(
  op: string, x: Tensor, dt: Tensor, A: Tensor, Bm: Tensor, C: Tensor, Dskip: Tensor | null, opts: SelectiveScanOptions,
): SelectiveScanInputs {
  const bias = opts.deltaBias ?? null;
  const shapes = [`x ${shapeStr(x.shape)}`, `dt ${shapeStr(dt.shape)}`, `A ${shapeStr(A.shape)}`, `Bm ${shapeStr(Bm.shape)}`, `C ${shapeStr(C.shape)}`];
  if (Dskip) shapes.push(`Dskip ${shapeStr(Dskip.shape)}`);
  if (bias) shapes.push(`deltaBias ${shapeStr(bias.shape)}`);
  const fail = (what: string): never => {
    throw new Error(`${op}: ${what} (inputs: ${shapes.join(', ')})`);
  };
  if (x.ndim !== 3) fail(`x must be [B, L, E], got ${shapeStr(x.shape)}`);
  const [B, L, E] = x.shape;
  if (A.ndim !== 2 || A.shape[0] !== E) fail(`A ${shapeStr(A.shape)} must be [E, N] with E = ${E} from x`);
  const N = A.shape[1];
  const expect = (name: string, t: Tensor, want: number[], dims: string): void => {
    if (t.ndim !== want.length || t.shape.some((d, i) => d !== want[i])) {
      fail(`${name} ${shapeStr(t.shape)} must be ${dims} = ${shapeStr(want)}`);
    }
  };
  expect('dt', dt, [B, L, E], '[B, L, E]');
  expect('Bm', Bm, [B, L, N], '[B, L, N]');
  expect('C', C, [B, L, N], '[B, L, N]');
  if (Dskip) expect('Dskip', Dskip, [E], '[E]');
  if (bias) expect('deltaBias', bias, [E], '[E]');
  for (const [name, s] of [['initialState', opts.initialState], ['finalState', opts.finalState]] as const) {
    if (s && s.length !== B * E * N) fail(`${name} has ${s.length} elements, expected [B, E, N] = [${B}, ${E}, ${N}]`);
  }
  return {
    B, L, E, N,
    x: x.data, dt: dt.data, A: A.data, Bm: Bm.data, C: C.data,
    Dskip: Dskip ? Dskip.data : null, deltaBias: bias ? bias.data : null,
    deltaSoftplus: opts.deltaSoftplus ?? true,
  };
}

function parentsOf(x: Tensor, dt: Tensor, A: Tensor, Bm: Tensor, C: Tensor, Dskip: Tensor | null, opts: SelectiveScanOptions): Tensor[] {
  const parents = [x, dt, A, Bm, C];
  if (Dskip) parents.push(Dskip);
  if (opts.deltaBias) parents.push(opts.deltaBias);
  return parents;
}

function gradientArrays(s: SelectiveScanInputs, gradY: Float32Array): SelectiveScanGradients {
  return {
    gradY,
    gradX: allocOutput(s.x.length), gradDt: allocOutput(s.dt.length), gradA: allocArray(s.A.length),
    gradBm: allocArray(s.Bm.length), gradC: allocArray(s.C.length),
    gradDskip: s.Dskip ? allocArray(s.E) : null, gradDeltaBias: s.deltaBias ? allocArray(s.E) : null,
  };
}

function accumulateAll(
  x: Tensor, dt: Tensor, A: Tensor, Bm: Tensor, C: Tensor, Dskip: Tensor | null, opts: SelectiveScanOptions, g: SelectiveScanGradients,
): void {
  accumulate(x, g.gradX, true);
  accumulate(dt, g.gradDt, true);
  accumulate(A, g.gradA, true);
  accumulate(Bm, g.gradBm, true);
  accumulate(C, g.gradC, true);
  if (Dskip && g.gradDskip) accumulate(Dskip, g.gradDskip, true);
  if (opts.deltaBias && g.gradDeltaBias) accumulate(opts.deltaBias, g.gradDeltaBias, true);
}
