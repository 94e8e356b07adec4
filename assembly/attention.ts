// Multi-head attention, causal or not, FlashAttention-2 style (src/kernels/reference/attention.ts has the
// layout and the maths; this is the same algorithm on f32x4). Rows of a head are copied into
// per-thread scratch padded to dp = d rounded up to 4 floats (zeros beyond d), so the inner loops
// need no tails and never touch another head's data:
//   - scores of 4 query rows × ATT_BK keys: S[r, j] = Σ_c A[r, c]·Bt[c, j] with Bt the key block
//     transposed [dp, BK], so that a score vector holds 4 keys (the softmax runs across lanes);
//   - Σ_j W[r, j]·M[j, ·] (P·V, dS·K) and Σ_r W[r, j]·R[r, ·] (Pᵀ·dO, dSᵀ·Q) over 4 rows at once,
//     each weight broadcast by one load32_splat.
// Forward task: (batch, head, block of ATT_BQ query rows). Backward task: (batch, kv head): it
// owns the gradients of its kv head and of the query heads of its group, so no two tasks write
// the same gradient and no atomics are needed.

import { param, paramF, scratchOf, AttentionBackwardParams, AttentionDecodeParams, AttentionForwardParams } from './control';
import { expf4 } from './simd_math';
import { f4, hsum, ld, madd } from './lanes';

export const ATT_BQ: i32 = 32;
export const ATT_BK: i32 = 32;

/** Copies `rows` rows of d floats (source stride `stride` floats) to dst [rows, dp], times s, zero beyond d. */
function copyRows(src: usize, stride: i32, rows: i32, d: i32, dp: i32, dst: usize, s: f32): void {
  for (let r = 0; r < rows; r++) {
    const a = f4(src, r * stride), o = f4(dst, r * dp);
    for (let c = 0; c < d; c++) store<f32>(f4(o, c), load<f32>(f4(a, c)) * s);
    for (let c = d; c < dp; c++) store<f32>(f4(o, c), 0);
  }
}

/** Copies `rows` rows of d floats transposed into dst [dp, ATT_BK] (columns ≥ rows and rows ≥ d zero). */
function copyTransposed(src: usize, stride: i32, rows: i32, d: i32, dp: i32, dst: usize): void {
  memory.fill(dst, 0, (<usize>dp * ATT_BK) << 2);
  for (let j = 0; j < rows; j++) {
    const a = f4(src, j * stride);
    for (let c = 0; c < d; c++) store<f32>(f4(dst, c * ATT_BK + j), load<f32>(f4(a, c)));
  }
}

/** out [4, ATT_BK] = A [4 rows, stride dp] · Bt [dp, ATT_BK], keys in chunks of 8. */
function scores4(a: usize, bt: usize, dp: i32, nk: i32, out: usize): void {
  const a1 = f4(a, dp), a2 = f4(a, 2 * dp), a3 = f4(a, 3 * dp);
  for (let j = 0; j < nk; j += 8) {
    let s00 = f32x4.splat(0), s01 = f32x4.splat(0), s10 = f32x4.splat(0), s11 = f32x4.splat(0);
    let s20 = f32x4.splat(0), s21 = f32x4.splat(0), s30 = f32x4.splat(0), s31 = f32x4.splat(0);
    for (let c = 0; c < dp; c++) {
      const row = f4(bt, c * ATT_BK + j);
      const k0 = v128.load(row), k1 = v128.load(row, 16);
      const o = <usize>c << 2;
      const q0 = v128.load32_splat(a + o), q1 = v128.load32_splat(a1 + o);
      const q2 = v128.load32_splat(a2 + o), q3 = v128.load32_splat(a3 + o);
      s00 = madd(q0, k0, s00); s01 = madd(q0, k1, s01);
      s10 = madd(q1, k0, s10); s11 = madd(q1, k1, s11);
      s20 = madd(q2, k0, s20); s21 = madd(q2, k1, s21);
      s30 = madd(q3, k0, s30); s31 = madd(q3, k1, s31);
    }
    const o = f4(out, j);
    v128.store(o, s00); v128.store(o, s01, 16);
    v128.store(o, s10, ATT_BK * 4); v128.store(o, s11, ATT_BK * 4 + 16);
    v128.store(o, s20, ATT_BK * 8); v128.store(o, s21, ATT_BK * 8 + 16);
    v128.store(o, s30, ATT_BK * 12); v128.store(o, s31, ATT_BK * 12 + 16);
  }
}

/** acc [4 rows, stride dp] += W [4, ATT_BK] · M [nk, dp]. */
function accumRows4(w: usize, m: usize, nk: i32, dp: i32, acc: usize): void {
  const rs = <usize>dp << 2, ws = <usize>ATT_BK << 2;
  for (let c = 0; c < dp; c += 4) {
    const o = <usize>c << 2;
    let a0 = v128.load(acc + o), a1 = v128.load(acc + rs + o), a2 = v128.load(acc + 2 * rs + o), a3 = v128.load(acc + 3 * rs + o);
    for (let j = 0; j < nk; j++) {
      const mv = v128.load(m + ((<usize>j * dp) << 2) + o);
      const wj = w + (<usize>j << 2);
      a0 = madd(v128.load32_splat(wj), mv, a0);
      a1 = madd(v128.load32_splat(wj + ws), mv, a1);
      a2 = madd(v128.load32_splat(wj + 2 * ws), mv, a2);
      a3 = madd(v128.load32_splat(wj + 3 * ws), mv, a3);
    }
    v128.store(acc + o, a0); v128.store(acc + rs + o, a1); v128.store(acc + 2 * rs + o, a2); v128.store(acc + 3 * rs + o, a3);
  }
}

/** acc [nk, dp] += W [4, ATT_BK]ᵀ · R [4 rows, stride dp]. */
function accumCols4(w: usize, r: usize, nk: i32, dp: i32, acc: usize): void {
  const rs = <usize>dp << 2, ws = <usize>ATT_BK << 2;
  for (let j = 0; j < nk; j++) {
    const wj = w + (<usize>j << 2);
    const w0 = v128.load32_splat(wj), w1 = v128.load32_splat(wj + ws), w2 = v128.load32_splat(wj + 2 * ws), w3 = v128.load32_splat(wj + 3 * ws);
    const aj = acc + ((<usize>j * dp) << 2);
    for (let c = 0; c < dp; c += 4) {
      const o = <usize>c << 2;
      let a = v128.load(aj + o);
      a = madd(w0, v128.load(r + o), a);
      a = madd(w1, v128.load(r + rs + o), a);
      a = madd(w2, v128.load(r + 2 * rs + o), a);
      a = madd(w3, v128.load(r + 3 * rs + o), a);
      v128.store(aj + o, a);
    }
  }
}

/** Lanes j0 … j0 + 3 (key indices) as a vector. */
@inline function keyIndices(j0: i32): v128 {
  return i32x4.add(i32x4.splat(j0), v128(0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0));
}

/**
 * Parameters: AttentionForwardParams (src/kernels/wasm/slots.ts).
 * Scratch per thread: Qs [BQ, dp], O [BQ, dp], Kt [dp, BK], Vb [BK, dp], P [4, BK], m [BQ], l [BQ].
 */
export function attentionForwardTask(ctl: usize, task: i32, tid: i32): void {
  const q = <usize>param(ctl, AttentionForwardParams.q), k = <usize>param(ctl, AttentionForwardParams.k), v = <usize>param(ctl, AttentionForwardParams.v);
  const out = <usize>param(ctl, AttentionForwardParams.out), lse = <usize>param(ctl, AttentionForwardParams.lse);
  const H = param(ctl, AttentionForwardParams.H), Hkv = param(ctl, AttentionForwardParams.Hkv), Lq = param(ctl, AttentionForwardParams.Lq), Lk = param(ctl, AttentionForwardParams.Lk);
  const cap = param(ctl, AttentionForwardParams.cap), d = param(ctl, AttentionForwardParams.d);
  const scale = paramF(ctl, AttentionForwardParams.scale);
  const dp = (d + 3) & ~3;
  const blocks = (Lq + ATT_BQ - 1) / ATT_BQ;
  const bh = task / blocks, b = bh / H, h = bh % H, hk = h / (H / Hkv);
  const i0 = (task % blocks) * ATT_BQ, rows = min(ATT_BQ, Lq - i0);
  const lengths = <usize>param(ctl, AttentionForwardParams.lengths);
  const keys = lengths ? load<i32>(lengths + (<usize>b << 2)) : Lk;
  // Causal: query i sees keys ≤ offset + i; else every query sees the entry's keys ≤ keys − 1.
  const causal = param(ctl, AttentionForwardParams.causal) != 0;
  const offset = keys - Lq;
  const qs = scratchOf(ctl, tid), acc = f4(qs, ATT_BQ * dp), kt = f4(acc, ATT_BQ * dp), vb = f4(kt, dp * ATT_BK);
  const pb = f4(vb, ATT_BK * dp), mr = f4(pb, 4 * ATT_BK), lr = f4(mr, ATT_BQ);
  const qStride = H * d, kvStride = Hkv * d;
  const qBase = f4(q, ((b * Lq + i0) * H + h) * d);
  copyRows(qBase, qStride, rows, d, dp, qs, scale);
  memory.fill(f4(qs, rows * dp), 0, (<usize>(ATT_BQ - rows) * dp) << 2);
  memory.fill(acc, 0, (<usize>ATT_BQ * dp) << 2);
  for (let r = 0; r < ATT_BQ; r++) {
    store<f32>(f4(mr, r), -Infinity);
    store<f32>(f4(lr, r), 0);
  }
  const groups = (rows + 3) >> 2;
  const keyEnd = causal ? offset + i0 + rows : keys; // the block's last row sees keys < keyEnd
  const kBase = f4(k, (b * cap * Hkv + hk) * d), vBase = f4(v, (b * cap * Hkv + hk) * d);
  for (let j0 = 0; j0 < keyEnd; j0 += ATT_BK) {
    const nk = min(ATT_BK, keyEnd - j0);
    const nk8 = (nk + 7) & ~7;
    copyTransposed(f4(kBase, j0 * kvStride), kvStride, nk, d, dp, kt);
    copyRows(f4(vBase, j0 * kvStride), kvStride, nk, d, dp, vb, 1);
    for (let g = 0; g < groups; g++) {
      scores4(f4(qs, 4 * g * dp), kt, dp, nk8, pb);
      for (let r = 0; r < 4; r++) {
        const i = i0 + 4 * g + r;
        const last = causal ? offset + i : keys - 1; // this row sees keys ≤ last
        const sr = f4(pb, r * ATT_BK);
        if (last < j0) {
          memory.fill(sr, 0, <usize>ATT_BK << 2);
          continue;
        }
        const lim = i32x4.splat(min(last, j0 + nk - 1));
        let mx = f32x4.splat(-Infinity);
        for (let j = 0; j < nk8; j += 4) {
          const ok = i32x4.le_s(keyIndices(j0 + j), lim);
          mx = f32x4.max(mx, v128.bitselect(v128.load(f4(sr, j)), f32x4.splat(-Infinity), ok));
        }
        const mOld = load<f32>(f4(mr, 4 * g + r)), blockMax = max(max(f32x4.extract_lane(mx, 0), f32x4.extract_lane(mx, 1)), max(f32x4.extract_lane(mx, 2), f32x4.extract_lane(mx, 3)));
        const mNew = max(mOld, blockMax);
        const alpha = mOld == -Infinity ? <f32>0 : Mathf.exp(mOld - mNew); // rescales what was summed under the old max
        const mv = f32x4.splat(mNew);
        let sum = f32x4.splat(0);
        for (let j = 0; j < nk8; j += 4) {
          const ok = i32x4.le_s(keyIndices(j0 + j), lim);
          const p = v128.and(expf4(f32x4.sub(v128.load(f4(sr, j)), mv)), ok);
          v128.store(f4(sr, j), p);
          sum = f32x4.add(sum, p);
        }
        store<f32>(f4(mr, 4 * g + r), mNew);
        store<f32>(f4(lr, 4 * g + r), load<f32>(f4(lr, 4 * g + r)) * alpha + hsum(sum));
        if (alpha != 1) {
          const ar = f4(acc, (4 * g + r) * dp), av = f32x4.splat(alpha);
          for (let c = 0; c < dp; c += 4) v128.store(f4(ar, c), f32x4.mul(v128.load(f4(ar, c)), av));
        }
      }
      accumRows4(pb, vb, nk, dp, f4(acc, 4 * g * dp));
    }
  }
  for (let r = 0; r < rows; r++) {
    const l = load<f32>(f4(lr, r));
    const inv = <f32>1 / l;
    const o = f4(out, ((b * Lq + i0 + r) * H + h) * d), ar = f4(acc, r * dp);
    for (let c = 0; c < d; c++) store<f32>(f4(o, c), load<f32>(f4(ar, c)) * inv);
    store<f32>(f4(lse, (b * H + h) * Lq + i0 + r), load<f32>(f4(mr, r)) + Mathf.log(l));
  }
}

/**
 * Parameters: AttentionBackwardParams (gradK and gradV added into; 0: not wanted).
 * Scratch per thread: Qh [Lp, dp] (q·scale), dO [Lp, dp], dQ [Lp, dp], D [Lp], lse [Lp],
 * Kt [dp, BK], Vt [dp, BK], Kb [BK, dp], dK [BK, dp], dV [BK, dp], P [4, BK], dS [4, BK];
 * Lp = L rounded up to 4.
 */
export function attentionBackwardTask(ctl: usize, task: i32, tid: i32): void {
  const gout = <usize>param(ctl, AttentionBackwardParams.gradOut), q = <usize>param(ctl, AttentionBackwardParams.q), k = <usize>param(ctl, AttentionBackwardParams.k);
  const v = <usize>param(ctl, AttentionBackwardParams.v), out = <usize>param(ctl, AttentionBackwardParams.out), lse = <usize>param(ctl, AttentionBackwardParams.lse);
  const gq = <usize>param(ctl, AttentionBackwardParams.gradQ), gk = <usize>param(ctl, AttentionBackwardParams.gradK), gv = <usize>param(ctl, AttentionBackwardParams.gradV);
  const H = param(ctl, AttentionBackwardParams.H), Hkv = param(ctl, AttentionBackwardParams.Hkv), L = param(ctl, AttentionBackwardParams.L), d = param(ctl, AttentionBackwardParams.d);
  const scale = paramF(ctl, AttentionBackwardParams.scale);
  const dp = (d + 3) & ~3, Lp = (L + 3) & ~3, G = H / Hkv;
  const b = task / Hkv, hk = task % Hkv;
  const causal = param(ctl, AttentionBackwardParams.causal) != 0;
  const lengths = <usize>param(ctl, AttentionBackwardParams.lengths);
  const keys = lengths ? load<i32>(lengths + (<usize>b << 2)) : L; // not causal: every query sees keys < keys
  const qh = scratchOf(ctl, tid), dO = f4(qh, Lp * dp), dQ = f4(dO, Lp * dp), Dr = f4(dQ, Lp * dp), lr = f4(Dr, Lp);
  const kt = f4(lr, Lp), vt = f4(kt, dp * ATT_BK), kb = f4(vt, dp * ATT_BK), dK = f4(kb, ATT_BK * dp), dV = f4(dK, ATT_BK * dp);
  const pb = f4(dV, ATT_BK * dp), sb = f4(pb, 4 * ATT_BK);
  const qStride = H * d, kvStride = Hkv * d;
  const kBase = f4(k, (b * L * Hkv + hk) * d), vBase = f4(v, (b * L * Hkv + hk) * d);
  for (let h = hk * G; h < hk * G + G; h++) {
    const qBase = (b * L * H + h) * d; // float index of row 0 of this head in q, out, gradOut, gradQ
    copyRows(f4(q, qBase), qStride, L, d, dp, qh, scale);
    copyRows(f4(gout, qBase), qStride, L, d, dp, dO, 1);
    memory.fill(f4(qh, L * dp), 0, (<usize>(Lp - L) * dp) << 2);
    memory.fill(f4(dO, L * dp), 0, (<usize>(Lp - L) * dp) << 2);
    memory.fill(dQ, 0, (<usize>Lp * dp) << 2);
    for (let i = 0; i < L; i++) {
      // D_i = dO_i · O_i: the softmax's backward term, once per row instead of once per block.
      const go = f4(gout, qBase + i * qStride), o = f4(out, qBase + i * qStride);
      let s: f32 = 0;
      for (let c = 0; c < d; c++) s += load<f32>(f4(go, c)) * load<f32>(f4(o, c));
      store<f32>(f4(Dr, i), s);
      store<f32>(f4(lr, i), load<f32>(f4(lse, (b * H + h) * L + i)));
    }
    for (let j0 = 0; j0 < keys; j0 += ATT_BK) {
      const nk = min(ATT_BK, keys - j0);
      const nk8 = (nk + 7) & ~7;
      copyTransposed(f4(kBase, j0 * kvStride), kvStride, nk, d, dp, kt);
      copyTransposed(f4(vBase, j0 * kvStride), kvStride, nk, d, dp, vt);
      copyRows(f4(kBase, j0 * kvStride), kvStride, nk, d, dp, kb, 1);
      memory.fill(dK, 0, (<usize>ATT_BK * dp) << 2);
      memory.fill(dV, 0, (<usize>ATT_BK * dp) << 2);
      for (let i0 = causal ? j0 & ~3 : 0; i0 < L; i0 += 4) { // causal: the rows before the key block do not see it
        scores4(f4(qh, i0 * dp), kt, dp, nk8, pb); // S
        scores4(f4(dO, i0 * dp), vt, dp, nk8, sb); // dP
        for (let r = 0; r < 4; r++) {
          const i = i0 + r;
          const pr = f4(pb, r * ATT_BK), sr = f4(sb, r * ATT_BK);
          if (i >= L) {
            memory.fill(pr, 0, <usize>ATT_BK << 2);
            memory.fill(sr, 0, <usize>ATT_BK << 2);
            continue;
          }
          const lim = i32x4.splat(min(causal ? i : keys - 1, j0 + nk - 1));
          const lv = f32x4.splat(load<f32>(f4(lr, i))), Dv = f32x4.splat(load<f32>(f4(Dr, i)));
          for (let j = 0; j < nk8; j += 4) {
            const ok = i32x4.le_s(keyIndices(j0 + j), lim);
            const p = v128.and(expf4(f32x4.sub(v128.load(f4(pr, j)), lv)), ok); // P = exp(S − lse)
            v128.store(f4(pr, j), p);
            v128.store(f4(sr, j), f32x4.mul(p, f32x4.sub(v128.load(f4(sr, j)), Dv))); // dS = P ⊙ (dP − D)
          }
        }
        accumCols4(pb, f4(dO, i0 * dp), nk, dp, dV); // dV += Pᵀ·dO
        accumCols4(sb, f4(qh, i0 * dp), nk, dp, dK); // dK += dSᵀ·Q·scale
        if (gq) accumRows4(sb, kb, nk, dp, f4(dQ, i0 * dp)); // dQ += dS·K (·scale below)
      }
      for (let j = 0; j < nk; j++) {
        const row = (b * L + j0 + j) * kvStride + hk * d;
        if (gk) for (let c = 0; c < d; c++) store<f32>(f4(gk, row + c), load<f32>(f4(gk, row + c)) + load<f32>(f4(dK, j * dp + c)));
        if (gv) for (let c = 0; c < d; c++) store<f32>(f4(gv, row + c), load<f32>(f4(gv, row + c)) + load<f32>(f4(dV, j * dp + c)));
      }
    }
    if (gq) {
      for (let i = 0; i < L; i++) {
        const o = f4(gq, qBase + i * qStride), a = f4(dQ, i * dp);
        for (let c = 0; c < d; c++) store<f32>(f4(o, c), load<f32>(f4(a, c)) * scale);
      }
    }
  }
}

/**
 * One query row per (batch, head) over a KV cache (a generation step), split FlashDecoding-style
 * over chunks of `chunk` keys so that a long context keeps every thread busy: each task writes its
 * chunk's unnormalised Σ p·v and its (max, Σ p), and the caller combines the chunks.
 * Parameters: AttentionDecodeParams (q [B, H, d], k and v [B, cap, Hkv, d], partAcc
 * [B·H·chunks, dp], partMl [B·H·chunks, 2]). Scratch per thread: q [dp], scores [chunk].
 */
export function attentionDecodeTask(ctl: usize, task: i32, tid: i32): void {
  const q = <usize>param(ctl, AttentionDecodeParams.q), k = <usize>param(ctl, AttentionDecodeParams.k), v = <usize>param(ctl, AttentionDecodeParams.v);
  const pacc = <usize>param(ctl, AttentionDecodeParams.partAcc), pml = <usize>param(ctl, AttentionDecodeParams.partMl);
  const H = param(ctl, AttentionDecodeParams.H), Hkv = param(ctl, AttentionDecodeParams.Hkv), Lk = param(ctl, AttentionDecodeParams.Lk), cap = param(ctl, AttentionDecodeParams.cap), d = param(ctl, AttentionDecodeParams.d);
  const scale = paramF(ctl, AttentionDecodeParams.scale), chunk = param(ctl, AttentionDecodeParams.chunk), chunks = param(ctl, AttentionDecodeParams.chunks);
  const dp = (d + 3) & ~3;
  const bh = task / chunks, c = task % chunks, b = bh / H, h = bh % H, hk = h / (H / Hkv);
  const lengths = <usize>param(ctl, AttentionDecodeParams.lengths);
  const keys = lengths ? load<i32>(lengths + (<usize>b << 2)) : Lk;
  const j0 = c * chunk, j1 = min(keys, j0 + chunk); // j1 ≤ j0 past a short entry's keys: an empty chunk (m = −∞, l = 0)
  const qs = scratchOf(ctl, tid), sc = f4(qs, dp);
  copyRows(f4(q, bh * d), d, 1, d, dp, qs, scale);
  const kvStride = Hkv * d;
  const kBase = f4(k, (b * cap * Hkv + hk) * d), vBase = f4(v, (b * cap * Hkv + hk) * d);
  let m: f32 = -Infinity;
  for (let j = j0; j < j1; j++) {
    const kj = f4(kBase, j * kvStride);
    let acc = f32x4.splat(0);
    for (let e = 0; e < d; e += 4) acc = madd(v128.load(f4(qs, e)), ld(f4(kj, e), min(4, d - e)), acc);
    const s = hsum(acc);
    store<f32>(f4(sc, j - j0), s);
    m = max(m, s);
  }
  const acc = f4(pacc, task * dp);
  memory.fill(acc, 0, (<usize>dp) << 2);
  let l: f32 = 0;
  for (let j = j0; j < j1; j++) {
    const p = Mathf.exp(load<f32>(f4(sc, j - j0)) - m);
    l += p;
    const pv = f32x4.splat(p), vj = f4(vBase, j * kvStride);
    for (let e = 0; e < d; e += 4) v128.store(f4(acc, e), madd(pv, ld(f4(vj, e), min(4, d - e)), v128.load(f4(acc, e))));
  }
  store<f32>(f4(pml, 2 * task), m);
  store<f32>(f4(pml, 2 * task + 1), l);
}
