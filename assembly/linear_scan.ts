// The linear recurrence h_t = a_t ⊙ h_{t−1} + b_t of the LRU (src/kernels/reference/linear_scan.ts
// with the sequential algorithm), real or complex, forward and backward. One f32x4 holds 4
// adjacent channels (contiguous in [B, L, C]); time runs sequentially inside a task (outermost,
// with the block's states in scratch, so each cache line is read once), and tasks are
// (sequence × block of channels): on a few cores, splitting channels beats splitting time
// (docs/results/lru.md), and each channel's arithmetic is the same whichever task runs it.
// Complex numbers are (re, im) pairs held in two arrays; the imaginary ones are 0 (null) for a
// real recurrence.

import { param, scratchOf, LinearScanBackwardParams, LinearScanForwardParams } from './control';
import { f4, ld, st, v4 } from './lanes';

/**
 * Parameters: LinearScanForwardParams (h0 = 0: zero state; h, hIm out; block: channels per task,
 * a multiple of 4). All [B, L, C] but h0 [B, C]; aIm, bIm, h0Im and hIm are 0 for a real recurrence.
 */
export function linearScanForwardTask(ctl: usize, task: i32, tid: i32): void {
  const a = <usize>param(ctl, LinearScanForwardParams.a), aIm = <usize>param(ctl, LinearScanForwardParams.aIm);
  const b = <usize>param(ctl, LinearScanForwardParams.b), bIm = <usize>param(ctl, LinearScanForwardParams.bIm);
  const h0 = <usize>param(ctl, LinearScanForwardParams.h0), h0Im = <usize>param(ctl, LinearScanForwardParams.h0Im);
  const h = <usize>param(ctl, LinearScanForwardParams.h), hIm = <usize>param(ctl, LinearScanForwardParams.hIm);
  const L = param(ctl, LinearScanForwardParams.L), C = param(ctl, LinearScanForwardParams.C);
  const block = param(ctl, LinearScanForwardParams.block);
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
 * ∂a_t = δ_t ⊙ conj(h_{t−1}) (h_{−1} = h0, or 0). Parameters:
 * LinearScanBackwardParams.
 */
export function linearScanBackwardTask(ctl: usize, task: i32, tid: i32): void {
  const a = <usize>param(ctl, LinearScanBackwardParams.a), aIm = <usize>param(ctl, LinearScanBackwardParams.aIm);
  const h = <usize>param(ctl, LinearScanBackwardParams.h), hIm = <usize>param(ctl, LinearScanBackwardParams.hIm);
  const g = <usize>param(ctl, LinearScanBackwardParams.g), gIm = <usize>param(ctl, LinearScanBackwardParams.gIm);
  const h0 = <usize>param(ctl, LinearScanBackwardParams.h0), h0Im = <usize>param(ctl, LinearScanBackwardParams.h0Im);
  const gA = <usize>param(ctl, LinearScanBackwardParams.gradA);
  const gAIm = <usize>param(ctl, LinearScanBackwardParams.gradAIm);
  const gB = <usize>param(ctl, LinearScanBackwardParams.gradB);
  const gBIm = <usize>param(ctl, LinearScanBackwardParams.gradBIm);
  const L = param(ctl, LinearScanBackwardParams.L), C = param(ctl, LinearScanBackwardParams.C);
  const block = param(ctl, LinearScanBackwardParams.block);
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
