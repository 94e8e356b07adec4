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
import type { MambaLayerStep, StepHead as KernelStepHead } from '../kernels/reference/mamba_step.js';

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
  const batch = x.shape[0];
  const layer = layerArgs(batch, w, state, opts.norm, opts.packed);
  const out = allocOutput(batch * layer.D);
  const head = opts.head && headArgs(batch, opts.head);
  kernels().mambaStep({ ...layer, x: x.data, out, residual: opts.norm !== undefined, head });
  return head ? new Tensor(head.logits, [batch, head.V]) : new Tensor(out, [batch, layer.D]);
}

/** One fused block of mambaModelStep: its weights, state, pre-norm and packed copies. */
export interface MambaStepLayer {
  w: MambaStepWeights;
  state: MambaStepState;
  norm: StepNorm;
  packed?: PackedMambaWeights;
}

/**
 * x: [B, D] through every block (each h + mixer(norm(h))), then the final norm and head → logits
 * [B, V]: a whole model of fused Mamba blocks as one kernel call (one pool job on the wasm backend).
 */
export function mambaModelStep(x: Tensor, layers: MambaStepLayer[], head: StepHead): Tensor {
  const batch = x.shape[0];
  const h = headArgs(batch, head);
  kernels().mambaModelStep({ layers: layers.map((l) => layerArgs(batch, l.w, l.state, l.norm, l.packed)), x: x.data, head: h });
  return new Tensor(h.logits, [batch, h.V]);
}

/** The kernel's arguments for one block (shapes from the weights). */
function layerArgs(batch: number, w: MambaStepWeights, state: MambaStepState, norm: StepNorm | undefined, packed: PackedMambaWeights | undefined): MambaLayerStep {
  const [twoE, D] = w.inProj.shape;
  const R = w.dtProj.shape[1];
  return {
    B: batch, D, E: twoE / 2, N: (w.xProj.shape[0] - R) / 2, R, K: w.convWeight.shape[w.convWeight.shape.length - 1],
    inProj: packed?.inProj ?? w.inProj.data, inBias: w.inBias?.data ?? null,
    convWeight: w.convWeight.data, convBias: w.convBias?.data ?? null,
    xProj: packed?.xProj ?? w.xProj.data, dtProj: w.dtProj.data, deltaBias: w.deltaBias.data,
    A: state.A, Dskip: w.Dskip.data,
    outProj: packed?.outProj ?? w.outProj.data, outBias: w.outBias?.data ?? null,
    convState: state.conv, ssmState: state.ssm,
    norm: norm ? { weight: norm.weight.data, eps: norm.eps } : null,
    weights: packed?.format ?? 'f32',
  };
}

function headArgs(batch: number, head: StepHead): KernelStepHead {
  const V = head.weight.shape[0];
  return {
    V, norm: { weight: head.norm.weight.data, eps: head.norm.eps }, logits: allocOutput(batch * V),
    weight: head.packed?.data ?? head.weight.data, weights: head.packed?.format ?? 'f32',
  };
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
