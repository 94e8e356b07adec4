// The Mamba block's mixer (Gu & Dao 2023, Fig. 3), with the reference implementation's names:
//
//   x ─ in_proj ─┬─ xi ─ conv1d ─ SiLU ─ x_proj ─┬─ dt_low ─ dt_proj ─ Δ ─┐
//                │                               ├─ B ─────────────────────┼─ selective scan ─ y ─┐
//                │                               └─ C ─────────────────────┘   (A, Dskip)         │
//                └─ z ─ SiLU ──────────────────────────────────────────────────────────── ⊙ ─ out_proj
//
// Glossary: each paper symbol has one name in the code (here, in the ops and in the model) and
// one Hugging Face name (MambaConfig key or tensor under backbone.layers.{i}.mixer.):
//
//   paper                     code                 Hugging Face
//   D  model width            D, hidden_size       hidden_size
//   E  inner width = expand·D E, intermediate_size intermediate_size, expand
//   N  state size             N, state_size        state_size
//   K  conv width             K                    conv_kernel
//   R  rank of Δ's projection R                    time_step_rank
//   B  batch                  batch (B in kernels) —
//   x, z  the two halves      xi, z [B, L, E]      in_proj.weight [2E, D] (x rows first), in_proj.bias
//   conv + SiLU of x          xc [B, L, E]         conv1d.weight [E, 1, K], conv1d.bias [E]
//   s_Δ(x) before the bias    dt [B, L, E]         dt_proj.weight [E, R] applied to dt_low [B, L, R]
//   Δ's bias (τ_Δ's Parameter) deltaBias [E]       dt_proj.bias
//   Δ = softplus(dt + bias)   delta [B, L, E]      —
//   A (diagonal, negative)    A = −exp(A_log)      A_log [E, N]
//   B (input matrix, s_B(x))  Bm [B, L, N]         rows R … R+N−1 of x_proj.weight [R + 2N, E]
//   C (output matrix, s_C(x)) C [B, L, N]          rows R+N … R+2N−1 of x_proj.weight
//   D (skip)                  Dskip [E]            D
//   h  the SSM state          ssm [B, E, N]        —
//   output                    out_proj(y ⊙ SiLU(z)) out_proj.weight [D, E], out_proj.bias
//
// With `selective: false` (the S4D-style ablation) Δ, B and C are parameters (dt_low [R], B [N],
// C [N]), not functions of x.

import { Tensor, zeros } from '../tensor/tensor.js';
import { Rng } from '../tensor/random.js';
import { noGrad } from '../autograd/tape.js';
import { kernels } from '../kernels/backend.js';
import { linear, split, conv1d, silu, exp, neg, concat, slice, add, selectiveScan, gate, mambaStep, rmsNorm, packRows, type MambaStepWeights } from '../ops/index.js';
import { Linear, Conv1d } from '../nn/index.js';
import { packedWeight, unpack } from '../nn/packed.js';
import { Mixer, MixerState, PackedLinears } from './mixer.js';
import type { WeightFormat } from '../kernels/weight_format.js';
import { LayerRecorder, deltaOf, selectiveStateNorms, siluOf } from './recording.js';

/** The block's sizes and switches, with the Hugging Face MambaConfig keys (a model config is one). */
export interface MambaBlockConfig {
  hidden_size: number; // D
  intermediate_size: number; // E
  state_size: number; // N
  conv_kernel: number; // K
  time_step_rank: number; // R
  use_bias: boolean;
  use_conv_bias: boolean;
  /** Falcon Mamba: dt_low, B and C are RMS-normalised (no weight) with this eps after x_proj. */
  mixer_rms_eps?: number;
}

export interface MambaOptions {
  /** Input-dependent Δ, B, C (S6); false gives the time-invariant S4D-style ablation. */
  selective?: boolean;
  /** Total number of layers: out_proj is scaled by 1/sqrt(numLayers) at init, as the paper. */
  numLayers?: number;
  rng?: Rng;
}

export class MambaMixer extends Mixer {
  readonly D: number;
  readonly E: number;
  readonly N: number;
  readonly K: number;
  readonly R: number;
  readonly selective: boolean;
  readonly in_proj: Linear;
  readonly conv1d: Conv1d;
  readonly x_proj: Linear | null;
  readonly dt_proj: Linear;
  readonly A_log: Tensor; // [E, N]
  readonly Dskip: Tensor; // [E], stored as `D`
  readonly out_proj: Linear;
  /** S4D ablation only: input-independent dt_low [R], Bm [N] and C [N] (stored as dt_low, B, C). */
  readonly ltiParams: { dtLow: Tensor; Bm: Tensor; C: Tensor } | null;
  /** Falcon Mamba's eps of the weightless RMS norms on dt_low, B and C; null for Mamba. */
  readonly rmsEps: number | null;

  constructor(cfg: MambaBlockConfig, opts: MambaOptions = {}) {
    super();
    const rng = opts.rng ?? new Rng(0);
    this.D = cfg.hidden_size;
    this.E = cfg.intermediate_size;
    this.N = cfg.state_size;
    this.K = cfg.conv_kernel;
    this.R = cfg.time_step_rank;
    this.selective = opts.selective ?? true;
    this.rmsEps = cfg.mixer_rms_eps ?? null;
    const { D, E, N, K, R } = this;

    this.in_proj = this.child('in_proj', new Linear(D, 2 * E, { bias: cfg.use_bias, rng }));
    this.conv1d = this.child('conv1d', new Conv1d(E, K, { bias: cfg.use_conv_bias, rng }));
    if (this.selective) {
      this.x_proj = this.child('x_proj', new Linear(E, R + 2 * N, { bias: false, rng }));
      this.ltiParams = null;
    } else {
      this.x_proj = null;
      this.ltiParams = {
        dtLow: this.param('dt_low', initUniform([R], 1, rng)),
        Bm: this.param('B', initUniform([N], 1, rng)),
        C: this.param('C', initUniform([N], 1, rng)),
      };
    }
    // f32 even in a packed model: the fused step reads it as f32 (0.5 % of a block's weights at 130m).
    this.dt_proj = this.child('dt_proj', new Linear(R, E, { bias: true, rng, f32: true }));
    initDtProj(this.dt_proj, R, rng);

    // A = −exp(A_log) with A_log[e, n] = log(n + 1): the S4D-real initialisation. Not decayed
    // (as the reference's _no_weight_decay): decay would pull every A toward −1, one timescale.
    const aLog = zeros([E, N]);
    for (let e = 0; e < E; e++) for (let n = 0; n < N; n++) aLog.data[e * N + n] = Math.log(n + 1);
    this.A_log = this.param('A_log', aLog, { decay: false });
    this.Dskip = this.param('D', new Tensor(new Float32Array(E).fill(1), [E]));

    this.out_proj = this.child('out_proj', new Linear(E, D, { bias: cfg.use_bias, rng }));
    const scale = 1 / Math.sqrt(opts.numLayers ?? 1);
    // (A packed model's weights all come from its file: its f32 arrays are not even backed by memory yet.)
    if (!packedWeight(this.out_proj.weight)) for (let i = 0; i < this.out_proj.weight.size; i++) this.out_proj.weight.data[i] *= scale;
  }

  /**
   * x: [B, L, D] → [B, L, D]. With `state`, continues from it and leaves the final state in it;
   * with `recorder`, records Δ, the state norm and the gate (src/ssm/recording.ts).
   */
  forward(x: Tensor, state?: MixerState, recorder?: LayerRecorder): Tensor {
    const { E, K } = this;
    const [batch, L] = x.shape;
    const [xi, z] = this.inProjHalves(x); // [B, L, E] each

    // x_c = SiLU(conv(x_i)): [B, L, E], the conv and its activation in one op.
    let xc: Tensor;
    if (state) {
      // Causal conv over [previous K−1 inputs, xi], keeping the last K−1 inputs for next time.
      const prev = new Tensor(convStateToTimeMajor(state.conv, batch, E, K - 1), [batch, K - 1, E]);
      const full = conv1d(concat([prev, xi], 1), this.conv1d.weight, this.conv1d.bias, { activation: 'silu' });
      xc = slice(full, 1, K - 1, K - 1 + L);
      state.conv.set(timeMajorToConvState(concat([prev, xi], 1), batch, L + K - 1, E, K - 1)); // in place: it may be resident
    } else {
      xc = conv1d(xi, this.conv1d.weight, this.conv1d.bias, { activation: 'silu' });
    }

    const { dt, Bm, C } = this.selectionParams(xc, batch, L);
    const A = neg(exp(this.A_log)); // [E, N]
    if (recorder) this.record(recorder, { xc, dt, A, Bm, z }, state ? state.ssm.slice() : null);
    const y = selectiveScan(xc, dt, A, Bm, C, this.Dskip, {
      deltaBias: this.dt_proj.bias,
      deltaSoftplus: true,
      initialState: state ? state.ssm.slice() : null, // a copy: finalState overwrites state.ssm
      finalState: state?.ssm ?? null,
    }); // [B, L, E]
    return this.out_proj.forward(gate(y, z)); // y ⊙ SiLU(z)
  }

  /** Δ [B, L, E], ‖h_t‖ [B, L] (replaying the recurrence from h0 [B, E, N]) and SiLU(z) [B, L, E], as wanted. */
  private record(rec: LayerRecorder, t: { xc: Tensor; dt: Tensor; A: Tensor; Bm: Tensor; z: Tensor }, h0: Float32Array | null): void {
    const [batch, L, E] = t.xc.shape;
    if (!rec.wants('delta') && !rec.wants('stateNorm') && !rec.wants('gate')) return;
    const delta = deltaOf(t.dt.data, this.dt_proj.bias!.data, E);
    if (rec.wants('delta')) rec.put('delta', delta, [batch, L, E]);
    if (rec.wants('stateNorm')) rec.put('stateNorm', selectiveStateNorms(t.xc.data, delta, t.A.data, t.Bm.data, { batch, L, E, N: this.N }, h0), [batch, L]);
    if (rec.wants('gate')) rec.put('gate', siluOf(t.z.data), [batch, L, E]);
  }

  /**
   * in_proj's two halves x_i and z, each a linear layer on its half of the weight rows: the same
   * numbers as splitting the [B, L, 2E] output, without copying activations (the weight is split
   * instead: a tenth of the size at d 256, L 256, B 8).
   */
  private inProjHalves(x: Tensor): [Tensor, Tensor] {
    const { E } = this;
    const [wx, wz] = split(unpack(this.in_proj.weight), [E, E], 0); // [E, D] each
    const [bx, bz] = this.in_proj.bias ? split(this.in_proj.bias, [E, E], 0) : [null, null];
    return [linear(x, wx, bx), linear(x, wz, bz)];
  }

  /** Δ (before bias and softplus), B and C: from x_proj of the input, or parameters (S4D). */
  private selectionParams(xc: Tensor, batch: number, L: number): { dt: Tensor; Bm: Tensor; C: Tensor } {
    const { E, N, R } = this;
    if (this.x_proj) {
      const xdbl = this.x_proj.forward(xc); // [B, L, R + 2N]
      const [dtLow, Bm, C] = split(xdbl, [R, N, N], -1);
      if (this.rmsEps !== null) {
        // Falcon Mamba: x·rsqrt(mean(x²) + eps) over each of dt_low [R], B [N] and C [N].
        const norm = (t: Tensor, n: number) => rmsNorm(t, new Tensor(new Float32Array(n).fill(1), [n]), this.rmsEps!);
        return { dt: linear(norm(dtLow, R), this.dt_proj.weight), Bm: norm(Bm, N), C: norm(C, N) };
      }
      return { dt: linear(dtLow, this.dt_proj.weight), Bm, C }; // dt: [B, L, E]
    }
    const p = this.ltiParams!;
    const zerosBL = (n: number) => zeros([batch, L, n]);
    return {
      dt: add(zerosBL(E), linear(p.dtLow, this.dt_proj.weight)),
      Bm: add(zerosBL(N), p.Bm),
      C: add(zerosBL(N), p.C),
    };
  }

  /**
   * Zero conv state [B, E, K−1] and SSM state [B, E, N], plus A = −exp(A_log) [E, N] computed
   * once here rather than at every generated token (the weights do not change while generating).
   */
  initState(batch: number): MixerState {
    const k = kernels();
    const { E, N, K } = this;
    const A = k.residentCopy(noGrad(() => neg(exp(this.A_log))).data);
    const conv = k.residentCopy(new Float32Array(batch * E * (K - 1)));
    return { conv, ssm: k.residentCopy(new Float32Array(batch * E * N)), A };
  }

  /** One token per sequence: x [B, D] → [B, D], in constant time and memory. */
  step(x: Tensor, state: MixerState, packed?: PackedLinears): Tensor {
    const w = this.stepWeights();
    return noGrad(() => (w ? mambaStep(x, w, { conv: state.conv, ssm: state.ssm, A: state.A }) : this.stepWithOps(x, state, packed)));
  }

  /**
   * For the step with ops: in_proj and out_proj (the fused step's copies are packMambaWeights',
   * made by the model); x_proj stays f32 there (R + 2N rows of E: a few percent of the bytes).
   */
  override packLinears(format: Exclude<WeightFormat, 'f32'>): PackedLinears | null {
    if (this.stepWeights()) return null;
    return { in_proj: packRows(this.in_proj.weight, format), out_proj: packRows(this.out_proj.weight, format) };
  }

  /**
   * The weights of the fused step op (src/ops/mamba_step.ts); null for the S4D ablation, which has
   * none, and for Falcon Mamba, whose norms the fused step lacks (both step with ops instead).
   */
  stepWeights(): MambaStepWeights | null {
    if (!this.x_proj || this.rmsEps !== null) return null;
    return {
      inProj: this.in_proj.weight, inBias: this.in_proj.bias,
      convWeight: this.conv1d.weight, convBias: this.conv1d.bias,
      xProj: this.x_proj.weight, dtProj: this.dt_proj.weight, deltaBias: this.dt_proj.bias!,
      Dskip: this.Dskip, outProj: this.out_proj.weight, outBias: this.out_proj.bias,
    };
  }

  /** The step with ops: the S4D ablation's (Δ, B and C are parameters) and Falcon Mamba's. */
  private stepWithOps(x: Tensor, state: MixerState, packed?: PackedLinears): Tensor {
    const { E, N, K } = this;
    const batch = x.shape[0];
    const k = kernels();
    const [xi, z] = split(this.in_proj.forwardWith(x, packed?.in_proj), [E, E], -1); // [B, E]
    const xc = new Float32Array(batch * E);
    k.conv1dStep(xi.data, state.conv, this.conv1d.weight.data, this.conv1d.bias?.data ?? null, xc, batch, E, K);
    const xs = silu(new Tensor(xc, [batch, E]));
    const { dt, Bm, C } = this.selectionParams(new Tensor(xs.data, [batch, 1, E]), batch, 1);
    const y = new Float32Array(batch * E);
    k.selectiveScanStep({
      B: batch, E, N,
      x: xs.data, dt: dt.data, deltaBias: this.dt_proj.bias!.data, deltaSoftplus: true,
      A: state.A, Bm: Bm.data, C: C.data, Dskip: this.Dskip.data, state: state.ssm, y,
    });
    return this.out_proj.forwardWith(gate(new Tensor(y, [batch, E]), z), packed?.out_proj);
  }
}

/** dt_proj as the paper: weight uniform ±R^−½; bias = softplus⁻¹(dt), dt log-uniform in [1e-3, 1e-1]. */
function initDtProj(dtProj: Linear, R: number, rng: Rng): void {
  const std = 1 / Math.sqrt(R);
  const w = dtProj.weight.data;
  for (let i = 0; i < w.length; i++) w[i] = (rng.next() * 2 - 1) * std;
  initDeltaBias(dtProj.bias!.data, rng);
}

/** Δ's bias = softplus⁻¹(dt), dt log-uniform in [1e-3, 1e-1] and at least 1e-4 (Mamba and Mamba-2). */
export function initDeltaBias(b: Float32Array, rng: Rng): void {
  const dtMin = 1e-3;
  const dtMax = 1e-1;
  for (let i = 0; i < b.length; i++) {
    const dt = Math.max(1e-4, Math.exp(rng.next() * (Math.log(dtMax) - Math.log(dtMin)) + Math.log(dtMin)));
    b[i] = dt + Math.log(-Math.expm1(-dt)); // inverse of softplus
  }
}

function initUniform(shape: number[], bound: number, rng: Rng): Tensor {
  const t = zeros(shape);
  for (let i = 0; i < t.size; i++) t.data[i] = (rng.next() * 2 - 1) * bound;
  return t;
}

// The conv state is kept as [B, E, K−1] (oldest first per channel) for the step kernel; the
// whole-sequence path needs it time-major [B, K−1, E]. (Mamba-2's conv state has the same layout.)
export function convStateToTimeMajor(conv: Float32Array, batch: number, E: number, T: number): Float32Array {
  const out = new Float32Array(batch * T * E);
  for (let b = 0; b < batch; b++) for (let e = 0; e < E; e++) for (let t = 0; t < T; t++) out[(b * T + t) * E + e] = conv[(b * E + e) * T + t];
  return out;
}

/** The last T time steps of seq [B, S, E] as a conv state [B, E, T]. */
export function timeMajorToConvState(seq: Tensor, batch: number, S: number, E: number, T: number): Float32Array {
  const out = new Float32Array(batch * E * T);
  for (let b = 0; b < batch; b++) for (let e = 0; e < E; e++) for (let t = 0; t < T; t++) out[(b * E + e) * T + t] = seq.data[(b * S + S - T + t) * E + e];
  return out;
}
