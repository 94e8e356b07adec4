// The KV cache of generation: per layer, the keys and values of every token so far, as
// [B, cap, Hkv, d] arrays whose first lengths[b] rows of entry b are filled (the layout the
// attention kernels read in place, src/kernels/reference/attention.ts). Each sequence has its own
// length, so a batch may hold sequences at different positions (the server's). Unlike Mamba's
// constant state it grows with the context: capacity doubles when full (amortised O(1) copies
// per token), and bytes() reports what it holds, the figure the comparison with Mamba is about.
// The arrays live where the kernels read them without copying (kernels().residentCopy).
// view(n) is the first n sequences sharing the storage: a batch smaller than the one allocated.

import { kernels } from '../kernels/backend.js';

export interface LayerCache {
  k: Float32Array; // [rows, cap, Hkv, d]
  v: Float32Array; // [rows, cap, Hkv, d]
}

/** What a cache and its views share: the arrays, their capacity and every sequence's length. */
interface KVStore {
  /** Sequences allocated. */
  rows: number;
  /** Tokens allocated per sequence. */
  cap: number;
  layers: LayerCache[];
  lengths: Int32Array; // [rows]
}

export class KVCache {
  /** Tokens held by each of the `batch` sequences (the position of its next token): [batch]. */
  readonly lengths: Int32Array;
  private readonly store: KVStore;

  constructor(readonly batch: number, numLayers: number, readonly kvHeads: number, readonly headDim: number, store?: KVStore) {
    this.store = store ?? {
      rows: batch,
      cap: 0,
      layers: Array.from({ length: numLayers }, () => ({ k: new Float32Array(0), v: new Float32Array(0) })),
      lengths: new Int32Array(batch),
    };
    if (batch > this.store.rows) throw new Error(`KVCache: a view of ${batch} sequences of a cache of ${this.store.rows}`);
    this.lengths = this.store.lengths.subarray(0, batch);
  }

  /** The first `batch` sequences, sharing this cache's arrays and lengths. */
  view(batch: number): KVCache {
    return new KVCache(batch, this.store.layers.length, this.kvHeads, this.headDim, this.store);
  }

  get layers(): LayerCache[] {
    return this.store.layers;
  }

  /** Rows allocated per sequence. */
  get cap(): number {
    return this.store.cap;
  }

  /** Floats per cached row of one sequence and one layer: Hkv · d. */
  get rowSize(): number {
    return this.kvHeads * this.headDim;
  }

  /** Tokens held by the longest sequence. */
  get maxLength(): number {
    return this.lengths.reduce((a, n) => Math.max(a, n), 0);
  }

  /** Bytes of keys and values held (f32): 2 · layers · Σ_b lengths[b] · Hkv · d · 4. */
  bytes(): number {
    return 2 * this.layers.length * this.lengths.reduce((a, n) => a + n, 0) * this.rowSize * 4;
  }

  /** Bytes allocated (every sequence of the storage, capacity ≥ length). */
  allocatedBytes(): number {
    return 2 * this.layers.length * this.store.rows * this.cap * this.rowSize * 4;
  }

  /** Makes room for n more rows in every sequence (every layer). */
  reserve(n: number): void {
    this.reserveTokens(this.maxLength + n);
  }

  /** Makes room for `tokens` rows per sequence, keeping every sequence's rows. */
  reserveTokens(tokens: number): void {
    const st = this.store;
    if (tokens <= st.cap) return;
    const cap = Math.max(tokens, 2 * st.cap, 16);
    const row = this.rowSize;
    for (const layer of st.layers) {
      for (const key of ['k', 'v'] as const) {
        const grown = kernels().residentCopy(new Float32Array(st.rows * cap * row));
        for (let b = 0; b < st.rows; b++) grown.set(layer[key].subarray(b * st.cap * row, (b * st.cap + st.lengths[b]) * row), b * cap * row);
        layer[key] = grown;
      }
    }
    st.cap = cap;
  }

  /** Writes the rows of n new tokens, k and v [B, n, Hkv, d], at rows lengths[b] … lengths[b] + n − 1 of `layer` (reserve first; lengths advance in advance()). */
  write(layer: number, k: Float32Array, v: Float32Array, n: number): void {
    const row = this.rowSize;
    const c = this.layers[layer];
    for (let b = 0; b < this.batch; b++) {
      const at = (b * this.cap + this.lengths[b]) * row;
      c.k.set(k.subarray(b * n * row, (b + 1) * n * row), at);
      c.v.set(v.subarray(b * n * row, (b + 1) * n * row), at);
    }
  }

  /** Marks n more tokens as held by every sequence, once every layer wrote them. */
  advance(n: number): void {
    for (let b = 0; b < this.batch; b++) this.lengths[b] += n;
  }
}
