// Reference normalisation kernels, fused forward and backward over rows of length D.
// Forward saves per-row statistics (rstd = 1/sqrt(var + eps), and the mean for LayerNorm) so
// that backward needs no second reduction over x.

/** RMSNorm: y = x · r · w with r = 1/sqrt(mean(x²) + eps). x, out: [rows, D]; rstd: [rows]. */
export function rmsNormForward(x: Float32Array, weight: Float32Array, out: Float32Array, rstd: Float32Array, rows: number, D: number, eps: number): void {
  for (let r = 0; r < rows; r++) {
    const o = r * D;
    let ss = 0;
    for (let d = 0; d < D; d++) ss += x[o + d] * x[o + d];
    const rs = 1 / Math.sqrt(ss / D + eps);
    rstd[r] = rs;
    for (let d = 0; d < D; d++) out[o + d] = x[o + d] * rs * weight[d];
  }
}

/**
 * With u = g ⊙ w: dx = r·u − x · r³ · (u·x)/D, since ∂r/∂x_i = −r³ x_i / D.
 * dw += Σ_rows g ⊙ x · r. gradX and gradWeight may be null when not needed; gradWeight accumulates.
 */
export function rmsNormBackward(
  gradOut: Float32Array, x: Float32Array, weight: Float32Array, rstd: Float32Array,
  gradX: Float32Array | null, gradWeight: Float32Array | null, rows: number, D: number,
): void {
  for (let r = 0; r < rows; r++) {
    const o = r * D;
    const rs = rstd[r];
    if (gradX) {
      let dot = 0;
      for (let d = 0; d < D; d++) dot += gradOut[o + d] * weight[d] * x[o + d];
      const c = (rs * rs * rs * dot) / D;
      for (let d = 0; d < D; d++) gradX[o + d] = rs * gradOut[o + d] * weight[d] - c * x[o + d];
    }
    if (gradWeight) for (let d = 0; d < D; d++) gradWeight[d] += gradOut[o + d] * x[o + d] * rs;
  }
}

/** LayerNorm: y = (x − μ) · r · w + b with r = 1/sqrt(var(x) + eps) (biased variance, as PyTorch). */
export function layerNormForward(
  x: Float32Array, weight: Float32Array, bias: Float32Array | null, out: Float32Array,
  mean: Float32Array, rstd: Float32Array, rows: number, D: number, eps: number,
): void {
  for (let r = 0; r < rows; r++) {
    const o = r * D;
    let s = 0;
    for (let d = 0; d < D; d++) s += x[o + d];
    const mu = s / D;
    let v = 0;
    for (let d = 0; d < D; d++) v += (x[o + d] - mu) * (x[o + d] - mu);
    const rs = 1 / Math.sqrt(v / D + eps);
    mean[r] = mu;
    rstd[r] = rs;
    for (let d = 0; d < D; d++) out[o + d] = (x[o + d] - mu) * rs * weight[d] + (bias ? bias[d] : 0);
  }
}

/**
 * With x̂ = (x − μ)·r and u = g ⊙ w: dx = r · (u − mean(u) − x̂ · mean(u ⊙ x̂)).
 * dw += Σ_rows g ⊙ x̂, db += Σ_rows g (both accumulate; any gradient may be null).
 */
export function layerNormBackward(
  gradOut: Float32Array, x: Float32Array, weight: Float32Array, mean: Float32Array, rstd: Float32Array,
  gradX: Float32Array | null, gradWeight: Float32Array | null, gradBias: Float32Array | null, rows: number, D: number,
): void {
  for (let r = 0; r < rows; r++) {
    const o = r * D;
    const mu = mean[r];
    const rs = rstd[r];
    if (gradX) {
      let su = 0;
      let sux = 0;
      for (let d = 0; d < D; d++) {
        const u = gradOut[o + d] * weight[d];
        su += u;
        sux += u * (x[o + d] - mu) * rs;
      }
      su /= D;
      sux /= D;
      for (let d = 0; d < D; d++) {
        const xh = (x[o + d] - mu) * rs;
        gradX[o + d] = rs * (gradOut[o + d] * weight[d] - su - xh * sux);
      }
    }
    if (gradWeight) for (let d = 0; d < D; d++) gradWeight[d] += gradOut[o + d] * (x[o + d] - mu) * rs;
    if (gradBias) for (let d = 0; d < D; d++) gradBias[d] += gradOut[o + d];
  }
}
