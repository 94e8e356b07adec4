// mambaStep: one generated token through a selective Mamba mixer as one kernel call
// (kernels().mambaStep: src/kernels/reference/mamba_step.ts, assembly/mamba_step.ts), with no
// tensors between its stages and no gradient. Generation's hot path: a token costs a few kernel
// calls per layer instead of a dozen ops. Optionally the residual block around the mixer,
// h + mixer(RMSNorm(h)), and after the last block the model's final norm and head. The big
// matrices may be kept as packed bf16 rows or int8 rows (src/kernels/weight_format.ts): a half or
// a quarter of the bytes read per token. The mixer's own, readable path is MambaMixer.forward;
// this op is what LanguageModel.step chooses for its selective Mamba blocks.

import { Tensor, shapeStr } from '../tensor/tensor.js';
import { packedWeight } from '../tensor/packed.js';
import { kernels } from '../kernels/backend.js';
import { allocOutput } from '../kernels/memory.js';
import { packRowsAs, WeightFormat } from '../kernels/weight_format.js';

/** The selective mixer's tensors the step reads (HF names in comments). */
export interface MambaStepWeights {
  inProj: Tensor; // in_proj.weight [2E, D]
  inBias: Tensor | null; // in_proj.bias [2E]
  convWeight: Tensor; // conv1d.weight [E, 1, K]
  convBias: Tensor | null; // conv1d.bias [E]
  xProj: Tensor; // x_proj.weight [R + 2N, E]
  dtProj: Tensor; // dt_proj.weight [E, R]
  deltaBias: Tensor; // dt_proj.bias [E]
  Dskip: Tensor; // D [E]
  outProj: Tensor; // out_proj.weight [D, E]
  outBias: Tensor | null; // out_proj.bias [D]
}

/** The mixer's state: conv [B, E, K−1] and ssm [B, E, N], updated in place; A = −exp(A_log) [E, N]. */
export interface MambaStepState {
  conv: Float32Array;
  ssm: Float32Array;
  A: Float32Array;
}

/** in_proj, x_proj and out_proj in a compact format, made once per generation state. */
export interface PackedMambaWeights {
  format: WeightFormat;
  inProj: Float32Array;
  xProj: Float32Array;
  outProj: Float32Array;
}

export interface StepNorm {
  weight: Tensor; // [D]
  eps: number;
}

/** A weight matrix [rows, cols] kept in a compact format. */
export interface PackedMatrix {
  format: WeightFormat;
  data: Float32Array;
  rows: number;
  cols: number;
}

/** The model's final norm and head weight [V, D] (packed: the head in a compact format). */
export interface StepHead {
  norm: StepNorm;
  weight: Tensor;
  packed?: PackedMatrix;
}

export interface MambaStepOptions {
  /** The block's pre-norm: computes h + mixer(norm(h)) instead of mixer(x). */
  norm?: StepNorm;
  /** Copies of in_proj, x_proj and out_proj to multiply with instead of the f32 weights. */
  packed?: PackedMambaWeights;
  /** The model's final norm and head after this block: returns logits [B, V]. */
  head?: StepHead;
}

/** x: [B, D] → [B, D] (or logits [B, V] with a head); the state advances in place. */
export function mambaStep(x: Tensor, w: MambaStepWeights, state: MambaStepState, opts: MambaStepOptions = {}): Tensor {
  const [twoE, D] = w.inProj.shape;
  const E = twoE / 2;
  const K = w.convWeight.shape[w.convWeight.shape.length - 1];
  const R = w.dtProj.shape[1];
  const N = (w.xProj.shape[0] - R) / 2;
  const batch = x.shape[0];
  const { norm, packed, head } = opts;
  const out = allocOutput(batch * D);
  const V = head?.weight.shape[0] ?? 0;
  const logits = head ? allocOutput(batch * V) : null;
  kernels().mambaStep({
    B: batch, D, E, N, R, K, x: x.data,
    inProj: packed?.inProj ?? w.inProj.data, inBias: w.inBias?.data ?? null,
    convWeight: w.convWeight.data, convBias: w.convBias?.data ?? null,
    xProj: packed?.xProj ?? w.xProj.data, dtProj: w.dtProj.data, deltaBias: w.deltaBias.data,
    A: state.A, Dskip: w.Dskip.data,
    outProj: packed?.outProj ?? w.outProj.data, outBias: w.outBias?.data ?? null,
    convState: state.conv, ssmState: state.ssm, out,
    norm: norm ? { weight: norm.weight.data, eps: norm.eps } : null, residual: norm !== undefined,
    weights: packed?.format ?? 'f32',
    head: head && {
      V, norm: { weight: head.norm.weight.data, eps: head.norm.eps }, logits: logits!,
      weight: head.packed?.data ?? head.weight.data, weights: head.packed?.format ?? 'f32',
    },
  });
  return logits ? new Tensor(logits, [batch, V]) : new Tensor(out, [batch, D]);
}

/** The step's three matrices in `format`, where the backend's kernels read them without copying. */
export function packMambaWeights(w: MambaStepWeights, format: Exclude<WeightFormat, 'f32'>): PackedMambaWeights {
  return { format, inProj: packRows(w.inProj, format).data, xProj: packRows(w.xProj, format).data, outProj: packRows(w.outProj, format).data };
}

/**
 * A weight [rows, cols] in `format` (the head's, for a bf16 or int8 state). A matrix kept packed
 * (a model loaded in bf16 or int8: src/nn/packed.ts) is its own copy, shared, not packed again.
 */
export function packRows(w: Tensor, format: Exclude<WeightFormat, 'f32'>): PackedMatrix {
  const [rows, cols] = w.shape;
  const kept = packedWeight(w);
  if (kept) {
    if (kept.format !== format) throw new Error(`packRows: a matrix ${shapeStr(w.shape)} kept in ${kept.format} cannot be had in ${format} (its f32 weights were never loaded)`);
    return { format, data: kept.words, rows, cols };
  }
  return { format, data: kernels().residentCopy(packRowsAs(format, w.data, rows, cols)), rows, cols };
}
