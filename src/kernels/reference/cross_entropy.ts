// Reference fused cross-entropy over rows of logits: loss_r = logsumexp(z_r) − z_r[t_r].
// logits: [rows, V]; targets: [rows], each in [0, V) or equal to ignoreIndex (checked by the op).
// The log-sum-exp subtracts the row max so that large logits do not overflow.

/** Writes lse[r] for every row and returns Σ loss over the rows whose target is not ignoreIndex. */
export function crossEntropyForward(
  logits: Float32Array, targets: Int32Array, lse: Float32Array, rows: number, V: number, ignoreIndex: number,
): number {
  let total = 0;
  for (let r = 0; r < rows; r++) {
    const o = r * V;
    let max = -Infinity;
    for (let v = 0; v < V; v++) max = Math.max(max, logits[o + v]);
    let sum = 0;
    for (let v = 0; v < V; v++) sum += Math.exp(logits[o + v] - max);
    lse[r] = max + Math.log(sum);
    if (targets[r] !== ignoreIndex) total += lse[r] - logits[o + targets[r]];
  }
  return total;
}

/** gradLogits[r] = scale · (softmax(z_r) − onehot(t_r)), zero on ignored rows (overwrites). */
export function crossEntropyBackward(
  logits: Float32Array, targets: Int32Array, lse: Float32Array, scale: number, gradLogits: Float32Array,
  rows: number, V: number, ignoreIndex: number,
): void {
  for (let r = 0; r < rows; r++) {
    const o = r * V;
    if (targets[r] === ignoreIndex) {
      gradLogits.fill(0, o, o + V);
      continue;
    }
    for (let v = 0; v < V; v++) gradLogits[o + v] = scale * Math.exp(logits[o + v] - lse[r]);
    gradLogits[o + targets[r]] -= scale;
  }
}
