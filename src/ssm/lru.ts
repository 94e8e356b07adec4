// The Linear Recurrent Unit (Orvieto et al. 2023, "Resurrecting Recurrent Neural Networks for Long
// Sequences") as a sequence mixer, followed by the position-wise GLU of the paper's block:
//
//   u ─ B (complex, ⊙ γ) ─ h_t = Λ h_{t−1} + γ ⊙ B u_t ─ y = Re(C h) + Dskip ⊙ u ─ GELU ─ GLU ─ out
//
// Λ is diagonal complex, λ_n = exp(−exp(ν_n) + i·exp(θ_n)), so |λ_n| = exp(−exp(ν_n)) < 1 for any
// ν_n (stable) and small changes of ν resolve |λ| near 1. γ_n = sqrt(1 − |λ_n|²) at initialisation
// (stored as log γ and trained) keeps the state's scale independent of |λ|. GLU(z) = out1(z) ⊙
// σ(out2(z)). The LanguageModel's block wraps it as x + LRUMixer(RMSNorm(x)), like the Mamba mixer.
//
// Shapes: u [B, L, D] (D = hidden_size); state h [B, L, N] complex; B_re, B_im [N, D];
// C_re, C_im [D, N]; nu_log, theta_log, gamma_log [N]; the skip Dskip [D] (the paper's D, stored
// as `D`: in the code D is the width).
// Ablation switches (all on by default), each removing one ingredient of the paper:
//   stableExpParam: false → λ is the free parameter pair lambda_re, lambda_im [N] (no constraint);
//   ringInit: false → |λ|² uniform in [0, 1) and phase in [0, 2π): uniform on the unit disk, the
//                     eigenvalue distribution of a Glorot-initialised dense matrix;
//   gammaNorm: false → no γ (no gamma_log);
//   complex: false → real λ = exp(−exp(ν)) ∈ (0, 1), real B and C (B_re, C_re only, B scaled by
//                    1/sqrt(D) so that B u keeps the complex version's variance).

import { Tensor, zeros } from '../tensor/tensor.js';
import { Rng } from '../tensor/random.js';
import { noGrad } from '../autograd/tape.js';
import { linear, add, sub, mul, exp, neg, cos, sin, gelu, sigmoid, linearScan, linearScanComplex, type ScanAlgorithm } from '../ops/index.js';
import { Linear, Module } from '../nn/index.js';
import { Mixer, MixerState } from './mixer.js';
import { LayerRecorder, rowNorms } from './recording.js';

/** The paper's long-task setting: |λ| in [0.9, 0.999], phases in [0, 2π]. */
export const LRU_DEFAULTS = { r_min: 0.9, r_max: 0.999, max_phase: 2 * Math.PI };

export interface LRUOptions {
  /** N, the number of complex state channels; default hidden_size (then the layer has as many parameters as a Mamba block, about 6·D²). */
  stateSize?: number;
  /** Ring initialisation: |λ| uniform by area in [rMin, rMax] (default 0.9, 0.999: the paper's long-task setting). */
  rMin?: number;
  rMax?: number;
  /** Phases uniform in [0, maxPhase] (default 2π; the paper uses π/10 on its longest task). */
  maxPhase?: number;
  stableExpParam?: boolean;
  ringInit?: boolean;
  gammaNorm?: boolean;
  complex?: boolean;
  /** Scan algorithm of the whole-sequence path (default 'sequential'). */
  algorithm?: ScanAlgorithm;
  rng?: Rng;
}

/** GLU(z) = out1(z) ⊙ σ(out2(z)), position-wise, D → D. */
export class GLU extends Module {
  readonly out1: Linear;
  readonly out2: Linear;

  constructor(D: number, rng: Rng) {
    super();
    this.out1 = this.child('out1', new Linear(D, D, { rng }));
    this.out2 = this.child('out2', new Linear(D, D, { rng }));
  }

  forward(z: Tensor): Tensor {
    return mul(this.out1.forward(z), sigmoid(this.out2.forward(z)));
  }
}

export class LRUMixer extends Mixer {
  readonly D: number;
  readonly N: number;
  readonly stableExpParam: boolean;
  readonly ringInit: boolean;
  readonly gammaNorm: boolean;
  readonly complex: boolean;
  readonly algorithm: ScanAlgorithm;
  readonly nu_log: Tensor | null; // [N], stableExpParam
  readonly theta_log: Tensor | null; // [N], stableExpParam and complex
  readonly lambda_re: Tensor | null; // [N], without stableExpParam
  readonly lambda_im: Tensor | null; // [N], without stableExpParam, complex
  readonly gamma_log: Tensor | null; // [N], gammaNorm
  readonly B_re: Tensor; // [N, D]
  readonly B_im: Tensor | null; // [N, D]
  readonly C_re: Tensor; // [D, N]
  readonly C_im: Tensor | null; // [D, N]
  readonly Dskip: Tensor; // [D], stored as `D`
  readonly glu: GLU;

  constructor(cfg: { hidden_size: number }, opts: LRUOptions = {}) {
    super();
    const rng = opts.rng ?? new Rng(0);
    const D = (this.D = cfg.hidden_size);
    const N = (this.N = opts.stateSize ?? cfg.hidden_size);
    this.stableExpParam = opts.stableExpParam ?? true;
    this.ringInit = opts.ringInit ?? true;
    this.gammaNorm = opts.gammaNorm ?? true;
    this.complex = opts.complex ?? true;
    this.algorithm = opts.algorithm ?? 'sequential';
    const rMin = opts.rMin ?? LRU_DEFAULTS.r_min;
    const rMax = opts.rMax ?? LRU_DEFAULTS.r_max;
    const maxPhase = opts.maxPhase ?? LRU_DEFAULTS.max_phase;
    if (!(rMin >= 0 && rMin <= rMax && rMax < 1)) throw new Error(`LRUMixer: need 0 ≤ rMin ≤ rMax < 1, got rMin ${rMin}, rMax ${rMax}`);
    if (!(maxPhase > 0)) throw new Error(`LRUMixer: maxPhase must be > 0, got ${maxPhase}`);

    const { modulus, phase } = sampleEigenvalues(N, this.ringInit ? { rMin, rMax, maxPhase } : { rMin: 0, rMax: 1, maxPhase: 2 * Math.PI }, rng);
    const vec = (f: (n: number) => number) => new Tensor(Float32Array.from({ length: N }, (_, n) => f(n)), [N]);
    if (this.stableExpParam) {
      // |λ| = exp(−exp(ν)) ⇔ ν = log(−log|λ|); the phase is exp(θ) ⇔ θ = log(phase).
      this.nu_log = this.param('nu_log', vec((n) => Math.log(-Math.log(modulus[n]))));
      this.theta_log = this.complex ? this.param('theta_log', vec((n) => Math.log(phase[n]))) : null;
      this.lambda_re = this.lambda_im = null;
    } else {
      this.lambda_re = this.param('lambda_re', vec((n) => modulus[n] * (this.complex ? Math.cos(phase[n]) : 1)));
      this.lambda_im = this.complex ? this.param('lambda_im', vec((n) => modulus[n] * Math.sin(phase[n]))) : null;
      this.nu_log = this.theta_log = null;
    }
    // γ = sqrt(1 − |λ|²) from the stored parameters, so that the initial state has unit scale.
    const lam = noGrad(() => this.lambda());
    const abs2 = (n: number) => lam.re.data[n] ** 2 + (lam.im ? lam.im.data[n] ** 2 : 0);
    this.gamma_log = this.gammaNorm ? this.param('gamma_log', vec((n) => 0.5 * Math.log(1 - abs2(n)))) : null;

    const normal = (shape: number[], std: number) => {
      const t = zeros(shape);
      for (let i = 0; i < t.size; i++) t.data[i] = std * rng.normal();
      return t;
    };
    // Fan-in scaling: E|B u|² and E|C h|² of order 1 (B complex: 1/sqrt(2D) per part).
    const bStd = 1 / Math.sqrt((this.complex ? 2 : 1) * D);
    this.B_re = this.param('B_re', normal([N, D], bStd));
    this.B_im = this.complex ? this.param('B_im', normal([N, D], bStd)) : null;
    this.C_re = this.param('C_re', normal([D, N], 1 / Math.sqrt(N)));
    this.C_im = this.complex ? this.param('C_im', normal([D, N], 1 / Math.sqrt(N))) : null;
    this.Dskip = this.param('D', normal([D], 1));
    this.glu = this.child('glu', new GLU(D, rng));
  }

  /** The eigenvalues λ [N] (im null for the real ablation), as differentiable functions of the parameters. */
  lambda(): { re: Tensor; im: Tensor | null } {
    if (!this.stableExpParam) return { re: this.lambda_re!, im: this.lambda_im };
    const modulus = exp(neg(exp(this.nu_log!))); // |λ| = exp(−exp(ν)) ∈ (0, 1)
    if (!this.complex) return { re: modulus, im: null };
    const phase = exp(this.theta_log!);
    return { re: mul(modulus, cos(phase)), im: mul(modulus, sin(phase)) };
  }

  /** γ ⊙ (B u): u [..., D] → [..., N] (re, im). */
  private drive(u: Tensor): { re: Tensor; im: Tensor | null } {
    let re = linear(u, this.B_re);
    let im = this.B_im ? linear(u, this.B_im) : null;
    if (this.gamma_log) {
      const gamma = exp(this.gamma_log); // [N]
      re = mul(re, gamma);
      im = im && mul(im, gamma);
    }
    return { re, im };
  }

  /** GLU(GELU(Re(C h) + Dskip ⊙ u)): h [..., N], u [..., D] → [..., D]. Re(C h) = C_re h_re − C_im h_im. */
  private output(hRe: Tensor, hIm: Tensor | null, u: Tensor): Tensor {
    let y = linear(hRe, this.C_re);
    if (hIm) y = sub(y, linear(hIm, this.C_im!));
    y = add(y, mul(u, this.Dskip));
    return this.glu.forward(gelu(y));
  }

  /**
   * u: [B, L, D] → [B, L, D]. With `state`, starts from state.h_re/h_im [B, N] and leaves the last
   * state there; with `recorder`, records the state norm ‖h_t‖ [B, L].
   */
  forward(u: Tensor, state?: MixerState, recorder?: LayerRecorder): Tensor {
    const [batch, L] = u.shape;
    const N = this.N;
    const lam = this.lambda();
    const bu = this.drive(u); // [B, L, N]
    const everywhere = (t: Tensor) => add(zeros([batch, L, N]), t); // λ [N] → a [B, L, N]
    const algorithm = this.algorithm;
    const [hRe, hIm] = this.complex
      ? linearScanComplex(everywhere(lam.re), everywhere(lam.im!), bu.re, bu.im!, { h0: state?.h_re, h0Im: state?.h_im, algorithm })
      : [linearScan(everywhere(lam.re), bu.re, { h0: state?.h_re, algorithm }), null];
    if (recorder?.wants('stateNorm')) recorder.put('stateNorm', rowNorms(hRe.data, hIm?.data ?? null, N), [batch, L]);
    if (state && L > 0) {
      for (let b = 0; b < batch; b++) {
        const last = (b * L + L - 1) * N;
        state.h_re.set(hRe.data.subarray(last, last + N), b * N);
        if (hIm) state.h_im.set(hIm.data.subarray(last, last + N), b * N);
      }
    }
    return this.output(hRe, hIm, u);
  }

  /** Zero state h [B, N] (re, and im when complex), and λ computed once for generation. */
  initState(batch: number): MixerState {
    const lam = noGrad(() => this.lambda());
    const state: MixerState = { h_re: new Float32Array(batch * this.N), lambda_re: lam.re.data.slice() };
    if (lam.im) {
      state.h_im = new Float32Array(batch * this.N);
      state.lambda_im = lam.im.data.slice();
    }
    return state;
  }

  /** One token per sequence: u [B, D] → [B, D]; h ← λ ⊙ h + γ ⊙ B u in place. */
  step(u: Tensor, state: MixerState): Tensor {
    return noGrad(() => {
      const batch = u.shape[0];
      const N = this.N;
      const bu = this.drive(u); // [B, N]
      const { h_re, h_im, lambda_re, lambda_im } = state;
      for (let b = 0; b < batch; b++) {
        for (let n = 0; n < N; n++) {
          const i = b * N + n;
          if (!h_im) {
            h_re[i] = lambda_re[n] * h_re[i] + bu.re.data[i];
            continue;
          }
          // The scan's order of operations, so that step and forward round alike.
          const hr = h_re[i];
          const hi = h_im[i];
          h_re[i] = lambda_re[n] * hr - lambda_im[n] * hi + bu.re.data[i];
          h_im[i] = lambda_re[n] * hi + lambda_im[n] * hr + bu.im!.data[i];
        }
      }
      const hRe = new Tensor(h_re.slice(), [batch, N]);
      const hIm = h_im ? new Tensor(h_im.slice(), [batch, N]) : null;
      return this.output(hRe, hIm, u);
    });
  }
}

/**
 * N eigenvalues by modulus and phase: |λ|² uniform in [rMin², rMax²] (uniform by area on the
 * ring), phase uniform in [0, maxPhase]. Kept away from |λ| = 0 and phase 0, where ν and θ are
 * log-infinite.
 */
function sampleEigenvalues(N: number, ring: { rMin: number; rMax: number; maxPhase: number }, rng: Rng): { modulus: Float64Array; phase: Float64Array } {
  const modulus = new Float64Array(N);
  const phase = new Float64Array(N);
  const { rMin, rMax, maxPhase } = ring;
  for (let n = 0; n < N; n++) {
    const r2 = rng.next() * (rMax * rMax - rMin * rMin) + rMin * rMin;
    modulus[n] = Math.min(Math.sqrt(Math.max(r2, 1e-12)), 1 - 1e-7);
    phase[n] = Math.max(maxPhase * rng.next(), 1e-12);
  }
  return { modulus, phase };
}
