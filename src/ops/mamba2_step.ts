// mamba2Step: one generated token through a Mamba-2 mixer as one kernel call
// (kernels().mamba2Step: src/kernels/reference/mamba2_step.ts, assembly/mamba2_step.ts), with no
// tensors between its stages and no gradient; optionally the residual block around it,
// h + mixer(RMSNorm(h)), and after the last block the model's final norm and head. in_proj and
// out_proj may be packed copies (bf16 or int8 rows). The mixer's readable path is
// Mamba2Mixer.forward; this op is its step.

import { Tensor } from '../tensor/tensor.js';
import { kernels } from '../kernels/backend.js';
import { allocOutput } from '../kernels/memory.js';
import type { PackedMatrix, StepHead, StepNorm } from './mamba_step.js';

/** The Mamba-2 mixer's tensors the step reads (HF names in comments). */
export interface Mamba2StepWeights {
  inProj: Tensor; // in_proj.weight [2I + 2GN + H, D]
  inBias: Tensor | null;
  convWeight: Tensor; // conv1d.weight [I + 2GN, 1, K]
  convBias: Tensor | null;
  dtBias: Tensor; // dt_bias [H]
  Dskip: Tensor; // D [H]
  gateNorm: StepNorm; // norm.weight [I], the gated RMSNorm per group
  outProj: Tensor; // out_proj.weight [D, I]
  outBias: Tensor | null;
  /** Heads, head size, groups, state size; time_step_limit. */
  H: number; P: number; G: number; N: number;
  dtMin: number; dtMax: number;
}

/** The state: conv [B, I + 2GN, K−1] and ssm [B, H, P, N], updated in place; A = −exp(A_log) [H]. */
export interface Mamba2StepState {
  conv: Float32Array;
  ssm: Float32Array;
  A: Float32Array;
}

export interface Mamba2StepOptions {
  /** The block's pre-norm: computes h + mixer(norm(h)) instead of mixer(x). */
  norm?: StepNorm;
  /** Copies of in_proj and out_proj to multiply with instead of the f32 weights. */
  inProj?: PackedMatrix;
  outProj?: PackedMatrix;
  /** The model's final norm and head after this block: returns logits [B, V]. */
  head?: StepHead;
}

/** x: [B, D] → [B, D] (or logits [B, V] with a head); the state advances in place. */
export function mamba2Step(x: Tensor, w: Mamba2StepWeights, state: Mamba2StepState, opts: Mamba2StepOptions = {}): Tensor {
  const [D, I] = w.outProj.shape;
  const batch = x.shape[0];
  const { norm, head } = opts;
  const format = opts.inProj?.format ?? 'f32';
  if ((opts.outProj?.format ?? 'f32') !== format) throw new Error(`mamba2Step: in_proj in ${format} but out_proj in ${opts.outProj?.format ?? 'f32'}`);
  const out = allocOutput(batch * D);
  const V = head?.weight.shape[0] ?? 0;
  const logits = head ? allocOutput(batch * V) : null;
  kernels().mamba2Step({
    B: batch, D, I, H: w.H, P: w.P, G: w.G, N: w.N, K: w.convWeight.shape[w.convWeight.shape.length - 1], x: x.data,
    inProj: opts.inProj?.data ?? w.inProj.data, inBias: w.inBias?.data ?? null,
    convWeight: w.convWeight.data, convBias: w.convBias?.data ?? null,
    dtBias: w.dtBias.data, A: state.A, Dskip: w.Dskip.data, dtMin: w.dtMin, dtMax: w.dtMax,
    gateNorm: { weight: w.gateNorm.weight.data, eps: w.gateNorm.eps },
    outProj: opts.outProj?.data ?? w.outProj.data, outBias: w.outBias?.data ?? null,
    convState: state.conv, ssmState: state.ssm, out,
    norm: norm ? { weight: norm.weight.data, eps: norm.eps } : null, residual: norm !== undefined,
    weights: format,
    head: head && {
      V, norm: { weight: head.norm.weight.data, eps: head.norm.eps }, logits: logits!,
      weight: head.packed?.data ?? head.weight.data, weights: head.packed?.format ?? 'f32',
    },
  });
  return logits ? new Tensor(logits, [batch, V]) : new Tensor(out, [batch, D]);
}
