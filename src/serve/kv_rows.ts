// Moving sequences in and out of a batch's KV cache (src/attention/kv_cache.ts): a sequence's part
// is the first lengths[b] rows of entry b of every layer's keys and values, so what moves grows
// with the sequence (2 · layers · length · Hkv · d floats), unlike a recurrent state. A SeqState
// is [k of layer 0, v of layer 0, k of layer 1, …], each [length, Hkv, d]: the KV cache prefix
// that the state cache keeps for a prompt, bounded by bytes like a Mamba state.

import type { KVCache } from '../attention/kv_cache.js';
import type { SeqState, StateRows } from './batch_state.js';

export class KVRows implements StateRows<KVCache> {
  /** Floats per token of one layer's keys (or values): Hkv · d. */
  readonly rowSize: number;

  constructor(readonly numLayers: number, kvHeads: number, headDim: number) {
    this.rowSize = kvHeads * headDim;
  }

  names(): string[] {
    return Array.from({ length: this.numLayers }, (_, i) => [`layers.${i}.k`, `layers.${i}.v`]).flat();
  }

  view(state: KVCache, batch: number): KVCache {
    return state.view(batch);
  }

  read(state: KVCache, row: number): SeqState {
    const at = row * state.cap * this.rowSize;
    const end = at + state.lengths[row] * this.rowSize;
    return state.layers.flatMap((c) => [c.k.slice(at, end), c.v.slice(at, end)]);
  }

  write(state: KVCache, row: number, seq: SeqState): void {
    const tokens = seq[0].length / this.rowSize;
    state.lengths[row] = 0;
    state.reserveTokens(tokens);
    const at = row * state.cap * this.rowSize;
    state.layers.forEach((c, i) => {
      c.k.set(seq[2 * i], at);
      c.v.set(seq[2 * i + 1], at);
    });
    state.lengths[row] = tokens;
  }

  move(src: KVCache, from: number, dst: KVCache, to: number): void {
    const tokens = src.lengths[from];
    if (src !== dst) dst.lengths[to] = 0; // nothing of the old row to keep when dst grows
    dst.reserveTokens(tokens);
    const a = from * src.cap * this.rowSize, b = to * dst.cap * this.rowSize, n = tokens * this.rowSize;
    src.layers.forEach((s, i) => {
      const d = dst.layers[i];
      for (const key of ['k', 'v'] as const) {
        if (s[key] === d[key]) d[key].copyWithin(b, a, a + n);
        else d[key].set(s[key].subarray(a, a + n), b);
      }
    });
    dst.lengths[to] = tokens;
  }

  clear(state: KVCache, row: number): void {
    state.lengths[row] = 0;
  }

  check(seq: SeqState): string | null {
    const names = this.names();
    if (seq.length !== names.length) return `a KV cache state needs ${names.length} tensors (${names[0]} … ${names[names.length - 1]}), got ${seq.length}`;
    const floats = seq[0].length;
    if (floats === 0 || floats % this.rowSize !== 0) return `${names[0]} has ${floats} floats, not a whole number of tokens of ${this.rowSize} (num_key_value_heads · head_dim)`;
    const j = seq.findIndex((a) => a.length !== floats);
    return j < 0 ? null : `${names[j]} has ${seq[j].length} floats, ${names[0]} ${floats}: every layer's keys and values hold the same tokens`;
  }

  allocatedBytes(state: KVCache): number {
    return state.allocatedBytes();
  }

  rowBytes(state: KVCache, row: number): number {
    return 2 * this.numLayers * state.lengths[row] * this.rowSize * 4;
  }
}
