// The recurrent-state cache: the state after a token prefix (and the logits of its last token),
// keyed by the prefix's ids, so that a request extending a cached prefix runs only its new tokens.
// A Mamba state is layers × E × (N + K − 1) floats whatever the prefix's length, so keeping one
// per conversation turn is cheap; a Transformer's is its KV cache prefix, 2 · layers · tokens ·
// Hkv · d floats, which grows with the conversation (the same bound holds fewer of them). Bounded by bytes; the least recently used entry goes first.
// Lookup finds the longest cached prefix of a prompt in O(prompt length): each entry is indexed by
// a hash of its ids, and the prompt's prefix hashes are computed in one pass.

import type { SeqState } from './batch_state.js';

export interface CacheEntry {
  ids: Int32Array;
  state: SeqState;
  /** Logits [V] after the last id: what the next token is drawn from. */
  logits: Float32Array;
  bytes: number;
}

/** FNV-1a over 32-bit ids, continued one id at a time. */
function extend(hash: number, id: number): number {
  for (let s = 0; s < 32; s += 8) hash = Math.imul(hash ^ ((id >>> s) & 0xff), 0x01000193) >>> 0;
  return hash;
}
const START = 0x811c9dc5;

function keyOf(length: number, hash: number): string {
  return `${length}:${hash}`;
}

export class StateCache {
  /** Insertion order is recency order: a hit moves its entry to the end. */
  private readonly entries = new Map<string, CacheEntry>();
  bytes = 0;
  hits = 0;
  misses = 0;

  constructor(readonly maxBytes: number) {}

  get size(): number {
    return this.entries.size;
  }

  /** The longest cached prefix of ids (at most maxLength of them), marked as recently used. */
  lookup(ids: Int32Array, maxLength = ids.length): CacheEntry | null {
    if (this.entries.size === 0) return this.miss();
    const hashes = new Uint32Array(ids.length + 1);
    hashes[0] = START;
    for (let i = 0; i < ids.length; i++) hashes[i + 1] = extend(hashes[i], ids[i]);
    for (let len = Math.min(maxLength, ids.length); len > 0; len--) {
      const key = keyOf(len, hashes[len]);
      const e = this.entries.get(key);
      if (e && sameIds(e.ids, ids, len)) {
        this.entries.delete(key);
        this.entries.set(key, e);
        this.hits++;
        return e;
      }
    }
    return this.miss();
  }

  /** Keeps a state (copied by the caller: the cache owns it), evicting least recently used entries past the byte bound. */
  insert(ids: Int32Array, state: SeqState, logits: Float32Array): void {
    let hash = START;
    for (const id of ids) hash = extend(hash, id);
    const key = keyOf(ids.length, hash);
    const bytes = 4 * (ids.length + logits.length + state.reduce((s, a) => s + a.length, 0));
    if (bytes > this.maxBytes) return;
    const old = this.entries.get(key);
    if (old) {
      this.entries.delete(key);
      this.bytes -= old.bytes;
    }
    this.entries.set(key, { ids: ids.slice(), state, logits, bytes });
    this.bytes += bytes;
    for (const [k, e] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(k);
      this.bytes -= e.bytes;
    }
  }

  /** Whether ids are cached exactly (does not count as a use). */
  has(ids: Int32Array): boolean {
    for (const e of this.entries.values()) if (e.ids.length === ids.length && sameIds(e.ids, ids, ids.length)) return true;
    return false;
  }

  private miss(): null {
    this.misses++;
    return null;
  }
}

function sameIds(a: Int32Array, b: Int32Array, length: number): boolean {
  if (a.length !== length) return false;
  for (let i = 0; i < length; i++) if (a[i] !== b[i]) return false;
  return true;
}
