// Reference embedding kernels: a row gather forward, a row scatter-add backward.
// weight: [V, D], ids: [n] (already checked to lie in [0, V)), out / gradOut: [n, D].

export function embeddingForward(weight: Float32Array, ids: Int32Array, out: Float32Array, n: number, D: number): void {
  for (let i = 0; i < n; i++) out.set(weight.subarray(ids[i] * D, ids[i] * D + D), i * D);
}

/** gradWeight[ids[i]] += gradOut[i]; a repeated id receives the sum of its rows' gradients. */
export function embeddingBackward(gradOut: Float32Array, ids: Int32Array, gradWeight: Float32Array, n: number, D: number): void {
  for (let i = 0; i < n; i++) {
    const w = ids[i] * D;
    const o = i * D;
    for (let d = 0; d < D; d++) gradWeight[w + d] += gradOut[o + d];
  }
}
