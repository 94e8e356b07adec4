// The linear recurrence h_t = a_t ⊙ h_{t−1} + b_t of the LRU (src/kernels/reference/linear_scan.ts
// with the sequential algorithm), real or complex, forward and backward. One f32x4 holds 4
// adjacent channels (contiguous in [B, L, C]); time runs sequentially inside a task (outermost,
// with the block's states in scratch, so each cache line is read once), and tasks are
// (sequence × block of channels): on a few cores, splitting channels beats splitting time
// (docs/results/lru.md), and each channel's arithmetic is the same whichever task runs it.
// Complex numbers are (re, im) pairs held in two arrays; the imaginary ones are 0 (null) for a
// real recurrence.

import { param, scratchOf } from './control';
import { f4, ld, st, v4 } from './lanes';

/**
 * Parameters: 0 a, 1 aIm, 2 b, 3 bIm, 4 h0, 5 h0Im (0 = zero state), 6 h, 7 hIm (out), 8 B, 9 L,
 * 10 C, 11 channels per task (a multiple of 4). All [B, L, C] but h0 [B, C]; aIm, bIm, h0Im and
 * hIm are 0 for a real recurrence.
 */
export function linearScanForwardTask(ctl: usize, task: i32, tid: i32): void {
  const a = <usize>param(ctl, 0), aIm = <usize>param(ctl, 1), b = <usize>param(ctl, 2), bIm = <usize>param(ctl, 3);
  const h0 = <usize>param(ctl, 4), h0Im = <usize>param(ctl, 5), h = <usize>param(ctl, 6), hIm = <usize>param(ctl, 7);
  const L = param(ctl, 9), C = param(ctl, 10), block = param(ctl, 11);
  const complex = aIm != 0;
  const blocks = (C + block - 1) / block;
  const seq = task / blocks;
  const c0 = (task % blocks) * block, c1 = min(C, c0 + block);
  // The state of the block's channel groups, re then im: [groups] × f32x4 each. Time runs in
  // the outer loop so that every cache line of [B, L, C] is read once, whole.
  const sr = scratchOf(ctl, tid), si = v4(sr, block / 4);
  for (let c = c0; c < c1; c += 4) {
    const lanes = min(4, c1 - c);
    const j = (c - c0) / 4;
    // Without h0 the state starts at zero (h0Im alone is ignored, as in the reference).
    v128.store(v4(sr, j), h0 ? ld(f4(h0, seq * C + c), lanes) : f32x4.splat(0));
    v128.store(v4(si, j), h0 && h0Im ? ld(f4(h0Im, seq * C + c), lanes) : f32x4.splat(0));
  }
  for (let t = 0; t < L; t++) {
    const row = (seq * L + t) * C;
    for (let c = c0; c < c1; c += 4) {
      const lanes = min(4, c1 - c);
      const j = (c - c0) / 4;
      const o = row + c;
      const ar = ld(f4(a, o), lanes), br = ld(f4(b, o), lanes);
      let hr: v128;
      if (!complex) {
        // From a zero state the first step is h = b exactly, as the reference.
        hr = t == 0 && !h0 ? br : f32x4.add(f32x4.mul(ar, v128.load(v4(sr, j))), br);
      } else {
        const ai = ld(f4(aIm, o), lanes), bi = ld(f4(bIm, o), lanes);
        let hi: v128;
        if (t == 0 && !h0) {
          hr = br;
          hi = bi;
        } else {
          const pr = v128.load(v4(sr, j)), pi = v128.load(v4(si, j));
          hr = f32x4.add(f32x4.sub(f32x4.mul(ar, pr), f32x4.mul(ai, pi)), br);
          hi = f32x4.add(f32x4.add(f32x4.mul(ar, pi), f32x4.mul(ai, pr)), bi);
        }
        v128.store(v4(si, j), hi);
        st(f4(hIm, o), hi, lanes);
      }
      v128.store(v4(sr, j), hr);
      st(f4(h, o), hr, lanes);
    }
  }
}

/**
 * The reverse recurrence δ_t = g_t + conj(a_{t+1}) ⊙ δ_{t+1}, then ∂b_t = δ_t and
 * ∂a_t = δ_t ⊙ conj(h_{t−1}) (h_{−1} = h0, or 0). Parameters: 0 a, 1 aIm, 2 h, 3 hIm, 4 g, 5 gIm,
 * 6 h0, 7 h0Im, 8 gradA, 9 gradAIm, 10 gradB, 11 gradBIm, 12 B, 13 L, 14 C, 15 channels per task.
 */
export function linearScanBackwardTask(ctl: usize, task: i32, tid: i32): void {
  const a = <usize>param(ctl, 0), aIm = <usize>param(ctl, 1), h = <usize>param(ctl, 2), hIm = <usize>param(ctl, 3);
  const g = <usize>param(ctl, 4), gIm = <usize>param(ctl, 5), h0 = <usize>param(ctl, 6), h0Im = <usize>param(ctl, 7);
  const gA = <usize>param(ctl, 8), gAIm = <usize>param(ctl, 9), gB = <usize>param(ctl, 10), gBIm = <usize>param(ctl, 11);
  const L = param(ctl, 13), C = param(ctl, 14), block = param(ctl, 15);
  const complex = aIm != 0;
  const blocks = (C + block - 1) / block;
  const seq = task / blocks;
  const c0 = (task % blocks) * block, c1 = min(C, c0 + block);
  // δ of the block's channel groups, re then im, as the forward's state.
  const dr0 = scratchOf(ctl, tid), di0 = v4(dr0, block / 4);
  for (let t = L - 1; t >= 0; t--) {
    const row = (seq * L + t) * C;
    for (let c = c0; c < c1; c += 4) {
      const lanes = min(4, c1 - c);
      const j = (c - c0) / 4;
      const o = row + c;
      let dr = ld(f4(g, o), lanes);
      let di = complex ? ld(f4(gIm, o), lanes) : f32x4.splat(0);
      if (t < L - 1) {
        const next = o + C;
        const ar = ld(f4(a, next), lanes);
        const pr = v128.load(v4(dr0, j));
        if (complex) {
          const ai = ld(f4(aIm, next), lanes);
          const pi = v128.load(v4(di0, j));
          dr = f32x4.add(dr, f32x4.add(f32x4.mul(ar, pr), f32x4.mul(ai, pi)));
          di = f32x4.add(di, f32x4.sub(f32x4.mul(ar, pi), f32x4.mul(ai, pr)));
        } else {
          dr = f32x4.add(dr, f32x4.mul(ar, pr));
        }
      }
      v128.store(v4(dr0, j), dr);
      v128.store(v4(di0, j), di);
      st(f4(gB, o), dr, lanes);
      if (complex) st(f4(gBIm, o), di, lanes);
      // The previous state: h_{t−1}, or h0 at t = 0; from a zero state ∂a_0 = 0.
      if (t == 0 && !h0) {
        st(f4(gA, o), f32x4.splat(0), lanes);
        if (complex) st(f4(gAIm, o), f32x4.splat(0), lanes);
        continue;
      }
      let pr: v128, pi = f32x4.splat(0);
      if (t > 0) {
        pr = ld(f4(h, o - C), lanes);
        if (complex) pi = ld(f4(hIm, o - C), lanes);
      } else {
        pr = ld(f4(h0, seq * C + c), lanes);
        if (h0Im) pi = ld(f4(h0Im, seq * C + c), lanes);
      }
      if (complex) {
        st(f4(gA, o), f32x4.add(f32x4.mul(dr, pr), f32x4.mul(di, pi)), lanes);
        st(f4(gAIm, o), f32x4.sub(f32x4.mul(di, pr), f32x4.mul(dr, pi)), lanes);
      } else {
        st(f4(gA, o), f32x4.mul(dr, pr), lanes);
      }
    }
  }
}
