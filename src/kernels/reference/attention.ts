// Reference kernels of multi-head attention, causal or not (src/ops/attention.ts), two of them:
//   - naive: materialises the scores S = Q·Kᵀ·scale [Lq, Lk] of one head, softmax, P·V. The
//     specification, kept for the tests and the benchmark's naive rows.
//   - blocked (FlashAttention-2, Dao 2023): the forward runs over query blocks and key blocks
//     with an online softmax and keeps only O and the per-row log-sum-exp; the backward computes
//     D = rowsum(dO ⊙ O) and recomputes P = exp(S − lse) block by block. Memory O(L), never L×L.
//
// Layout (chosen so that the model's projections need no transposes; FlashAttention's own):
//   q, out, gradOut: [B, Lq, H, d]        lse: [B, H, Lq]
//   k, v:            [B, cap, Hkv, d], the first Lk rows of each batch entry used (cap ≥ Lk:
//                    a KV cache with room to grow; cap = Lk = L in training)
// Causal with an offset: query i sits at position Lk − Lq + i and sees keys 0 … Lk − Lq + i
// (chunked prefill and generation steps over a cache). With `lengths` the batch is ragged (the
// server's sequences, each at its own length): entry b holds lengths[b] keys, and its query i
// sits at lengths[b] − Lq + i. Not causal (causal: false; an encoder, a bidirectional classifier),
// every query of entry b sees its keys 0 … lengths[b] − 1 (the real tokens of a right-padded
// row; the padding is never read). GQA: query head h reads key/value head
// ⌊h / g⌋, g = H / Hkv, in place (no copy of K or V).
// The backward is for self-attention (Lq = Lk = cap = L; with `lengths` only when not causal);
// gradK and gradV are added into.

/** Query and key block sizes of the blocked reference (the fast kernels choose their own). */
export const BLOCK_Q = 16;
export const BLOCK_K = 16;

export interface AttentionDims {
  B: number;
  H: number;
  Hkv: number;
  Lq: number;
  Lk: number;
  /** Rows per batch entry of k and v (≥ Lk). */
  cap: number;
  /** Keys of each batch entry [B] (each ≤ Lk; causal, ≥ Lq); absent: Lk for all. */
  lengths?: Int32Array;
  /** Whether query i sees only the keys up to its own position (default true). */
  causal?: boolean;
  d: number;
  scale: number;
}

/** Offsets of row i of head h of batch b: q/out [B, Lq, H, d] and k/v [B, cap, Hkv, d]. */
function qAt(s: AttentionDims, b: number, i: number, h: number): number {
  return ((b * s.Lq + i) * s.H + h) * s.d;
}
function kAt(s: AttentionDims, b: number, j: number, hk: number): number {
  return ((b * s.cap + j) * s.Hkv + hk) * s.d;
}
/** Keys that batch entry b holds. */
function keysOf(s: AttentionDims, b: number): number {
  return s.lengths ? s.lengths[b] : s.Lk;
}
/** The last key that query i of batch entry b sees: its own position when causal, else the entry's last key. */
function lastKey(s: AttentionDims, b: number, i: number): number {
  return s.causal === false ? keysOf(s, b) - 1 : keysOf(s, b) - s.Lq + i;
}
function dot(a: Float32Array, ai: number, b: Float32Array, bi: number, d: number): number {
  let acc = 0;
  for (let c = 0; c < d; c++) acc += a[ai + c] * b[bi + c];
  return acc;
}

export function attentionNaiveForward(q: Float32Array, k: Float32Array, v: Float32Array, out: Float32Array, lse: Float32Array, s: AttentionDims): void {
  const { B, H, Lq, Lk, d } = s;
  const g = H / s.Hkv;
  const S = new Float64Array(Lk); // one row of scores at a time; the whole P is in the backward
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      const hk = Math.floor(h / g);
      for (let i = 0; i < Lq; i++) {
        const last = lastKey(s, b, i); // keys 0..last
        let max = -Infinity;
        for (let j = 0; j <= last; j++) max = Math.max(max, (S[j] = dot(q, qAt(s, b, i, h), k, kAt(s, b, j, hk), d) * s.scale));
        let sum = 0;
        for (let j = 0; j <= last; j++) sum += S[j] = Math.exp(S[j] - max);
        const o = qAt(s, b, i, h);
        for (let c = 0; c < d; c++) {
          let acc = 0;
          for (let j = 0; j <= last; j++) acc += S[j] * v[kAt(s, b, j, hk) + c];
          out[o + c] = acc / sum;
        }
        lse[(b * H + h) * Lq + i] = max + Math.log(sum);
      }
    }
  }
}

/**
 * The textbook backward with the whole P [L, L] of a head: dV = Pᵀ·dO, dP = dO·Vᵀ,
 * dS = P ⊙ (dP − rowsum(dP ⊙ P)), dQ = dS·K·scale, dK = dSᵀ·Q·scale. Ignores lse and out.
 */
export function attentionNaiveBackward(
  gradOut: Float32Array, q: Float32Array, k: Float32Array, v: Float32Array, _out: Float32Array, _lse: Float32Array,
  gradQ: Float32Array | null, gradK: Float32Array | null, gradV: Float32Array | null, s: AttentionDims,
): void {
  const { B, H, Lq: L, d } = s;
  const g = H / s.Hkv;
  gradQ?.fill(0);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      const hk = Math.floor(h / g);
      const P = new Float64Array(L * L); // P[i, j], zero past each row's last key
      for (let i = 0; i < L; i++) {
        const last = lastKey(s, b, i);
        let max = -Infinity;
        for (let j = 0; j <= last; j++) max = Math.max(max, (P[i * L + j] = dot(q, qAt(s, b, i, h), k, kAt(s, b, j, hk), d) * s.scale));
        let sum = 0;
        for (let j = 0; j <= last; j++) sum += P[i * L + j] = Math.exp(P[i * L + j] - max);
        for (let j = 0; j <= last; j++) P[i * L + j] /= sum;
      }
      for (let i = 0; i < L; i++) {
        const last = lastKey(s, b, i);
        const gi = qAt(s, b, i, h);
        const dP = new Float64Array(last + 1);
        let rowDot = 0;
        for (let j = 0; j <= last; j++) {
          dP[j] = dot(gradOut, gi, v, kAt(s, b, j, hk), d);
          rowDot += dP[j] * P[i * L + j];
        }
        for (let j = 0; j <= last; j++) {
          const p = P[i * L + j];
          const dS = p * (dP[j] - rowDot) * s.scale;
          const kj = kAt(s, b, j, hk);
          for (let c = 0; c < d; c++) {
            if (gradV) gradV[kj + c] += p * gradOut[gi + c];
            if (gradQ) gradQ[gi + c] += dS * k[kj + c];
            if (gradK) gradK[kj + c] += dS * q[gi + c];
          }
        }
      }
    }
  }
}

export function attentionForward(q: Float32Array, k: Float32Array, v: Float32Array, out: Float32Array, lse: Float32Array, s: AttentionDims): void {
  const { B, H, Lq, d } = s;
  const g = H / s.Hkv;
  const m = new Float64Array(BLOCK_Q); // running max of each row's scores
  const l = new Float64Array(BLOCK_Q); // running Σ exp(score − m)
  const acc = new Float64Array(BLOCK_Q * d); // running Σ exp(score − m)·v
  const S = new Float64Array(BLOCK_Q * BLOCK_K);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      const hk = Math.floor(h / g);
      for (let i0 = 0; i0 < Lq; i0 += BLOCK_Q) {
        const i1 = Math.min(Lq, i0 + BLOCK_Q);
        m.fill(-Infinity);
        l.fill(0);
        acc.fill(0);
        const keyEnd = lastKey(s, b, i1 - 1) + 1; // the block's last row sees keys < keyEnd
        for (let j0 = 0; j0 < keyEnd; j0 += BLOCK_K) {
          const j1 = Math.min(keyEnd, j0 + BLOCK_K);
          for (let i = i0; i < i1; i++) {
            const r = i - i0;
            const last = Math.min(j1 - 1, lastKey(s, b, i));
            if (last < j0) continue; // the whole key block is in this row's future
            let blockMax = -Infinity;
            for (let j = j0; j <= last; j++) {
              const x = dot(q, qAt(s, b, i, h), k, kAt(s, b, j, hk), d) * s.scale;
              S[r * BLOCK_K + j - j0] = x;
              blockMax = Math.max(blockMax, x);
            }
            const mNew = Math.max(m[r], blockMax);
            const alpha = Math.exp(m[r] - mNew); // rescales what was summed under the old max
            l[r] *= alpha;
            for (let c = 0; c < d; c++) acc[r * d + c] *= alpha;
            for (let j = j0; j <= last; j++) {
              const p = Math.exp(S[r * BLOCK_K + j - j0] - mNew);
              l[r] += p;
              const vj = kAt(s, b, j, hk);
              for (let c = 0; c < d; c++) acc[r * d + c] += p * v[vj + c];
            }
            m[r] = mNew;
          }
        }
        for (let i = i0; i < i1; i++) {
          const r = i - i0;
          const o = qAt(s, b, i, h);
          for (let c = 0; c < d; c++) out[o + c] = acc[r * d + c] / l[r];
          lse[(b * H + h) * Lq + i] = m[r] + Math.log(l[r]);
        }
      }
    }
  }
}

/**
 * FlashAttention-2's backward: per head, D_i = dO_i·O_i; then for each key block (its dK, dV
 * accumulated while it is in cache) the query blocks that see it, with P = exp(S − lse),
 * dV += Pᵀ·dO, dS = P ⊙ (dO·Vᵀ − D), dQ += dS·K·scale, dK += dSᵀ·Q·scale.
 */
export function attentionBackward(
  gradOut: Float32Array, q: Float32Array, k: Float32Array, v: Float32Array, out: Float32Array, lse: Float32Array,
  gradQ: Float32Array | null, gradK: Float32Array | null, gradV: Float32Array | null, s: AttentionDims,
): void {
  const { B, H, Lq: L, d } = s;
  const g = H / s.Hkv;
  gradQ?.fill(0);
  const D = new Float64Array(L);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      const hk = Math.floor(h / g);
      for (let i = 0; i < L; i++) D[i] = dot(gradOut, qAt(s, b, i, h), out, qAt(s, b, i, h), d);
      const causal = s.causal !== false;
      for (let j0 = 0; j0 < keysOf(s, b); j0 += BLOCK_K) {
        const j1 = Math.min(keysOf(s, b), j0 + BLOCK_K);
        // Causal: only the query blocks at or after the key block see it.
        for (let i0 = causal ? j0 - (j0 % BLOCK_Q) : 0; i0 < L; i0 += BLOCK_Q) {
          for (let i = causal ? Math.max(i0, j0) : i0; i < Math.min(L, i0 + BLOCK_Q); i++) {
            const qi = qAt(s, b, i, h);
            const lseI = lse[(b * s.H + h) * L + i];
            for (let j = j0; j < Math.min(j1, lastKey(s, b, i) + 1); j++) {
              const kj = kAt(s, b, j, hk);
              const p = Math.exp(dot(q, qi, k, kj, d) * s.scale - lseI);
              const dS = p * (dot(gradOut, qi, v, kj, d) - D[i]) * s.scale;
              for (let c = 0; c < d; c++) {
                if (gradV) gradV[kj + c] += p * gradOut[qi + c];
                if (gradQ) gradQ[qi + c] += dS * k[kj + c];
                if (gradK) gradK[kj + c] += dS * q[qi + c];
              }
            }
          }
        }
      }
    }
  }
}
