// Mamba-2's SSD layer by chunks (Dao & Gu 2024, §6; mamba_ssm's ssd_minimal.py), the reference
// kernels of the training and prefill path. The recurrence of ssd.ts is cut into chunks of T
// steps; within a chunk, with s_i = Σ_{u ≤ i} Δ_u·A (the cumulative log-decay, so that
// exp(segsum)[i, j] = exp(s_i − s_j)):
//   (1) intra-chunk:  y_i = Σ_{j ≤ i} exp(s_i − s_j) · (C_i·B_j) · Δ_j · x_j    a masked, attention-like product
//   (2) chunk state:  S_end = exp(s_last)·S_0 + Σ_j exp(s_last − s_j) · Δ_j · x_j ⊗ B_j
//   (3) the recurrence over chunks: each chunk's S_0 is the previous chunk's S_end
//   (4) state to output: y_i += exp(s_i) · S_0 · C_i
// The Gram matrix C_i·B_j [T, T] is computed once per group and shared by its H/G heads. Only the
// state entering each chunk is kept ([B, ⌈L/T⌉, H, P, N]); the backward recomputes the rest.
// Every exponent is s_i − s_j ≤ 0 with j ≤ i (never exp(−s_j) alone), so nothing overflows.

import { SsdGradients, SsdInputs, ssdDelta, ssdDeltaBackward, ssdSkip, ssdSkipBackward } from './ssd.js';

/** mamba_ssm's default chunk; training here uses shorter sequences, so a chunk is often all of L. */
export const SSD_CHUNK = 256;

export interface SsdChunkedForwardArgs extends SsdInputs {
  T: number; // chunk length
  initialState: Float32Array | null; // [B, H, P, N]
  y: Float32Array; // out [B, L, H, P]
  delta: Float32Array; // out [B, L, H]
  chunkStates: Float32Array; // out: the state entering each chunk, here [B, ⌈L/T⌉, H, P, N] (a backend may order it otherwise)
  finalState: Float32Array | null; // out [B, H, P, N]
}

/** s_i = Σ_{u ≤ i} Δ_u·A_h over one chunk (f64: the differences s_i − s_j must stay exact). */
function cumulativeDecay(delta: Float32Array, A: number, b: number, t0: number, len: number, L: number, H: number, h: number): Float64Array {
  const s = new Float64Array(len);
  let acc = 0;
  for (let i = 0; i < len; i++) s[i] = acc += delta[(b * L + t0 + i) * H + h] * A;
  return s;
}

/** gram[i, j] = C_i·B_j (j ≤ i) of group g over one chunk: [len, len]. */
function gramMatrix(a: SsdInputs, b: number, g: number, t0: number, len: number): Float64Array {
  const { L, G, N } = a;
  const gram = new Float64Array(len * len);
  for (let i = 0; i < len; i++) {
    const ci = ((b * L + t0 + i) * G + g) * N;
    for (let j = 0; j <= i; j++) {
      const bj = ((b * L + t0 + j) * G + g) * N;
      let v = 0;
      for (let n = 0; n < N; n++) v += a.C[ci + n] * a.Bm[bj + n];
      gram[i * len + j] = v;
    }
  }
  return gram;
}

export function ssdChunkedForward(a: SsdChunkedForwardArgs): void {
  const { B, L, H, P, G, N, T } = a;
  const PN = P * N;
  const chunks = Math.ceil(L / T);
  ssdDelta(a, a.delta);
  const state = new Float64Array(B * H * PN); // the state entering the current chunk, per (b, h)
  if (a.initialState) state.set(a.initialState);
  for (let b = 0; b < B; b++) {
    for (let c = 0; c < chunks; c++) {
      const t0 = c * T;
      const len = Math.min(T, L - t0);
      for (let g = 0; g < G; g++) {
        const gram = gramMatrix(a, b, g, t0, len);
        for (let h = g * (H / G); h < (g + 1) * (H / G); h++) {
          const S = state.subarray((b * H + h) * PN, (b * H + h + 1) * PN); // S_0 [P, N]
          for (let k = 0; k < PN; k++) a.chunkStates[((b * chunks + c) * H + h) * PN + k] = S[k];
          const s = cumulativeDecay(a.delta, a.A[h], b, t0, len, L, H, h);
          for (let i = 0; i < len; i++) {
            const yi = ((b * L + t0 + i) * H + h) * P;
            const ci = ((b * L + t0 + i) * G + g) * N;
            const out = new Float64Array(P);
            for (let j = 0; j <= i; j++) {
              const bt = (b * L + t0 + j) * H + h;
              const m = Math.exp(s[i] - s[j]) * gram[i * len + j] * a.delta[bt]; // (1)
              for (let p = 0; p < P; p++) out[p] += m * a.x[bt * P + p];
            }
            const e = Math.exp(s[i]);
            for (let p = 0; p < P; p++) {
              let v = 0;
              for (let n = 0; n < N; n++) v += S[p * N + n] * a.C[ci + n];
              a.y[yi + p] = out[p] + e * v; // (4)
            }
          }
          const last = s[len - 1];
          const eLast = Math.exp(last);
          for (let k = 0; k < PN; k++) S[k] *= eLast; // (2), (3): S becomes the next chunk's S_0
          for (let j = 0; j < len; j++) {
            const bt = (b * L + t0 + j) * H + h;
            const bj = ((b * L + t0 + j) * G + g) * N;
            const w = Math.exp(last - s[j]) * a.delta[bt];
            for (let p = 0; p < P; p++) {
              const wx = w * a.x[bt * P + p];
              for (let n = 0; n < N; n++) S[p * N + n] += wx * a.Bm[bj + n];
            }
          }
        }
      }
    }
  }
  if (a.finalState) for (let k = 0; k < state.length; k++) a.finalState[k] = state[k];
  ssdSkip(a, a.y);
}

export interface SsdChunkedBackwardArgs extends SsdInputs, SsdGradients {
  T: number;
  delta: Float32Array; // [B, L, H] from the forward
  chunkStates: Float32Array; // [B, ⌈L/T⌉, H, P, N] from the forward
}

/**
 * Chunks in reverse, carrying ∂S_end (the gradient of the state leaving the chunk) per (b, h):
 * ∂S_0 = exp(s_last)·∂S_end + Σ_i exp(s_i)·∂y_i ⊗ C_i becomes the previous chunk's ∂S_end. The
 * exponents' gradient ∂s is summed in reverse into ∂Δ·A and ∂A·Δ (s is a cumulative sum).
 */
export function ssdChunkedBackward(a: SsdChunkedBackwardArgs): void {
  const { B, L, H, P, G, N, T } = a;
  const PN = P * N;
  const chunks = Math.ceil(L / T);
  const gradDelta = new Float64Array(B * L * H);
  const carry = new Float64Array(B * H * PN); // ∂S_end per (b, h)
  a.gradX.fill(0);
  for (let b = 0; b < B; b++) {
    for (let c = chunks - 1; c >= 0; c--) {
      const t0 = c * T;
      const len = Math.min(T, L - t0);
      for (let g = 0; g < G; g++) {
        const gram = gramMatrix(a, b, g, t0, len);
        const gradGram = new Float64Array(len * len);
        for (let h = g * (H / G); h < (g + 1) * (H / G); h++) {
          const S0 = a.chunkStates.subarray(((b * chunks + c) * H + h) * PN, ((b * chunks + c) * H + h + 1) * PN);
          const dS = carry.subarray((b * H + h) * PN, (b * H + h + 1) * PN);
          const s = cumulativeDecay(a.delta, a.A[h], b, t0, len, L, H, h);
          const ds = new Float64Array(len);
          const at = (i: number) => (b * L + t0 + i) * H + h; // index into [B, L, H]
          const grp = (i: number) => ((b * L + t0 + i) * G + g) * N; // offset into [B, L, G, N]
          // (1) intra-chunk: m_ij = exp(s_i − s_j)·gram_ij·Δ_j, y_i = Σ_j m_ij·x_j.
          for (let i = 0; i < len; i++) {
            for (let j = 0; j <= i; j++) {
              const decay = Math.exp(s[i] - s[j]);
              const d = a.delta[at(j)];
              const m = decay * gram[i * len + j] * d;
              let dyx = 0;
              for (let p = 0; p < P; p++) {
                const dy = a.gradY[at(i) * P + p];
                dyx += dy * a.x[at(j) * P + p];
                a.gradX[at(j) * P + p] += m * dy;
              }
              gradGram[i * len + j] += dyx * decay * d;
              gradDelta[at(j)] += dyx * decay * gram[i * len + j];
              ds[i] += dyx * m;
              ds[j] -= dyx * m;
            }
          }
          // (4) y_i += exp(s_i)·S_0·C_i.
          for (let i = 0; i < len; i++) {
            const e = Math.exp(s[i]);
            let dyu = 0;
            for (let p = 0; p < P; p++) {
              const dy = a.gradY[at(i) * P + p];
              for (let n = 0; n < N; n++) {
                dyu += dy * S0[p * N + n] * a.C[grp(i) + n];
                a.gradC[grp(i) + n] += e * S0[p * N + n] * dy;
              }
            }
            ds[i] += e * dyu;
          }
          // (2) S_end = exp(s_last)·S_0 + Σ_j exp(s_last − s_j)·Δ_j·x_j ⊗ B_j.
          const last = len - 1;
          const eLast = Math.exp(s[last]);
          let dSS0 = 0;
          for (let k = 0; k < PN; k++) dSS0 += dS[k] * S0[k];
          ds[last] += eLast * dSS0;
          for (let j = 0; j < len; j++) {
            const w = Math.exp(s[last] - s[j]);
            const d = a.delta[at(j)];
            let xv = 0;
            for (let p = 0; p < P; p++) {
              const xp = a.x[at(j) * P + p];
              let v = 0;
              for (let n = 0; n < N; n++) {
                v += dS[p * N + n] * a.Bm[grp(j) + n];
                a.gradBm[grp(j) + n] += w * d * dS[p * N + n] * xp;
              }
              a.gradX[at(j) * P + p] += w * d * v;
              xv += xp * v;
            }
            gradDelta[at(j)] += w * xv;
            ds[last] += w * d * xv;
            ds[j] -= w * d * xv;
          }
          // (3) ∂S_0 = exp(s_last)·∂S_end + Σ_i exp(s_i)·∂y_i ⊗ C_i, the previous chunk's ∂S_end.
          for (let k = 0; k < PN; k++) dS[k] *= eLast;
          for (let i = 0; i < len; i++) {
            const e = Math.exp(s[i]);
            for (let p = 0; p < P; p++) {
              const edy = e * a.gradY[at(i) * P + p];
              for (let n = 0; n < N; n++) dS[p * N + n] += edy * a.C[grp(i) + n];
            }
          }
          // s_i = Σ_{u ≤ i} Δ_u·A: ∂(Δ_u·A) = Σ_{i ≥ u} ∂s_i.
          let acc = 0;
          for (let i = len - 1; i >= 0; i--) {
            acc += ds[i];
            gradDelta[at(i)] += a.A[h] * acc;
            a.gradA[h] += a.delta[at(i)] * acc;
          }
        }
        // gram_ij = C_i·B_j, shared by the group's heads.
        for (let i = 0; i < len; i++) {
          const ci = ((b * L + t0 + i) * G + g) * N;
          for (let j = 0; j <= i; j++) {
            const gg = gradGram[i * len + j];
            if (gg === 0) continue;
            const bj = ((b * L + t0 + j) * G + g) * N;
            for (let n = 0; n < N; n++) {
              a.gradC[ci + n] += gg * a.Bm[bj + n];
              a.gradBm[bj + n] += gg * a.C[ci + n];
            }
          }
        }
      }
    }
  }
  ssdDeltaBackward(a, gradDelta, a.gradDt, a.gradDtBias);
  ssdSkipBackward(a, a);
}
