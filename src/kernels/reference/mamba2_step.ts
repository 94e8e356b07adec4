// One generated token through a Mamba-2 block as a single kernel, the specification of the fused
// step (assembly/mamba2_step.ts): what Mamba2Mixer.step computes with ops, on plain arrays,
// optionally with the block's pre-norm and residual and, for the last block, the model's final
// norm and head. In the order of the block (Dao & Gu 2024; mamba_ssm's Mamba2.step):
//   [x ← RMSNorm(x)]; [z | xBC | dt] = x·W_inᵀ (+ b); xBC ← SiLU(conv step(xBC)) → x_h, B, C;
//   y = SSD step(x_h, dt, A, B, C, D) (softplus(dt + dt_bias) clamped inside);
//   ŷ = RMSNorm_group(y ⊙ SiLU(z))·w; out = ŷ·W_outᵀ (+ b) [+ x before the norm]
// The conv and SSM states are updated in place.

import { conv1dStep } from './conv1d.js';
import { unaryForward } from './unary.js';
import { rmsNormForward } from './norm.js';
import { ssdStep } from './ssd.js';
import { linearRows } from './mat_vec.js';
import { stepHead, type StepHead } from './mamba_step.js';
import type { WeightFormat } from '../weight_format.js';

export interface Mamba2StepArgs {
  /** Rows (sequences), model width, inner width, heads, head size, groups, state size, conv width. */
  B: number; D: number; I: number; H: number; P: number; G: number; N: number; K: number;
  x: Float32Array; // [B, D]
  inProj: Float32Array; // [2I + 2GN + H, D] in `weights`' format
  inBias: Float32Array | null; // [2I + 2GN + H]
  convWeight: Float32Array; // [I + 2GN, K]
  convBias: Float32Array | null; // [I + 2GN]
  dtBias: Float32Array; // [H]
  A: Float32Array; // [H], −exp(A_log)
  Dskip: Float32Array; // [H]
  /** time_step_limit: Δ is clamped to [dtMin, dtMax] after the softplus. */
  dtMin: number;
  dtMax: number;
  gateNorm: { weight: Float32Array; eps: number }; // [I]: the gated RMSNorm, per group of I/G channels
  outProj: Float32Array; // [D, I] in `weights`' format
  outBias: Float32Array | null; // [D]
  convState: Float32Array; // [B, I + 2GN, K − 1], updated in place
  ssmState: Float32Array; // [B, H, P, N], updated in place
  out: Float32Array; // [B, D]
  /** The block's pre-norm: x is RMS-normalised with this weight [D] first (null: x as it is). */
  norm: { weight: Float32Array; eps: number } | null;
  /** The block's residual: out = x (before the norm) + the mixer's output. */
  residual: boolean;
  /** The model's final norm and head after its last block. */
  head?: StepHead | null;
  /** The format of inProj and outProj (default f32). */
  weights?: WeightFormat;
}

export function mamba2Step(a: Mamba2StepArgs): void {
  const { B, D, I, H, P, G, N, K } = a;
  const convDim = I + 2 * G * N;
  const W = I + convDim + H;
  let x = a.x;
  if (a.norm) {
    x = new Float32Array(B * D);
    rmsNormForward(a.x, a.norm.weight, x, new Float32Array(B), B, D, a.norm.eps);
  }
  const format = a.weights ?? 'f32';
  const zxbcdt = new Float32Array(B * W);
  linearRows(x, a.inProj, a.inBias, zxbcdt, B, D, W, format);
  const columns = (from: number, n: number) => {
    const c = new Float32Array(B * n);
    for (let b = 0; b < B; b++) c.set(zxbcdt.subarray(b * W + from, b * W + from + n), b * n);
    return c;
  };
  const [z, xBC, dt] = [columns(0, I), columns(I, convDim), columns(I + convDim, H)];
  const conv = new Float32Array(B * convDim);
  conv1dStep(xBC, a.convState, a.convWeight, a.convBias, conv, B, convDim, K);
  unaryForward('silu', conv, conv);
  const part = (from: number, n: number) => {
    const c = new Float32Array(B * n);
    for (let b = 0; b < B; b++) c.set(conv.subarray(b * convDim + from, b * convDim + from + n), b * n);
    return c;
  };
  const y = new Float32Array(B * I);
  ssdStep({
    B, H, P, G, N, x: part(0, I), dt, A: a.A, Bm: part(I, G * N), C: part(I + G * N, G * N),
    dtBias: a.dtBias, Dskip: a.Dskip, dtMin: a.dtMin, dtMax: a.dtMax, state: a.ssmState, y,
  });
  const gate = new Float32Array(B * I);
  unaryForward('silu', z, gate);
  for (let i = 0; i < y.length; i++) y[i] *= gate[i];
  const S = I / G; // the gated norm's groups: rows of S channels, each with its part of the weight
  const normed = new Float32Array(B * I);
  for (let g = 0; g < G; g++) {
    for (let b = 0; b < B; b++) {
      const o = b * I + g * S;
      rmsNormForward(y.subarray(o, o + S), a.gateNorm.weight.subarray(g * S, (g + 1) * S), normed.subarray(o, o + S), new Float32Array(1), 1, S, a.gateNorm.eps);
    }
  }
  linearRows(normed, a.outProj, a.outBias, a.out, B, I, D, format);
  if (a.residual) for (let i = 0; i < B * D; i++) a.out[i] += a.x[i];
  if (a.head) stepHead(a.out, a.head, B, D);
}
