// Reference causal depthwise conv1d, channels last. x, out: [B, L, C]; weight: [C, 1, K] (PyTorch's
// layout, stored as [C, K]); bias: [C].
//   y[b, t, c] = bias[c] + Σ_{j<K} weight[c, j] · x[b, t − (K−1) + j, c]   (x = 0 before t = 0)
// which is PyTorch's Conv1d(groups = C, padding = K − 1) keeping the first L outputs.
// Loops put c innermost: contiguous in x and out.
// With `pre`, the conv followed by SiLU as one op (Mamba's causal_conv1d with activation "silu"):
// pre receives the conv and out SiLU(pre); the backward then takes the gradient of SiLU(pre).

import { unaryBackward, unaryForward } from './unary.js';

export function conv1dForward(
  x: Float32Array, weight: Float32Array, bias: Float32Array | null, out: Float32Array,
  B: number, L: number, C: number, K: number, pre: Float32Array | null = null,
): void {
  if (pre) {
    conv1dForward(x, weight, bias, pre, B, L, C, K);
    unaryForward('silu', pre, out);
    return;
  }
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < L; t++) {
      const o = (b * L + t) * C;
      for (let c = 0; c < C; c++) out[o + c] = bias ? bias[c] : 0;
      for (let j = 0; j < K; j++) {
        const s = t - (K - 1) + j; // source time step
        if (s < 0) continue;
        const xi = (b * L + s) * C;
        for (let c = 0; c < C; c++) out[o + c] += weight[c * K + j] * x[xi + c];
      }
    }
  }
}

/**
 * The adjoint: dx[b, s, c] = Σ_j weight[c, j] · g[b, s + (K−1) − j, c],
 * dweight[c, j] += Σ_{b,t} g[b, t, c] · x[b, t − (K−1) + j, c], dbias[c] += Σ_{b,t} g[b, t, c].
 * gradX is overwritten; gradWeight and gradBias accumulate; any may be null.
 */
export function conv1dBackward(
  gradOut: Float32Array, x: Float32Array, weight: Float32Array,
  gradX: Float32Array | null, gradWeight: Float32Array | null, gradBias: Float32Array | null,
  B: number, L: number, C: number, K: number, pre: Float32Array | null = null,
): void {
  if (pre) {
    const g = new Float32Array(gradOut.length);
    unaryBackward('silu', pre, pre, gradOut, g);
    gradOut = g;
  }
  if (gradX) gradX.fill(0);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < L; t++) {
      const o = (b * L + t) * C;
      if (gradBias) for (let c = 0; c < C; c++) gradBias[c] += gradOut[o + c];
      for (let j = 0; j < K; j++) {
        const s = t - (K - 1) + j;
        if (s < 0) continue;
        const xi = (b * L + s) * C;
        if (gradX) for (let c = 0; c < C; c++) gradX[xi + c] += weight[c * K + j] * gradOut[o + c];
        if (gradWeight) for (let c = 0; c < C; c++) gradWeight[c * K + j] += gradOut[o + c] * x[xi + c];
      }
    }
  }
}

/**
 * One generation step: the output for a new token x[b, c] given the K − 1 previous inputs in
 * convState[b, c, :] (oldest first, zeros at the start of a sequence), then shifts x into the state.
 * x, out: [B, C]; convState: [B, C, K−1]. Equals conv1dForward run over the whole sequence.
 */
export function conv1dStep(
  x: Float32Array, convState: Float32Array, weight: Float32Array, bias: Float32Array | null, out: Float32Array,
  B: number, C: number, K: number,
): void {
  const S = K - 1;
  for (let b = 0; b < B; b++) {
    for (let c = 0; c < C; c++) {
      const st = (b * C + c) * S;
      const w = c * K;
      const xv = x[b * C + c];
      let y = (bias ? bias[c] : 0) + weight[w + S] * xv;
      for (let j = 0; j < S; j++) y += weight[w + j] * convState[st + j];
      out[b * C + c] = y;
      for (let j = 0; j + 1 < S; j++) convState[st + j] = convState[st + j + 1];
      if (S > 0) convState[st + S - 1] = xv;
    }
  }
}
