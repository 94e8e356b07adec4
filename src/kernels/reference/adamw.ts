// Reference AdamW update of one parameter (src/optim/adamw.ts has the maths and the options):
// per element, in f64 rounded to f32 on store,
//   m ← β₁m + (1−β₁)g,  v ← β₂v + (1−β₂)g²,  w ← w·decay − lr·(m/c₁) / (sqrt(v/c₂) + eps)
// with decay = 1 − lr·weightDecay and the bias corrections c₁ = 1−β₁ᵗ, c₂ = 1−β₂ᵗ.

export interface AdamWHyper {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** 1 − lr·weightDecay: decoupled weight decay, applied before the update. */
  decay: number;
  /** Bias corrections 1 − β₁ᵗ and 1 − β₂ᵗ. */
  c1: number;
  c2: number;
}

/** Updates w, m and v (all [n]) in place from the gradient g [n]. */
export function adamwStep(w: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, h: AdamWHyper): void {
  const { lr, beta1: b1, beta2: b2, eps, decay, c1, c2 } = h;
  for (let j = 0; j < w.length; j++) {
    m[j] = b1 * m[j] + (1 - b1) * g[j];
    v[j] = b2 * v[j] + (1 - b2) * g[j] * g[j];
    w[j] = w[j] * decay - (lr * (m[j] / c1)) / (Math.sqrt(v[j] / c2) + eps);
  }
}
