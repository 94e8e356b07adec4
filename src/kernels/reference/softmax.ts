// Reference softmax and log-softmax along one axis. The tensor is viewed as [outer, n, inner]
// with the softmax axis of size n in the middle (inner = 1 for the last axis). Max subtraction
// keeps exp() from overflowing.

export function softmaxForward(x: Float32Array, out: Float32Array, outer: number, n: number, inner: number, log: boolean): void {
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * n * inner + i;
      let max = -Infinity;
      for (let k = 0; k < n; k++) max = Math.max(max, x[base + k * inner]);
      let sum = 0;
      for (let k = 0; k < n; k++) sum += Math.exp(x[base + k * inner] - max);
      if (log) {
        const lse = max + Math.log(sum);
        for (let k = 0; k < n; k++) out[base + k * inner] = x[base + k * inner] - lse;
      } else {
        for (let k = 0; k < n; k++) out[base + k * inner] = Math.exp(x[base + k * inner] - max) / sum;
      }
    }
  }
}

/**
 * From the forward output y: softmax dx = y ⊙ (g − Σ g⊙y); log-softmax dx = g − exp(y) · Σ g.
 */
export function softmaxBackward(gradOut: Float32Array, y: Float32Array, gradX: Float32Array, outer: number, n: number, inner: number, log: boolean): void {
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * n * inner + i;
      let s = 0;
      for (let k = 0; k < n; k++) s += log ? gradOut[base + k * inner] : gradOut[base + k * inner] * y[base + k * inner];
      for (let k = 0; k < n; k++) {
        const j = base + k * inner;
        gradX[j] = log ? gradOut[j] - Math.exp(y[j]) * s : y[j] * (gradOut[j] - s);
      }
    }
  }
}
