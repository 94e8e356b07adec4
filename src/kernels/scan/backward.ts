// The backward pass of h_t = a_t ⊙ h_{t−1} + b_t. With g_t = ∂L/∂h_t, the adjoint δ_t = ∂L/∂h_t
// through every path obeys the reverse linear recurrence
//   δ_t = g_t + a_{t+1} ⊙ δ_{t+1}   (δ_{L−1} = g_{L−1}),
// and then ∂L/∂b_t = δ_t, ∂L/∂a_t = δ_t ⊙ h_{t−1} (h_{−1} = h0), ∂L/∂h0 = a_0 ⊙ δ_0.
//
// Complex convention: each complex quantity z stands for two real numbers (Re z, Im z), and its
// gradient is the complex number ∂L/∂z := ∂L/∂Re z + i·∂L/∂Im z (L real). A product w = a·h then
// gives ∂L/∂h = conj(a)·∂L/∂w and ∂L/∂a = ∂L/∂w·conj(h), so in the complex case
//   δ_t = g_t + conj(a_{t+1}) ⊙ δ_{t+1},  ∂L/∂a_t = δ_t ⊙ conj(h_{t−1}),  ∂L/∂h0 = conj(a_0) ⊙ δ_0,
// and the real and imaginary parts of each gradient are the gradients of the real parameters.
//
// The reverse recurrence is a forward recurrence on time-reversed data (s = L−1−t):
//   δ'_s = conj(a_{L−s}) ⊙ δ'_{s−1} + g_{L−1−s},
// so it runs on any of the scan algorithms, parallel ones included.

import { LinearRecurrence, ScanAlgorithm, ScanOptions, checkRecurrence } from './recurrence.js';
import { runScan } from './run.js';

export interface ScanGradients {
  a: Float32Array; // [L, C]
  aIm: Float32Array | null;
  b: Float32Array; // [L, C]
  bIm: Float32Array | null;
  h0: Float32Array; // [C]
  h0Im: Float32Array | null;
  /** Depth of the reverse scan. */
  depth: number;
}

/**
 * Gradients of L w.r.t. a, b and h0, given the forward states h (re, im) and g = ∂L/∂h (re, im),
 * all [L, C]. The reverse recurrence runs on `algorithm`.
 */
export function scanBackward(
  r: LinearRecurrence,
  h: Float32Array, hIm: Float32Array | null,
  g: Float32Array, gIm: Float32Array | null,
  algorithm: ScanAlgorithm = 'sequential', opts: ScanOptions = {},
): ScanGradients {
  checkRecurrence('scanBackward', r);
  const { L, C } = r;
  const complex = !!r.aIm;
  for (const [name, arr] of [['h', h], ['g', g], ...(complex ? [['hIm', hIm], ['gIm', gIm]] : [])] as const) {
    if (!arr || arr.length !== L * C) throw new Error(`scanBackward: ${name} must have [L, C] = [${L}, ${C}] elements, got ${arr?.length}`);
  }

  // Time-reversed recurrence: a'_s = conj(a_{L−s}) (a'_0 is never used: no initial state), b'_s = g_{L−1−s}.
  const reversed: LinearRecurrence = {
    L, C,
    a: reverseRows(r.a, L, C, 1, 1), b: reverseRows(g, L, C, 0, 1),
    aIm: complex ? reverseRows(r.aIm!, L, C, 1, -1) : null,
    bIm: complex ? reverseRows(gIm!, L, C, 0, 1) : null,
  };
  const adj = runScan(reversed, algorithm, opts);
  const delta = reverseRows(adj.h, L, C, 0, 1); // [L, C]
  const deltaIm = adj.hIm ? reverseRows(adj.hIm, L, C, 0, 1) : null;

  // ∂a_t = δ_t ⊙ conj(h_{t−1}); ∂h0 = conj(a_0) ⊙ δ_0.
  const gradA = new Float32Array(L * C);
  const gradAIm = complex ? new Float32Array(L * C) : null;
  for (let t = 0; t < L; t++) {
    const o = t * C;
    const prev = t === 0 ? r.h0 ?? null : h.subarray(o - C, o);
    if (!prev) continue;
    const prevIm = t === 0 ? r.h0Im ?? null : hIm ? hIm.subarray(o - C, o) : null;
    for (let c = 0; c < C; c++) {
      const dr = delta[o + c];
      if (!gradAIm || !deltaIm) {
        gradA[o + c] = dr * prev[c];
        continue;
      }
      const di = deltaIm[o + c];
      const pr = prev[c];
      const pi = prevIm ? prevIm[c] : 0;
      gradA[o + c] = dr * pr + di * pi;
      gradAIm[o + c] = di * pr - dr * pi;
    }
  }
  const gradH0 = new Float32Array(C);
  const gradH0Im = complex ? new Float32Array(C) : null;
  if (L > 0) {
    for (let c = 0; c < C; c++) {
      const ar = r.a[c];
      const ai = r.aIm ? r.aIm[c] : 0;
      const dr = delta[c];
      const di = deltaIm ? deltaIm[c] : 0;
      gradH0[c] = ar * dr + ai * di;
      if (gradH0Im) gradH0Im[c] = ar * di - ai * dr;
    }
  }
  return { a: gradA, aIm: gradAIm, b: delta, bIm: deltaIm, h0: gradH0, h0Im: gradH0Im, depth: adj.depth };
}

/** out[s] = sign·src[L−1−s+shift] for the rows that exist, zero elsewhere: rows reversed in time. */
function reverseRows(src: Float32Array, L: number, C: number, shift: number, sign: number): Float32Array {
  const out = new Float32Array(L * C);
  for (let s = 0; s < L; s++) {
    const t = L - 1 - s + shift;
    if (t < 0 || t >= L) continue;
    for (let c = 0; c < C; c++) out[s * C + c] = sign * src[t * C + c];
  }
  return out;
}
