// One generation step of a selective Mamba mixer as a single kernel: what MambaMixer.step would
// compute with ops, on plain arrays, with no tensors and no graph; optionally the whole residual
// block around it, h + mixer(RMSNorm(h)), and for the last block the model's final norm and head
// (the op src/ops/mamba_step.ts, which LanguageModel.step uses). The reference composes the reference
// kernels in the order of the block (Gu & Dao, 2023, Fig. 3):
//   [x ← RMSNorm(x)]; xz = x·W_inᵀ (+ b) → x_i, z; x_c = SiLU(conv step(x_i));
//   [dt_low | B | C] = x_c·W_xᵀ; dt = dt_low·W_dtᵀ; y = scan step(x_c, dt, A, B, C, D)
//   (softplus(dt + b_dt) inside); out = (y ⊙ SiLU(z))·W_outᵀ (+ b) [+ x before the norm].
// The conv and SSM states are updated in place. A fast backend replaces the whole step, so a
// generated token costs a few kernel calls per layer instead of a dozen ops with their tensors.

import { conv1dStep } from './conv1d.js';
import { unaryForward } from './unary.js';
import { selectiveScanStep } from './selective_scan.js';
import { rmsNormForward } from './norm.js';
import { linearRows } from './mat_vec.js';
import type { WeightFormat } from '../weight_format.js';

export interface MambaStepArgs {
  /** Rows (sequences), model width, inner width, state size, dt rank, conv width. */
  B: number; D: number; E: number; N: number; R: number; K: number;
  x: Float32Array; // [B, D]
  inProj: Float32Array; // [2E, D]
  inBias: Float32Array | null; // [2E]
  convWeight: Float32Array; // [E, K]
  convBias: Float32Array | null; // [E]
  xProj: Float32Array; // [R + 2N, E]
  dtProj: Float32Array; // [E, R]
  deltaBias: Float32Array; // [E]
  A: Float32Array; // [E, N], −exp(A_log)
  Dskip: Float32Array; // [E]
  outProj: Float32Array; // [D, E]
  outBias: Float32Array | null; // [D]
  convState: Float32Array; // [B, E, K − 1], updated in place
  ssmState: Float32Array; // [B, E, N], updated in place
  out: Float32Array; // [B, D]
  /** The block's pre-norm: x is RMS-normalised with this weight [D] first (null: x as it is). */
  norm: { weight: Float32Array; eps: number } | null;
  /** The block's residual: out = x (before the norm) + the mixer's output. */
  residual: boolean;
  /**
   * The model's final norm and head after its last block: logits [B, V] = RMSNorm(out)·Wᵀ with
   * W [V, D], so that the last layer's step also produces the token's logits.
   */
  head?: StepHead | null;
  /**
   * The format of inProj, xProj and outProj (src/kernels/weight_format.ts; default f32): bf16
   * multiplies with their f32 values, int8 as int8MatVec (src/kernels/int8.ts).
   */
  weights?: WeightFormat;
}

export interface StepHead {
  V: number;
  norm: { weight: Float32Array; eps: number }; // [D]
  weight: Float32Array; // [V, D], in `weights`' format
  weights?: WeightFormat;
  logits: Float32Array; // [B, V], written
}

export function mambaStep(a: MambaStepArgs): void {
  const { B, D, E, N, R, K } = a;
  let x = a.x;
  if (a.norm) {
    x = new Float32Array(B * D);
    rmsNormForward(a.x, a.norm.weight, x, new Float32Array(B), B, D, a.norm.eps);
  }
  const P = R + 2 * N;
  const format = a.weights ?? 'f32';
  const xz = new Float32Array(B * 2 * E);
  linearRows(x, a.inProj, a.inBias, xz, B, D, 2 * E, format);
  const xi = new Float32Array(B * E);
  const z = new Float32Array(B * E);
  for (let b = 0; b < B; b++) {
    xi.set(xz.subarray(2 * b * E, (2 * b + 1) * E), b * E);
    z.set(xz.subarray((2 * b + 1) * E, (2 * b + 2) * E), b * E);
  }
  const xc = new Float32Array(B * E);
  conv1dStep(xi, a.convState, a.convWeight, a.convBias, xc, B, E, K);
  const xs = new Float32Array(B * E);
  unaryForward('silu', xc, xs);

  const xdbl = new Float32Array(B * P);
  linearRows(xs, a.xProj, null, xdbl, B, E, P, format);
  const dtLow = new Float32Array(B * R);
  const Bm = new Float32Array(B * N);
  const C = new Float32Array(B * N);
  for (let b = 0; b < B; b++) {
    dtLow.set(xdbl.subarray(b * P, b * P + R), b * R);
    Bm.set(xdbl.subarray(b * P + R, b * P + R + N), b * N);
    C.set(xdbl.subarray(b * P + R + N, (b + 1) * P), b * N);
  }
  const dt = new Float32Array(B * E);
  linearRows(dtLow, a.dtProj, null, dt, B, R, E);

  const y = new Float32Array(B * E);
  selectiveScanStep({
    B, E, N, x: xs, dt, deltaBias: a.deltaBias, deltaSoftplus: true, A: a.A, Bm, C, Dskip: a.Dskip, state: a.ssmState, y,
  });
  const gate = new Float32Array(B * E);
  unaryForward('silu', z, gate);
  for (let i = 0; i < y.length; i++) y[i] *= gate[i];
  linearRows(y, a.outProj, a.outBias, a.out, B, E, D, format);
  if (a.residual) for (let i = 0; i < B * D; i++) a.out[i] += a.x[i];
  if (a.head) stepHead(a.out, a.head, B, D);
}

/** head.logits [B, V] = RMSNorm(out)·Wᵀ for out [B, D]: the model's final norm and head after its last block's step. */
export function stepHead(out: Float32Array, head: StepHead, B: number, D: number): void {
  const normed = new Float32Array(B * D);
  rmsNormForward(out, head.norm.weight, normed, new Float32Array(B), B, D, head.norm.eps);
  linearRows(normed, head.weight, null, head.logits, B, D, head.V, head.weights ?? 'f32');
}

/** A layer of mambaModelStep: a whole residual block's step (its norm included), without its input and output. */
export type MambaLayerStep = Omit<MambaStepArgs, 'x' | 'out' | 'residual' | 'head'>;

export interface MambaModelStepArgs {
  /** Every block of the model, in order; all of one shape and weight format. */
  layers: MambaLayerStep[];
  x: Float32Array; // [B, D]: the tokens' embeddings
  head: StepHead; // the final norm and head after the last block: head.logits [B, V] written
}

/**
 * A whole model of fused Mamba blocks for one token per sequence: each block's step with its
 * residual on the previous block's output, the head after the last. A fast backend runs it as one
 * job (assembly/mamba_step.ts, mambaModelStepTask); here, the blocks' steps in turn.
 */
export function mambaModelStep(a: MambaModelStepArgs): void {
  blocksInTurn(a, mambaStep);
}

/** The model's blocks stepped one after the other by `step` (a backend's block step), each on the previous one's output. */
export function blocksInTurn(a: MambaModelStepArgs, step: (args: MambaStepArgs) => void): void {
  let x = a.x;
  a.layers.forEach((layer, i) => {
    const out = new Float32Array(layer.B * layer.D);
    step({ ...layer, x, out, residual: true, head: i === a.layers.length - 1 ? a.head : null });
    x = out;
  });
}
