// The KV cache of generation: per layer, the keys and values of every token so far, as
// [B, cap, Hkv, d] arrays whose first `length` rows per sequence are filled (the layout the
// attention kernels read in place, src/kernels/reference/attention.ts). Unlike Mamba's constant
// state it grows with the context: capacity doubles when full (amortised O(1) copies per
// token), and bytes() reports what it holds, the figure the comparison with Mamba is about.
// The arrays live where the kernels read them without copying (kernels().residentCopy).

import { kernels } from '../kernels/backend.js';

export interface LayerCache {
  k: Float32Array; // [B, cap, Hkv, d]
  v: Float32Array; // [B, cap, Hkv, d]
}

export class KVCache {
  /** Tokens held per sequence (the position of the next token). */
  length = 0;
  /** Rows allocated per sequence. */
  cap = 0;
  readonly layers: LayerCache[];

  constructor(readonly batch: number, numLayers: number, readonly kvHeads: number, readonly headDim: number) {
    this.layers = Array.from({ length: numLayers }, () => ({ k: new Float32Array(0), v: new Float32Array(0) }));
  }

  /** Floats per cached row of one sequence and one layer: Hkv · d. */
  get rowSize(): number {
    return this.kvHeads * this.headDim;
  }

  /** Bytes of keys and values held (f32): 2 · layers · B · length · Hkv · d · 4. */
  bytes(): number {
    return 2 * this.layers.length * this.batch * this.length * this.rowSize * 4;
  }

  /** Bytes allocated (capacity ≥ length). */
  allocatedBytes(): number {
    return 2 * this.layers.length * this.batch * this.cap * this.rowSize * 4;
  }

  /** Makes room for `length + n` rows per sequence (every layer). */
  reserve(n: number): void {
    const need = this.length + n;
    if (need <= this.cap) return;
    const cap = Math.max(need, 2 * this.cap, 16);
    const row = this.rowSize;
    for (const layer of this.layers) {
      for (const key of ['k', 'v'] as const) {
        const grown = kernels().residentCopy(new Float32Array(this.batch * cap * row));
        for (let b = 0; b < this.batch; b++) grown.set(layer[key].subarray(b * this.cap * row, (b * this.cap + this.length) * row), b * cap * row);
        layer[key] = grown;
      }
    }
    this.cap = cap;
  }

  /** Writes the rows of n new tokens, k and v [B, n, Hkv, d], at rows length … length + n − 1 of `layer` (reserve first; length advances in advance()). */
  write(layer: number, k: Float32Array, v: Float32Array, n: number): void {
    const row = this.rowSize;
    const c = this.layers[layer];
    for (let b = 0; b < this.batch; b++) {
      c.k.set(k.subarray(b * n * row, (b + 1) * n * row), (b * this.cap + this.length) * row);
      c.v.set(v.subarray(b * n * row, (b + 1) * n * row), (b * this.cap + this.length) * row);
    }
  }

  /** Marks n more tokens as held, once every layer wrote them. */
  advance(n: number): void {
    this.length += n;
  }
}
