// Reference dropout application: out = x · scale where keep = 1, else 0. The op draws the mask
// (one byte per element) so that forward and backward use the same one.

export function dropoutApply(x: Float32Array, keep: Uint8Array, scale: number, out: Float32Array): void {
  for (let i = 0; i < x.length; i++) out[i] = keep[i] ? x[i] * scale : 0;
}
