// The Mamba-2 block's mixer (Dao & Gu 2024, Fig. 6; mamba_ssm's mamba2.py), in the Hugging Face
// Mamba2ForCausalLM layout:
//
//   x ─ in_proj ─┬─ z ───────────────────────────────────────────────────────┐
//                ├─ xBC ─ conv1d ─ SiLU ─┬─ x ─┐                             │
//                │                       ├─ B ─┼─ SSD (A, D per head) ─ y ─ y·SiLU(z) ─ RMSNorm per group ─ out_proj
//                │                       └─ C ─┘
//                └─ dt ─ Δ = softplus(dt + dt_bias), clamped to time_step_limit (inside SSD)
//
//   paper / code              Hugging Face (config key, or tensor under backbone.layers.{i}.mixer.)
//   D  model width            hidden_size
//   I  inner width            expand · hidden_size = num_heads · head_dim
//   H  heads, P head width    num_heads, head_dim
//   G  groups of B and C      n_groups: head h reads group h // (H/G)
//   N  state size             state_size
//   K  conv width             conv_kernel
//   z | xBC | dt              in_proj.weight [I + (I + 2·G·N) + H, D] in that row order, in_proj.bias
//   conv over x, B and C      conv1d.weight [I + 2·G·N, 1, K], conv1d.bias
//   Δ's bias                  dt_bias [H]
//   A = −exp(A_log)           A_log [H]: one scalar per head (Mamba-1 has [E, N])
//   skip                      D [H] (Dskip in code: D is the model width)
//   gated RMSNorm             norm.weight [I]: y·SiLU(z) first, then x·rsqrt(mean(x²) + eps) within
//                             each group of I/G channels (mamba_ssm's RMSNormGated with
//                             group_size I/G; transformers' torch path normalises all of I, an open bug)
//   output                    out_proj.weight [D, I], out_proj.bias

import { Tensor, ones, zeros } from '../tensor/tensor.js';
import { Rng } from '../tensor/random.js';
import { noGrad } from '../autograd/tape.js';
import { kernels } from '../kernels/backend.js';
import { linear, split, conv1d, concat, slice, exp, neg, gate, rmsNorm, mul, reshape, ssd, packRows, mamba2Step, type Mamba2StepOptions, type Mamba2StepWeights } from '../ops/index.js';
import { Linear, Conv1d } from '../nn/index.js';
import { packedWeight, unpack } from '../nn/packed.js';
import { Module } from '../nn/module.js';
import { initDeltaBias, convStateToTimeMajor, timeMajorToConvState } from './mamba.js';
import { Mixer, MixerState, PackedLinears } from './mixer.js';
import type { WeightFormat } from '../kernels/weight_format.js';
import { LayerRecorder, deltaOf, siluOf, ssdStateNorms } from './recording.js';

/** The block's sizes and switches, with the Hugging Face Mamba2Config keys (a model config is one). */
export interface Mamba2BlockConfig {
  hidden_size: number; // D
  num_heads: number; // H
  head_dim: number; // P: the inner width I = H·P
  n_groups: number; // G
  state_size: number; // N
  conv_kernel: number; // K
  chunk_size: number; // T of the chunked SSD algorithm
  time_step_limit: [number, number]; // Δ is clamped to it after the softplus
  layer_norm_epsilon: number; // of the gated RMSNorm
  use_bias: boolean;
  use_conv_bias: boolean;
}

/** y·SiLU(z), then RMS-normalised within each of G groups of I/G channels, times weight [I]. */
export class GatedGroupRMSNorm extends Module {
  readonly weight: Tensor; // [I]

  constructor(readonly I: number, readonly G: number, readonly eps: number) {
    super();
    this.weight = this.param('weight', ones([I]));
  }

  /** y, z: [..., I] → [..., I]. */
  forward(y: Tensor, z: Tensor): Tensor {
    const { I, G } = this;
    const shape = y.shape;
    const grouped = reshape(gate(y, z), [...shape.slice(0, -1), G, I / G]); // [..., G, I/G]
    const normed = rmsNorm(grouped, ones([I / G]), this.eps); // a constant unit weight: no gradient
    return reshape(mul(normed, reshape(this.weight, [G, I / G])), shape);
  }
}

export class Mamba2Mixer extends Mixer {
  readonly D: number;
  readonly I: number;
  readonly H: number;
  readonly P: number;
  readonly G: number;
  readonly N: number;
  readonly K: number;
  readonly convDim: number; // I + 2·G·N: the channels the conv runs over (x, B, C)
  readonly chunkSize: number;
  readonly dtLimit: [number, number];
  readonly in_proj: Linear;
  readonly conv1d: Conv1d;
  readonly dt_bias: Tensor; // [H]
  readonly A_log: Tensor; // [H]
  readonly Dskip: Tensor; // [H], stored as `D`
  readonly norm: GatedGroupRMSNorm;
  readonly out_proj: Linear;

  constructor(cfg: Mamba2BlockConfig, opts: { numLayers?: number; rng?: Rng } = {}) {
    super();
    const rng = opts.rng ?? new Rng(0);
    this.D = cfg.hidden_size;
    this.H = cfg.num_heads;
    this.P = cfg.head_dim;
    this.I = this.H * this.P;
    this.G = cfg.n_groups;
    this.N = cfg.state_size;
    this.K = cfg.conv_kernel;
    this.convDim = this.I + 2 * this.G * this.N;
    this.chunkSize = cfg.chunk_size;
    this.dtLimit = cfg.time_step_limit;
    const { D, I, H, K, convDim } = this;

    this.in_proj = this.child('in_proj', new Linear(D, I + convDim + H, { bias: cfg.use_bias, rng }));
    this.conv1d = this.child('conv1d', new Conv1d(convDim, K, { bias: cfg.use_conv_bias, rng }));
    // mamba_ssm's init: Δ = softplus(dt_bias) log-uniform in [1e-3, 1e-1]; A = −U[1, 16] per head;
    // D = 1. None decays (as its _no_weight_decay): decay would pull A toward −1, Δ toward 0.69.
    const bias = zeros([H]);
    initDeltaBias(bias.data, rng);
    this.dt_bias = this.param('dt_bias', bias, { decay: false });
    const aLog = zeros([H]);
    for (let h = 0; h < H; h++) aLog.data[h] = Math.log(1 + 15 * rng.next());
    this.A_log = this.param('A_log', aLog, { decay: false });
    this.Dskip = this.param('D', ones([H]), { decay: false });
    this.norm = this.child('norm', new GatedGroupRMSNorm(I, this.G, cfg.layer_norm_epsilon));
    this.out_proj = this.child('out_proj', new Linear(I, D, { bias: cfg.use_bias, rng }));
    const scale = 1 / Math.sqrt(opts.numLayers ?? 1); // as mamba_ssm's rescale of out_proj by the depth
    // (A packed model's weights all come from its file: its f32 arrays are not even backed by memory yet.)
    if (!packedWeight(this.out_proj.weight)) for (let i = 0; i < this.out_proj.weight.size; i++) this.out_proj.weight.data[i] *= scale;
  }

  /**
   * x: [B, L, D] → [B, L, D]. With `state`, continues from it and leaves the final state in it;
   * with `recorder`, records Δ per head, the state norm and the gate (src/ssm/recording.ts).
   */
  forward(x: Tensor, state?: MixerState, recorder?: LayerRecorder): Tensor {
    const { I, H, P, G, N, K, convDim } = this;
    const [batch, L] = x.shape;
    // in_proj by its three row blocks (the weight is split, not the [B, L, 2I + 2GN + H] output).
    const [wz, wxbc, wdt] = split(unpack(this.in_proj.weight), [I, convDim, H], 0);
    const [bz, bxbc, bdt] = this.in_proj.bias ? split(this.in_proj.bias, [I, convDim, H], 0) : [null, null, null];
    const z = linear(x, wz, bz); // [B, L, I]
    const xBC = linear(x, wxbc, bxbc); // [B, L, I + 2GN]
    const dt = linear(x, wdt, bdt); // [B, L, H]

    let xBCc: Tensor; // SiLU(conv(xBC)): [B, L, I + 2GN]
    if (state) {
      const prev = new Tensor(convStateToTimeMajor(state.conv, batch, convDim, K - 1), [batch, K - 1, convDim]);
      const full = concat([prev, xBC], 1);
      xBCc = slice(conv1d(full, this.conv1d.weight, this.conv1d.bias, { activation: 'silu' }), 1, K - 1, K - 1 + L);
      state.conv.set(timeMajorToConvState(full, batch, L + K - 1, convDim, K - 1));
    } else {
      xBCc = conv1d(xBC, this.conv1d.weight, this.conv1d.bias, { activation: 'silu' });
    }
    const [xs, Bm, C] = split(xBCc, [I, G * N, G * N], -1);
    if (recorder) this.record(recorder, { xs, dt, Bm, z }, state ? state.ssm.slice() : null);
    const y = ssd(
      reshape(xs, [batch, L, H, P]), dt, neg(exp(this.A_log)), reshape(Bm, [batch, L, G, N]), reshape(C, [batch, L, G, N]),
      this.dt_bias, this.Dskip,
      { chunkSize: this.chunkSize, dtLimit: this.dtLimit, initialState: state ? state.ssm.slice() : null, finalState: state?.ssm ?? null },
    ); // [B, L, H, P]
    return this.out_proj.forward(this.norm.forward(reshape(y, [batch, L, I]), z));
  }

  /** Δ [B, L, H] (clamped as the SSD op does), ‖h_t‖ [B, L] (replayed from h0 [B, H, P, N]) and SiLU(z) [B, L, I], as wanted. */
  private record(rec: LayerRecorder, t: { xs: Tensor; dt: Tensor; Bm: Tensor; z: Tensor }, h0: Float32Array | null): void {
    const { H, P, G, N } = this;
    const [batch, L] = t.dt.shape;
    if (!rec.wants('delta') && !rec.wants('stateNorm') && !rec.wants('gate')) return;
    const [lo, hi] = this.dtLimit;
    const delta = deltaOf(t.dt.data, this.dt_bias.data, H).map((d) => Math.min(hi, Math.max(lo, d)));
    if (rec.wants('delta')) rec.put('delta', delta, [batch, L, H]);
    if (rec.wants('stateNorm')) {
      const A = noGrad(() => neg(exp(this.A_log))).data;
      rec.put('stateNorm', ssdStateNorms(t.xs.data, delta, A, t.Bm.data, { batch, L, H, P, G, N }, h0), [batch, L]);
    }
    if (rec.wants('gate')) rec.put('gate', siluOf(t.z.data), [batch, L, this.I]);
  }

  /** Zero conv state [B, I + 2GN, K−1] and SSM state [B, H, P, N]; A = −exp(A_log) [H] once. */
  initState(batch: number): MixerState {
    const k = kernels();
    const { H, P, N, K, convDim } = this;
    return {
      conv: k.residentCopy(new Float32Array(batch * convDim * (K - 1))),
      ssm: k.residentCopy(new Float32Array(batch * H * P * N)),
      A: k.residentCopy(noGrad(() => neg(exp(this.A_log))).data),
    };
  }

  /** One token per sequence: x [B, D] → [B, D], in constant time and memory (the fused step op, src/ops/mamba2_step.ts). */
  step(x: Tensor, state: MixerState, packed?: PackedLinears): Tensor {
    return this.blockStep(x, state, { inProj: packed?.in_proj, outProj: packed?.out_proj });
  }

  /**
   * The step with, optionally, the block's pre-norm and residual and the model's head after it
   * (LanguageModel.step folds them in, as for Mamba blocks): x [B, D] → [B, D] or logits [B, V].
   */
  blockStep(x: Tensor, state: MixerState, opts: Mamba2StepOptions): Tensor {
    const { H, P, G, N } = this;
    const w: Mamba2StepWeights = {
      inProj: this.in_proj.weight, inBias: this.in_proj.bias, convWeight: this.conv1d.weight, convBias: this.conv1d.bias,
      dtBias: this.dt_bias, Dskip: this.Dskip, gateNorm: { weight: this.norm.weight, eps: this.norm.eps },
      outProj: this.out_proj.weight, outBias: this.out_proj.bias, H, P, G, N, dtMin: this.dtLimit[0], dtMax: this.dtLimit[1],
    };
    return noGrad(() => mamba2Step(x, w, { conv: state.conv, ssm: state.ssm, A: state.A }, opts));
  }

  /** in_proj and out_proj, nearly all of a step's weight bytes. */
  override packLinears(format: Exclude<WeightFormat, 'f32'>): PackedLinears {
    return { in_proj: packRows(this.in_proj.weight, format), out_proj: packRows(this.out_proj.weight, format) };
  }
}
