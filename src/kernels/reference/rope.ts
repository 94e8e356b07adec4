// Reference kernel of rotary position embeddings (src/ops/rope.ts), Hugging Face's rotate-half
// convention: dimension i pairs with i + d/2 (never interleaved), and the pair at position p
// turns by the angle p·θ^(−2i/d):
//   out[i]       = x[i]·cos − x[i + d/2]·sin
//   out[i + d/2] = x[i + d/2]·cos + x[i]·sin
// The rotation's transpose (inverse = true, the angle negated) is its backward.
// x, out: [B, L, H, d]; row t of batch entry b sits at position offset + t, or offset[b] + t when
// the entries are at different positions (offset [B]: the server's batch of sequences).

/** inv_freq[i] = 1 / θ^(2i/d), in f32 as transformers computes it. */
export function ropeInverseFrequencies(d: number, theta: number): Float32Array {
  const f = new Float32Array(d / 2);
  for (let i = 0; i < d / 2; i++) f[i] = 1 / Math.fround(theta ** Math.fround((2 * i) / d));
  return f;
}

export function ropeForward(
  x: Float32Array, out: Float32Array, B: number, L: number, H: number, d: number, theta: number, offset: number | Int32Array, inverse: boolean,
): void {
  const half = d / 2;
  const invFreq = ropeInverseFrequencies(d, theta);
  const cos = new Float32Array(half);
  const sin = new Float32Array(half);
  const ragged = typeof offset !== 'number';
  let at = -1; // the position cos and sin hold
  for (let t = 0; t < L; t++) {
    for (let b = 0; b < B; b++) {
      const p = (ragged ? offset[b] : offset) + t;
      if (p !== at) {
        for (let i = 0; i < half; i++) {
          const angle = Math.fround(p * invFreq[i]); // f32, as transformers' position · inv_freq
          cos[i] = Math.cos(angle);
          sin[i] = inverse ? -Math.sin(angle) : Math.sin(angle);
        }
        at = p;
      }
      for (let h = 0; h < H; h++) {
        const o = ((b * L + t) * H + h) * d;
        for (let i = 0; i < half; i++) {
          const x1 = x[o + i], x2 = x[o + i + half];
          out[o + i] = x1 * cos[i] - x2 * sin[i];
          out[o + i + half] = x2 * cos[i] + x1 * sin[i];
        }
      }
    }
  }
}
