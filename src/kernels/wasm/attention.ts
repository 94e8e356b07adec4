// The wasm attention, causal or not (assembly/attention.ts): same signatures as the blocked reference
// kernels (src/kernels/reference/attention.ts; the naive ones stay the reference's). The forward
// splits over batch × heads × blocks of ATT_BQ query rows; the backward over batch × kv heads
// (each task owns its kv head's dK, dV and its query heads' dQ), so below 2 · threads of those
// a backward leaves threads idle.

import type { AttentionDims } from '../reference/attention.js';
import { JOB_ATTENTION_BACKWARD, JOB_ATTENTION_DECODE, JOB_ATTENTION_FORWARD, AttentionBackwardParams, AttentionDecodeParams, AttentionForwardParams } from './control.js';
import { WasmRuntime } from './runtime.js';

/** Mirrors assembly/attention.ts. */
const ATT_BQ = 32;
const ATT_BK = 32;
/** Below this many score entries (B·H·Lq·Lk) a call stays on the calling thread. */
const ATTENTION_PARALLEL_MIN = 1 << 15;
/** Keys per task of a generation step (assembly attentionDecodeTask). */
const DECODE_CHUNK = 512;

export function makeWasmAttention(rt: WasmRuntime) {
  function attentionForward(q: Float32Array, k: Float32Array, v: Float32Array, out: Float32Array, lse: Float32Array, s: AttentionDims): void {
    const { B, H, Hkv, Lq, Lk, cap, d } = s;
    const nq = B * Lq * H * d, nkv = B * cap * Hkv * d;
    if (nq === 0) return;
    if (Lq === 1) return decode(q, k, v, out, lse, s); // one query sees every key, causal or not
    const dp = (d + 3) & ~3;
    rt.reset();
    const pq = rt.input(q, nq), pk = rt.input(k, nkv), pv = rt.input(v, nkv);
    const po = rt.output(out, nq), pl = rt.output(lse, B * H * Lq);
    const tasks = B * H * Math.ceil(Lq / ATT_BQ);
    const threads = B * H * Lq * Lk >= ATTENTION_PARALLEL_MIN ? Math.min(rt.threads, tasks) : 1;
    rt.scratch(threads, 4 * (2 * ATT_BQ * dp + 2 * ATT_BK * dp + 4 * ATT_BK + 2 * ATT_BQ));
    const lengths = s.lengths ? rt.copyInInts(s.lengths) : 0;
    rt.setParams(AttentionForwardParams, { q: pq, k: pk, v: pv, out: po, lse: pl, B, H, Hkv, Lq, Lk, cap, d, scale: s.scale, lengths, causal: s.causal === false ? 0 : 1 }, ['scale']);
    rt.run(JOB_ATTENTION_FORWARD, tasks, threads);
    rt.writeBack(po, out, nq);
    rt.writeBack(pl, lse, B * H * Lq);
  }

  /**
   * A generation step (one query row per sequence): chunks of DECODE_CHUNK keys per task, each
   * leaving (m, l, Σ p·v) of its chunk; combined here: out = Σ_c e^(m_c − m)·acc_c / Σ_c e^(m_c − m)·l_c.
   * In a ragged batch (s.lengths) the chunks past an entry's keys are empty (m = −∞, l = 0: weight 0).
   */
  function decode(q: Float32Array, k: Float32Array, v: Float32Array, out: Float32Array, lse: Float32Array, s: AttentionDims): void {
    const { B, H, Hkv, Lk, cap, d } = s;
    const dp = (d + 3) & ~3;
    const chunks = Math.ceil(Lk / DECODE_CHUNK);
    const tasks = B * H * chunks;
    rt.reset();
    const pq = rt.input(q, B * H * d), pk = rt.input(k, B * cap * Hkv * d), pv = rt.input(v, B * cap * Hkv * d);
    const pacc = rt.alloc(tasks * dp), pml = rt.alloc(tasks * 2);
    const threads = B * H * Lk * d >= ATTENTION_PARALLEL_MIN * 4 ? Math.min(rt.threads, tasks) : 1;
    rt.scratch(threads, 4 * (dp + DECODE_CHUNK));
    const lengths = s.lengths ? rt.copyInInts(s.lengths) : 0;
    rt.setParams(AttentionDecodeParams, { q: pq, k: pk, v: pv, partAcc: pacc, partMl: pml, B, H, Hkv, Lk, cap, d, scale: s.scale, chunk: DECODE_CHUNK, chunks, lengths }, ['scale']);
    rt.run(JOB_ATTENTION_DECODE, tasks, threads);
    const f = rt.f32, acc = pacc >>> 2, ml = pml >>> 2;
    for (let bh = 0; bh < B * H; bh++) {
      let m = -Infinity;
      for (let c = 0; c < chunks; c++) m = Math.max(m, f[ml + 2 * (bh * chunks + c)]);
      let l = 0;
      for (let e = 0; e < d; e++) out[bh * d + e] = 0;
      for (let c = 0; c < chunks; c++) {
        const t = bh * chunks + c;
        const w = Math.exp(f[ml + 2 * t] - m);
        l += w * f[ml + 2 * t + 1];
        for (let e = 0; e < d; e++) out[bh * d + e] += w * f[acc + t * dp + e];
      }
      for (let e = 0; e < d; e++) out[bh * d + e] /= l;
      lse[bh] = m + Math.log(l);
    }
  }

  function attentionBackward(
    gradOut: Float32Array, q: Float32Array, k: Float32Array, v: Float32Array, out: Float32Array, lse: Float32Array,
    gradQ: Float32Array | null, gradK: Float32Array | null, gradV: Float32Array | null, s: AttentionDims,
  ): void {
    const { B, H, Hkv, Lq: L, d } = s;
    const nq = B * L * H * d, nkv = B * L * Hkv * d;
    if (nq === 0 || (!gradQ && !gradK && !gradV)) return;
    const dp = (d + 3) & ~3, Lp = (L + 3) & ~3;
    rt.reset();
    const pg = rt.input(gradOut, nq), pq = rt.input(q, nq), pk = rt.input(k, nkv), pv = rt.input(v, nkv);
    const po = rt.input(out, nq), pl = rt.input(lse, B * H * L);
    const pgq = gradQ ? rt.output(gradQ, nq) : 0;
    const pgk = gradK ? rt.input(gradK, nkv) : 0; // added into
    const pgv = gradV ? rt.input(gradV, nkv) : 0;
    const tasks = B * Hkv;
    const threads = B * H * L * L >= ATTENTION_PARALLEL_MIN ? Math.min(rt.threads, tasks) : 1;
    rt.scratch(threads, 4 * (3 * Lp * dp + 2 * Lp + 2 * dp * ATT_BK + 3 * ATT_BK * dp + 8 * ATT_BK));
    const lengths = s.lengths ? rt.copyInInts(s.lengths) : 0;
    rt.setParams(AttentionBackwardParams, { gradOut: pg, q: pq, k: pk, v: pv, out: po, lse: pl, gradQ: pgq, gradK: pgk, gradV: pgv, B, H, Hkv, L, d, scale: s.scale, causal: s.causal === false ? 0 : 1, lengths }, ['scale']);
    rt.run(JOB_ATTENTION_BACKWARD, tasks, threads);
    if (gradQ) rt.writeBack(pgq, gradQ, nq);
    if (gradK) rt.writeBack(pgk, gradK, nkv);
    if (gradV) rt.writeBack(pgv, gradV, nkv);
  }

  return { attentionForward, attentionBackward };
}
