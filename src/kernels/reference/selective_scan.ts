// Reference selective scan (S6) kernels. Per batch b, channel e, state n (Gu & Dao 2023):
//   delta[b,t,e] = softplus(dt[b,t,e] + deltaBias[e])   (or dt + deltaBias without softplus)
//   dA = exp(delta · A[e,n]);   h_t[b,e,n] = dA · h_{t−1} + delta · Bm[b,t,n] · x[b,t,e]
//   y[b,t,e] = Σ_n C[b,t,n] · h_t[b,e,n] + D[e] · x[b,t,e]
// Layouts: x, dt, y, delta: [B, L, E]; Bm, C: [B, L, N]; A: [E, N]; Dskip, deltaBias: [E];
// states: [B, E, N]. The fused kernels never hold [B, L, E, N]: forward keeps the state entering
// each chunk of T steps, backward recomputes one chunk of one channel at a time into [T, N] scratch.
// Inner loops run over n (contiguous in A, Bm, C and the state) so that they map to SIMD lanes.

/**
 * Default chunk length. Recomputation costs the same for any T (every state is recomputed once);
 * T only trades the stored boundaries [B, ⌈L/T⌉, E, N] against the backward scratch 2·T·N: with
 * T = 64 and N = 16 the boundaries are a quarter of delta [B, L, E], and the scratch (8 KB) plus
 * one chunk of Bm and C (4 KB each) stays in a 32 KB L1 cache.
 */
export const SCAN_CHUNK = 64;

/** PyTorch's softplus (threshold 20, where log(1 + e^z) = z in f32). */
function softplus(z: number): number {
  return z > 20 ? z : Math.log1p(Math.exp(z));
}

function discretise(dt: number, bias: number, useSoftplus: boolean): number {
  return useSoftplus ? softplus(dt + bias) : dt + bias;
}

/** ∂delta/∂dt: sigmoid(dt + bias) under softplus, else 1. */
function deltaSlope(dt: number, bias: number, useSoftplus: boolean): number {
  return useSoftplus ? 1 / (1 + Math.exp(-(dt + bias))) : 1;
}

export interface SelectiveScanInputs {
  B: number; L: number; E: number; N: number;
  x: Float32Array; dt: Float32Array; // [B, L, E]
  A: Float32Array; // [E, N]
  Bm: Float32Array; C: Float32Array; // [B, L, N]
  Dskip: Float32Array | null; deltaBias: Float32Array | null; // [E]
  deltaSoftplus: boolean;
}

export interface SelectiveScanForwardArgs extends SelectiveScanInputs {
  T: number; // chunk length
  initialState: Float32Array | null; // [B, E, N], zeros when null
  y: Float32Array; // out [B, L, E]
  delta: Float32Array; // out [B, L, E], after softplus
  chunkStates: Float32Array; // out [B, ⌈L/T⌉, E, N]: the state entering each chunk
  finalState: Float32Array | null; // out [B, E, N]: h_{L−1}
}

export function selectiveScanForward(a: SelectiveScanForwardArgs): void {
  const { B, L, E, N, T, x, dt, A, Bm, C, Dskip, deltaBias, deltaSoftplus, y, delta, chunkStates } = a;
  const nChunks = Math.ceil(L / T);
  const h = new Float32Array(E * N); // the running state of one batch row: [E, N]
  for (let b = 0; b < B; b++) {
    if (a.initialState) h.set(a.initialState.subarray(b * E * N, (b + 1) * E * N));
    else h.fill(0);
    for (let c = 0; c < nChunks; c++) {
      chunkStates.set(h, (b * nChunks + c) * E * N);
      const t1 = Math.min(L, (c + 1) * T);
      for (let e = 0; e < E; e++) {
        const he = e * N;
        const bias = deltaBias ? deltaBias[e] : 0;
        for (let t = c * T; t < t1; t++) {
          const i = (b * L + t) * E + e;
          delta[i] = discretise(dt[i], bias, deltaSoftplus);
          const d = delta[i]; // rounded to f32, as the backward will read it
          const dx = d * x[i];
          const bt = (b * L + t) * N;
          let acc = 0;
          for (let n = 0; n < N; n++) {
            const hn = Math.exp(d * A[he + n]) * h[he + n] + dx * Bm[bt + n];
            h[he + n] = hn;
            acc += C[bt + n] * hn;
          }
          y[i] = acc + (Dskip ? Dskip[e] * x[i] : 0);
        }
      }
    }
    if (a.finalState) a.finalState.set(h, b * E * N);
  }
}

export interface SelectiveScanGradients {
  gradY: Float32Array; // in [B, L, E]
  gradX: Float32Array; gradDt: Float32Array; // out [B, L, E]
  gradA: Float32Array; // out [E, N]
  gradBm: Float32Array; gradC: Float32Array; // out [B, L, N]
  gradDskip: Float32Array | null; gradDeltaBias: Float32Array | null; // out [E]; null when Dskip / deltaBias is
}

export interface SelectiveScanBackwardArgs extends SelectiveScanInputs, SelectiveScanGradients {
  T: number;
  delta: Float32Array; // [B, L, E] from the forward
  chunkStates: Float32Array; // [B, ⌈L/T⌉, E, N] from the forward
}

/**
 * The reverse recurrence with adjoint δ_t = ∂L/∂h_t = g_t·C_t + dA_{t+1} ⊙ δ_{t+1} (g = gradY):
 *   dx = delta·Σ_n δ·Bm + g·D;   dBm[n] += δ·delta·x;   dC[n] += g·h_t;   dD += g·x
 *   ddelta = Σ_n δ·(A·dA·h_{t−1} + Bm·x);   dA[e,n] += δ·delta·dA·h_{t−1};   ddt = ddelta·∂delta/∂dt
 * All gradient outputs are overwritten.
 */
export function selectiveScanBackward(a: SelectiveScanBackwardArgs): void {
  const { B, L, E, N, T, x, dt, A, Bm, C, Dskip, deltaBias, deltaSoftplus, delta, chunkStates, gradY } = a;
  const { gradX, gradDt, gradA, gradBm, gradC, gradDskip, gradDeltaBias } = a;
  gradA.fill(0);
  gradBm.fill(0);
  gradC.fill(0);
  gradDskip?.fill(0);
  gradDeltaBias?.fill(0);
  const nChunks = Math.ceil(L / T);
  const hs = new Float32Array(T * N); // h_{t0+j} of one channel: [T, N]
  const dAs = new Float32Array(T * N); // exp(delta·A) of the same steps: [T, N]
  const dh = new Float32Array(E * N); // dA_{t+1} ⊙ δ_{t+1}, carried across chunks: [E, N]
  for (let b = 0; b < B; b++) {
    dh.fill(0);
    for (let c = nChunks - 1; c >= 0; c--) {
      const t0 = c * T;
      const t1 = Math.min(L, t0 + T);
      const h0 = (b * nChunks + c) * E * N; // offset of the chunk's entering states
      for (let e = 0; e < E; e++) {
        const he = e * N;
        const bias = deltaBias ? deltaBias[e] : 0;
        // Recompute this chunk's states of channel e from the stored boundary.
        for (let t = t0; t < t1; t++) {
          const j = (t - t0) * N;
          const i = (b * L + t) * E + e;
          const d = delta[i];
          const dx = d * x[i];
          const bt = (b * L + t) * N;
          const prev = t === t0 ? chunkStates : hs; // h_{t−1}
          const p = t === t0 ? h0 + he : j - N;
          for (let n = 0; n < N; n++) {
            const dA = Math.exp(d * A[he + n]);
            dAs[j + n] = dA;
            hs[j + n] = dA * prev[p + n] + dx * Bm[bt + n];
          }
        }
        // Reverse recurrence over the chunk.
        for (let t = t1 - 1; t >= t0; t--) {
          const j = (t - t0) * N;
          const i = (b * L + t) * E + e;
          const g = gradY[i];
          const d = delta[i];
          const xv = x[i];
          const bt = (b * L + t) * N;
          const prev = t === t0 ? chunkStates : hs;
          const p = t === t0 ? h0 + he : j - N;
          let sumDeltaB = 0; // Σ_n δ·Bm
          let sumDeltaAdAh = 0; // Σ_n δ·A·dA·h_{t−1}
          for (let n = 0; n < N; n++) {
            const adj = dh[he + n] + g * C[bt + n]; // δ_t
            gradC[bt + n] += g * hs[j + n];
            gradBm[bt + n] += adj * d * xv;
            sumDeltaB += adj * Bm[bt + n];
            const u = adj * dAs[j + n] * prev[p + n];
            sumDeltaAdAh += u * A[he + n];
            gradA[he + n] += d * u;
            dh[he + n] = adj * dAs[j + n];
          }
          gradX[i] = d * sumDeltaB + (Dskip ? g * Dskip[e] : 0);
          if (gradDskip) gradDskip[e] += g * xv;
          const gdt = (sumDeltaAdAh + xv * sumDeltaB) * deltaSlope(dt[i], bias, deltaSoftplus);
          gradDt[i] = gdt;
          if (gradDeltaBias) gradDeltaBias[e] += gdt;
        }
      }
    }
  }
}

// ---- naive: the specification, materialising [B, L, E, N] -----------------------------------

export interface SelectiveScanNaiveForwardArgs extends SelectiveScanInputs {
  initialState: Float32Array | null; // [B, E, N]
  y: Float32Array; // out [B, L, E]
  delta: Float32Array; // out [B, L, E]
  states: Float32Array; // out [B, L, E, N]: every h_t
  finalState: Float32Array | null; // out [B, E, N]
}

export function selectiveScanNaiveForward(a: SelectiveScanNaiveForwardArgs): void {
  const { B, L, E, N, x, dt, A, Bm, C, Dskip, deltaBias, deltaSoftplus, initialState, y, delta, states } = a;
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < L; t++) {
      for (let e = 0; e < E; e++) {
        const i = (b * L + t) * E + e;
        delta[i] = discretise(dt[i], deltaBias ? deltaBias[e] : 0, deltaSoftplus);
        let acc = 0;
        for (let n = 0; n < N; n++) {
          const prev = t > 0 ? states[(i - E) * N + n] : initialState ? initialState[(b * E + e) * N + n] : 0;
          states[i * N + n] = Math.exp(delta[i] * A[e * N + n]) * prev + delta[i] * Bm[(b * L + t) * N + n] * x[i];
          acc += C[(b * L + t) * N + n] * states[i * N + n];
        }
        y[i] = acc + (Dskip ? Dskip[e] * x[i] : 0);
      }
    }
    if (!a.finalState) continue;
    for (let s = 0; s < E * N; s++) {
      a.finalState[b * E * N + s] = L > 0 ? states[(b * L + L - 1) * E * N + s] : initialState ? initialState[b * E * N + s] : 0;
    }
  }
}

export interface SelectiveScanNaiveBackwardArgs extends SelectiveScanInputs, SelectiveScanGradients {
  initialState: Float32Array | null; // [B, E, N]
  delta: Float32Array; // [B, L, E]
  states: Float32Array; // [B, L, E, N]
}

/** The same gradients as selectiveScanBackward, first building the whole adjoint δ: [B, L, E, N]. */
export function selectiveScanNaiveBackward(a: SelectiveScanNaiveBackwardArgs): void {
  const { B, L, E, N, x, dt, A, Bm, C, Dskip, deltaBias, deltaSoftplus, initialState, delta, states, gradY } = a;
  const { gradX, gradDt, gradA, gradBm, gradC, gradDskip, gradDeltaBias } = a;
  const adj = new Float32Array(B * L * E * N);
  for (let b = 0; b < B; b++) {
    for (let t = L - 1; t >= 0; t--) {
      for (let e = 0; e < E; e++) {
        const i = (b * L + t) * E + e;
        for (let n = 0; n < N; n++) {
          const later = t + 1 < L ? Math.exp(delta[i + E] * A[e * N + n]) * adj[(i + E) * N + n] : 0;
          adj[i * N + n] = gradY[i] * C[(b * L + t) * N + n] + later;
        }
      }
    }
  }
  gradA.fill(0);
  gradBm.fill(0);
  gradC.fill(0);
  gradDskip?.fill(0);
  gradDeltaBias?.fill(0);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < L; t++) {
      for (let e = 0; e < E; e++) {
        const i = (b * L + t) * E + e;
        const bias = deltaBias ? deltaBias[e] : 0;
        let gx = Dskip ? gradY[i] * Dskip[e] : 0;
        let gdelta = 0;
        for (let n = 0; n < N; n++) {
          const bn = (b * L + t) * N + n;
          const prev = t > 0 ? states[(i - E) * N + n] : initialState ? initialState[(b * E + e) * N + n] : 0;
          const dA = Math.exp(delta[i] * A[e * N + n]);
          const g = adj[i * N + n];
          gx += g * delta[i] * Bm[bn];
          gdelta += g * (A[e * N + n] * dA * prev + Bm[bn] * x[i]);
          gradA[e * N + n] += g * delta[i] * dA * prev;
          gradBm[bn] += g * delta[i] * x[i];
          gradC[bn] += gradY[i] * states[i * N + n];
        }
        gradX[i] = gx;
        gradDt[i] = gdelta * deltaSlope(dt[i], bias, deltaSoftplus);
        if (gradDskip) gradDskip[e] += gradY[i] * x[i];
        if (gradDeltaBias) gradDeltaBias[e] += gradDt[i];
      }
    }
  }
}

// ---- one step for generation ----------------------------------------------------------------

export interface SelectiveScanStepArgs {
  B: number; E: number; N: number;
  x: Float32Array; dt: Float32Array; // [B, E]
  deltaBias: Float32Array | null; // [E]
  deltaSoftplus: boolean;
  A: Float32Array; // [E, N]
  Bm: Float32Array; C: Float32Array; // [B, N]
  Dskip: Float32Array | null; // [E]
  state: Float32Array; // [B, E, N], h_{t−1} in, h_t out
  y: Float32Array; // out [B, E]
}

/** One token of the recurrence, as one time step of selectiveScanForward. */
export function selectiveScanStep(a: SelectiveScanStepArgs): void {
  const { B, E, N, x, dt, deltaBias, deltaSoftplus, A, Bm, C, Dskip, state, y } = a;
  for (let b = 0; b < B; b++) {
    for (let e = 0; e < E; e++) {
      const i = b * E + e;
      const d = Math.fround(discretise(dt[i], deltaBias ? deltaBias[e] : 0, deltaSoftplus)); // as stored by the forward
      const dx = d * x[i];
      const s = i * N;
      let acc = 0;
      for (let n = 0; n < N; n++) {
        const hn = Math.exp(d * A[e * N + n]) * state[s + n] + dx * Bm[b * N + n];
        state[s + n] = hn;
        acc += C[b * N + n] * hn;
      }
      y[i] = acc + (Dskip ? Dskip[e] * x[i] : 0);
    }
  }
}
