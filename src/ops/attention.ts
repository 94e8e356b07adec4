// attention: multi-head scaled dot-product attention as one fused op (FlashAttention-2 style:
// Dao, 2023), with grouped-query attention (GQA) read in place.
//   q: [B, L, H, d], k, v: [B, L, Hkv, d] → out [B, L, H, d]
//   out[b, i, h] = Σ_{j ≤ i} softmax_j(q[b, i, h]·k[b, j, ⌊h/g⌋] · d^−½) · v[b, j, ⌊h/g⌋],  g = H / Hkv
// causal (the default); with { causal: false, keys } the sum runs over j < keys[b], the real tokens
// of each right-padded row, for every query (an encoder: a bidirectional classifier).
// Heads sit next to each other in the last two axes, as the q/k/v projections produce them and
// o_proj consumes them: no transposes around the op. The forward keeps only out and the per-row
// log-sum-exp [B, H, L]; the backward recomputes the probabilities block by block, so memory is
// linear in L (src/kernels/reference/attention.ts has both the blocked and the naive kernels).
// cachedAttention is the generation path: queries at the end of a longer KV cache, no gradient.

import { Tensor, shapeStr } from '../tensor/tensor.js';
import { accumulate, record, registerOp } from '../autograd/tape.js';
import { kernels } from '../kernels/backend.js';
import { allocArray, allocOutput } from '../kernels/memory.js';
import type { AttentionDims } from '../kernels/reference/attention.js';

registerOp('attention');

export interface AttentionOptions {
  /** 'naive' materialises the L×L scores (the specification; tests and benchmarks). Default 'fused'. */
  kernel?: 'fused' | 'naive';
  /** false: every query sees every key of its row (up to keys[b]). Default true. */
  causal?: boolean;
  /** Not causal: the keys of each row [B] (1 … L; a right-padded row's real tokens). Default L for all. */
  keys?: Int32Array;
}

function checkHeads(op: string, H: number, Hkv: number, what: string): void {
  if (Hkv < 1 || H % Hkv !== 0) throw new Error(`${op}: ${H} query heads are not a multiple of ${Hkv} key/value heads (${what})`);
}

export function attention(q: Tensor, k: Tensor, v: Tensor, opts: AttentionOptions = {}): Tensor {
  if (q.ndim !== 4) throw new Error(`attention: q must be [B, L, H, d], got ${shapeStr(q.shape)}`);
  const [B, L, H, d] = q.shape;
  const Hkv = k.shape[2];
  for (const [name, t] of [['k', k], ['v', v]] as const) {
    if (t.ndim !== 4 || t.shape[0] !== B || t.shape[1] !== L || t.shape[2] !== Hkv || t.shape[3] !== d) {
      throw new Error(`attention: ${name} ${shapeStr(t.shape)} does not match q ${shapeStr(q.shape)} (expected [${B}, ${L}, Hkv, ${d}], Hkv as k's)`);
    }
  }
  checkHeads('attention', H, Hkv, `q ${shapeStr(q.shape)}, k ${shapeStr(k.shape)}`);
  const causal = opts.causal ?? true;
  const keys = opts.keys;
  if (keys) {
    if (causal) throw new Error('attention: keys (a length per row) are for causal: false; a causal row never reads past its own position');
    if (keys.length !== B || keys.some((n) => !(n >= 1 && n <= L))) throw new Error(`attention: keys must be ${B} lengths in 1 … ${L} (one per row), got [${Array.from(keys).join(', ')}]`);
  }
  const dims: AttentionDims = { B, H, Hkv, Lq: L, Lk: L, cap: L, d, scale: 1 / Math.sqrt(d), ...(causal ? {} : { causal: false }), ...(keys ? { lengths: keys } : {}) };
  const kn = kernels();
  const naive = opts.kernel === 'naive';
  const out = allocOutput(q.size);
  const lse = allocOutput(B * H * L); // log Σ_j exp(score_ij), the backward's softmax denominators
  if (q.size > 0) (naive ? kn.attentionNaiveForward : kn.attentionForward)(q.data, k.data, v.data, out, lse, dims);
  return record('attention', out, q.shape, [q, k, v], (g) => {
    const gq = q.requiresGrad ? allocOutput(q.size) : null;
    const gk = k.requiresGrad ? allocArray(k.size) : null; // zeroed: the heads of a group add into it
    const gv = v.requiresGrad ? allocArray(v.size) : null;
    if (q.size > 0) (naive ? kn.attentionNaiveBackward : kn.attentionBackward)(g, q.data, k.data, v.data, out, lse, gq, gk, gv, dims);
    if (gq) accumulate(q, gq, true);
    if (gk) accumulate(k, gk, true);
    if (gv) accumulate(v, gv, true);
  });
}

/**
 * Generation over a KV cache (no gradient): q [B, Lq, H, d] holds the last Lq positions of a
 * context of `length` tokens whose keys and values are the first `length` rows of kCache,
 * vCache [B, cap, Hkv, d]. Query i sees keys 0 … length − Lq + i. `length` may be one per batch
 * entry ([B]: the server's sequences, each at its own length). → [B, Lq, H, d]
 */
export function cachedAttention(q: Tensor, kCache: Float32Array, vCache: Float32Array, length: number | Int32Array, cap: number, Hkv: number): Tensor {
  if (q.ndim !== 4) throw new Error(`cachedAttention: q must be [B, Lq, H, d], got ${shapeStr(q.shape)}`);
  const [B, Lq, H, d] = q.shape;
  checkHeads('cachedAttention', H, Hkv, 'the cache');
  const lengths = typeof length === 'number' ? null : length;
  if (lengths && lengths.length !== B) throw new Error(`cachedAttention: ${lengths.length} lengths for q ${shapeStr(q.shape)} (one per batch entry)`);
  const Lk = lengths ? lengths.reduce((a, n) => Math.max(a, n), 0) : (length as number);
  const shortest = lengths ? lengths.reduce((a, n) => Math.min(a, n), Lk) : Lk;
  if (shortest < Lq || Lk > cap || kCache.length < B * cap * Hkv * d || vCache.length < B * cap * Hkv * d) {
    throw new Error(`cachedAttention: a cache of ${lengths ? `${shortest} … ${Lk}` : Lk} of ${cap} rows cannot hold q ${shapeStr(q.shape)}`);
  }
  const out = allocOutput(q.size);
  const lse = allocOutput(B * H * Lq);
  const dims: AttentionDims = { B, H, Hkv, Lq, Lk, cap, d, scale: 1 / Math.sqrt(d), ...(lengths && shortest < Lk ? { lengths } : {}) };
  if (q.size > 0) kernels().attentionForward(q.data, kCache, vCache, out, lse, dims);
  return new Tensor(out, q.shape);
}
