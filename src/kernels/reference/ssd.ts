// Mamba-2's state-space dual (SSD) layer, reference kernels: the sequential recurrence (the
// specification the chunked kernels of ssd_chunked.ts are tested against), its backward, and the
// one-token step for generation. Per batch b and head h, with group g = h // (H/G):
//   Δ_t = clamp(softplus(dt_t + dtBias_h), dtMin, dtMax)             scalar per head
//   S_t = exp(Δ_t·A_h) · S_{t−1} + Δ_t · x_t ⊗ B_t                   S: [P, N], x_t: [P], B_t: [N] (group g)
//   y_t = S_t · C_t + Dskip_h · x_t                                    y_t: [P]
// Layouts: x, y [B, L, H, P]; dt, delta [B, L, H]; A, dtBias, Dskip [H]; Bm, C [B, L, G, N];
// states [B, H, P, N]. A is a scalar per head (−exp(A_log)), unlike Mamba-1's [E, N].

export interface SsdInputs {
  B: number; L: number; H: number; P: number; G: number; N: number;
  x: Float32Array; // [B, L, H, P]
  dt: Float32Array; // [B, L, H], before bias, softplus and clamp
  A: Float32Array; // [H]
  Bm: Float32Array; // [B, L, G, N]
  C: Float32Array; // [B, L, G, N]
  dtBias: Float32Array; // [H]
  Dskip: Float32Array | null; // [H]
  /** time_step_limit: Δ is clamped to [dtMin, dtMax] after the softplus. */
  dtMin: number;
  dtMax: number;
}

export interface SsdGradients {
  gradY: Float32Array; // [B, L, H, P]
  gradX: Float32Array; // out [B, L, H, P]
  gradDt: Float32Array; // out [B, L, H]
  gradA: Float32Array; // out [H], zeroed by the caller
  gradBm: Float32Array; // out [B, L, G, N], zeroed by the caller
  gradC: Float32Array; // out [B, L, G, N], zeroed by the caller
  gradDtBias: Float32Array; // out [H], zeroed by the caller
  gradDskip: Float32Array | null; // out [H], zeroed by the caller
}

/** PyTorch's softplus (threshold 20, where log(1 + e^z) = z in f32). */
function softplus(z: number): number {
  return z > 20 ? z : Math.log1p(Math.exp(z));
}

/** Δ [B, L, H] = clamp(softplus(dt + dtBias), dtMin, dtMax). */
export function ssdDelta(a: SsdInputs, delta: Float32Array): void {
  const { H } = a;
  for (let i = 0; i < delta.length; i++) delta[i] = Math.min(a.dtMax, Math.max(a.dtMin, softplus(a.dt[i] + a.dtBias[i % H])));
}

/**
 * gradDelta [B, L, H] → gradDt and gradDtBias: sigmoid(dt + bias) where the clamp passed the
 * value through (torch's clamp passes the gradient at the bounds too), zero where it clipped.
 */
export function ssdDeltaBackward(a: SsdInputs, gradDelta: Float64Array, gradDt: Float32Array, gradDtBias: Float32Array): void {
  const { H } = a;
  for (let i = 0; i < gradDelta.length; i++) {
    const z = a.dt[i] + a.dtBias[i % H];
    const v = softplus(z);
    const g = v < a.dtMin || v > a.dtMax ? 0 : (gradDelta[i] / (1 + Math.exp(-z)));
    gradDt[i] = g;
    gradDtBias[i % H] += g;
  }
}

/** y += Dskip·x and its gradients (the skip is the same in every kernel). */
export function ssdSkip(a: SsdInputs, y: Float32Array): void {
  if (!a.Dskip) return;
  const { H, P } = a;
  for (let i = 0; i < y.length; i++) y[i] += a.Dskip[Math.floor(i / P) % H] * a.x[i];
}

export function ssdSkipBackward(a: SsdInputs, g: SsdGradients): void {
  if (!a.Dskip || !g.gradDskip) return;
  const { H, P } = a;
  for (let i = 0; i < g.gradY.length; i++) {
    const h = Math.floor(i / P) % H;
    g.gradX[i] += a.Dskip[h] * g.gradY[i];
    g.gradDskip[h] += a.x[i] * g.gradY[i];
  }
}

export interface SsdNaiveForwardArgs extends SsdInputs {
  initialState: Float32Array | null; // [B, H, P, N]
  y: Float32Array; // out [B, L, H, P]
  delta: Float32Array; // out [B, L, H]
  states: Float32Array; // out [B, L, H, P, N]: S_t after step t
  finalState: Float32Array | null; // out [B, H, P, N]
}

/** The recurrence one step at a time, keeping every state. */
export function ssdNaiveForward(a: SsdNaiveForwardArgs): void {
  const { B, L, H, P, G, N } = a;
  const PN = P * N;
  ssdDelta(a, a.delta);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      const g = Math.floor(h / (H / G));
      const S = new Float64Array(PN);
      if (a.initialState) for (let k = 0; k < PN; k++) S[k] = a.initialState[(b * H + h) * PN + k];
      for (let t = 0; t < L; t++) {
        const bt = (b * L + t) * H + h;
        const d = a.delta[bt];
        const decay = Math.exp(d * a.A[h]);
        const bg = ((b * L + t) * G + g) * N;
        for (let p = 0; p < P; p++) {
          const dx = d * a.x[bt * P + p];
          let yp = 0;
          for (let n = 0; n < N; n++) {
            const s = decay * S[p * N + n] + dx * a.Bm[bg + n];
            S[p * N + n] = s;
            yp += s * a.C[bg + n];
          }
          a.y[bt * P + p] = yp;
        }
        for (let k = 0; k < PN; k++) a.states[bt * PN + k] = S[k];
      }
      if (a.finalState) for (let k = 0; k < PN; k++) a.finalState[(b * H + h) * PN + k] = S[k];
    }
  }
  ssdSkip(a, a.y);
}

export interface SsdNaiveBackwardArgs extends SsdInputs, SsdGradients {
  initialState: Float32Array | null;
  delta: Float32Array;
  states: Float32Array;
}

/** The reverse recurrence: ∂S carried backwards, ∂S_{t−1} = exp(Δ_t·A)·∂S_t. */
export function ssdNaiveBackward(a: SsdNaiveBackwardArgs): void {
  const { B, L, H, P, G, N } = a;
  const PN = P * N;
  const gradDelta = new Float64Array(B * L * H);
  a.gradX.fill(0);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      const g = Math.floor(h / (H / G));
      const dS = new Float64Array(PN);
      for (let t = L - 1; t >= 0; t--) {
        const bt = (b * L + t) * H + h;
        const bg = ((b * L + t) * G + g) * N;
        const d = a.delta[bt];
        const decay = Math.exp(d * a.A[h]);
        const prev = t > 0 ? a.states.subarray((bt - H) * PN, (bt - H + 1) * PN) : a.initialState?.subarray((b * H + h) * PN, (b * H + h + 1) * PN);
        let dDelta = 0;
        let dSprev = 0; // <∂S_t, S_{t−1}>
        for (let p = 0; p < P; p++) {
          const dy = a.gradY[bt * P + p];
          const xp = a.x[bt * P + p];
          let v = 0;
          for (let n = 0; n < N; n++) {
            const k = p * N + n;
            a.gradC[bg + n] += a.states[bt * PN + k] * dy;
            dS[k] += dy * a.C[bg + n];
            v += dS[k] * a.Bm[bg + n];
            a.gradBm[bg + n] += d * dS[k] * xp;
            if (prev) dSprev += dS[k] * prev[k];
          }
          a.gradX[bt * P + p] = d * v;
          dDelta += xp * v;
        }
        gradDelta[bt] = dDelta + a.A[h] * decay * dSprev;
        a.gradA[h] += d * decay * dSprev;
        for (let k = 0; k < PN; k++) dS[k] *= decay;
      }
    }
  }
  ssdDeltaBackward(a, gradDelta, a.gradDt, a.gradDtBias);
  ssdSkipBackward(a, a);
}

export interface SsdStepArgs {
  B: number; H: number; P: number; G: number; N: number;
  x: Float32Array; // [B, H, P]
  dt: Float32Array; // [B, H], before bias, softplus and clamp
  A: Float32Array; // [H]
  Bm: Float32Array; // [B, G, N]
  C: Float32Array; // [B, G, N]
  dtBias: Float32Array; // [H]
  Dskip: Float32Array; // [H]
  dtMin: number;
  dtMax: number;
  state: Float32Array; // [B, H, P, N], updated in place
  y: Float32Array; // out [B, H, P]
}

/** One token per sequence: the recurrence's step, in constant time and memory. */
export function ssdStep(a: SsdStepArgs): void {
  const { B, H, P, G, N } = a;
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      const g = Math.floor(h / (H / G));
      const d = Math.min(a.dtMax, Math.max(a.dtMin, softplus(a.dt[b * H + h] + a.dtBias[h])));
      const decay = Math.exp(d * a.A[h]);
      const bg = (b * G + g) * N;
      for (let p = 0; p < P; p++) {
        const i = (b * H + h) * P + p;
        const dx = d * a.x[i];
        const s = i * N;
        let yp = 0;
        for (let n = 0; n < N; n++) {
          const v = decay * a.state[s + n] + dx * a.Bm[bg + n];
          a.state[s + n] = v;
          yp += v * a.C[bg + n];
        }
        a.y[i] = yp + a.Dskip[h] * a.x[i];
      }
    }
  }
}
