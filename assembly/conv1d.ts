// Causal depthwise conv1d, channels last (src/kernels/reference/conv1d.ts), 4 channels per
// f32x4. The weight comes in transposed, wT: [K, C], so that one tap of 4 channels is one load.
// A task is one batch row b and a range of LC time steps; the weight and bias gradients, sums
// over (b, t), come back as one partial per task, added up in task order by sumRows.
// With `pre` (Mamba's conv + SiLU as one op), the forward writes the conv to pre and SiLU of it
// to out, and the backward turns the gradient of SiLU into the conv's first, per task, into
// scratch.

import { param, scratchOf, Conv1dBackwardParams, Conv1dForwardParams } from './control';
import { f4, ld, madd, st } from './lanes';
import { siluf4, siluGradf4 } from './elementwise';
import { sigmoidf4 } from './simd_math';

/** Parameters: Conv1dForwardParams (bias and pre may be 0: none). */
export function conv1dForwardTask(ctl: usize, task: i32, tid: i32): void {
  const x = <usize>param(ctl, Conv1dForwardParams.x), wT = <usize>param(ctl, Conv1dForwardParams.wT);
  const bias = <usize>param(ctl, Conv1dForwardParams.bias), out = <usize>param(ctl, Conv1dForwardParams.out);
  const L = param(ctl, Conv1dForwardParams.L), C = param(ctl, Conv1dForwardParams.C);
  const K = param(ctl, Conv1dForwardParams.K), LC = param(ctl, Conv1dForwardParams.LC);
  const pre = <usize>param(ctl, Conv1dForwardParams.pre);
  const chunks = (L + LC - 1) / LC;
  const b = task / chunks;
  const t0 = (task % chunks) * LC, t1 = min(L, t0 + LC);
  for (let t = t0; t < t1; t++) {
    const o = (b * L + t) * C;
    if (K == 4 && t >= 3 && (C & 3) == 0) {
      forwardRowK4(f4(x, o), wT, bias, f4(out, o), pre ? f4(pre, o) : 0, C);
      continue;
    }
    for (let c = 0; c < C; c += 4) {
      const lanes = min(4, C - c);
      let acc = bias ? ld(f4(bias, c), lanes) : f32x4.splat(0);
      // y[t] = bias + Σ_j w[j]·x[t − (K−1) + j], taps before t = 0 skipped, j ascending as the reference.
      for (let j = max(0, K - 1 - t); j < K; j++) {
        const s = t - (K - 1) + j;
        acc = f32x4.add(acc, f32x4.mul(ld(f4(wT, j * C + c), lanes), ld(f4(x, (b * L + s) * C + c), lanes)));
      }
      if (pre) {
        st(f4(pre, o + c), acc, lanes);
        acc = siluf4(acc);
      }
      st(f4(out, o + c), acc, lanes);
    }
  }
}

/**
 * One time step t ≥ 3 of a K = 4 conv (Mamba's d_conv) over C channels (a multiple of 4), the
 * taps unrolled with their rows' addresses computed once: the same sums in the same order as the
 * general loop (bias, then taps j = 0…3 on x[t − 3 + j]), which spends most of its time on index
 * arithmetic, as fused multiply-adds in the relaxed build. xt: x's row t; out and pre (0 = none): their row t.
 */
@inline function forwardRowK4(xt: usize, wT: usize, bias: usize, out: usize, pre: usize, C: i32): void {
  const row = <usize>C << 2;
  const x0 = xt - 3 * row, x1 = xt - 2 * row, x2 = xt - row;
  const w1 = wT + row, w2 = wT + 2 * row, w3 = wT + 3 * row;
  for (let c = 0; c < C; c += 4) {
    const o = <usize>c << 2;
    let acc = bias ? v128.load(bias + o) : f32x4.splat(0);
    acc = madd(v128.load(wT + o), v128.load(x0 + o), acc);
    acc = madd(v128.load(w1 + o), v128.load(x1 + o), acc);
    acc = madd(v128.load(w2 + o), v128.load(x2 + o), acc);
    acc = madd(v128.load(w3 + o), v128.load(xt + o), acc);
    if (pre) {
      v128.store(pre + o, acc);
      acc = siluf4(acc);
    }
    v128.store(out + o, acc);
  }
}

/**
 * One time step 3 ≤ t < L − 3 of a K = 4 conv's backward, as forwardRowK4: gt and xt are row t of
 * the output gradient and of x, gx row t of gradX, myW [4, C] and myB [C] the task's partials
 * (each 0 = not wanted). The same sums in the same order as the general loop (fused in the relaxed build).
 */
@inline function backwardRowK4(gt: usize, xt: usize, wT: usize, gx: usize, myW: usize, myB: usize, C: i32): void {
  const row = <usize>C << 2;
  const g1 = gt + row, g2 = gt + 2 * row, g3 = gt + 3 * row;
  const x0 = xt - 3 * row, x1 = xt - 2 * row, x2 = xt - row;
  const w1 = wT + row, w2 = wT + 2 * row, w3 = wT + 3 * row;
  for (let c = 0; c < C; c += 4) {
    const o = <usize>c << 2;
    const gv = v128.load(gt + o);
    if (gx) {
      // dx[t] = Σ_j w[j]·g[t + 3 − j], j = 3 … 0.
      let acc = f32x4.mul(v128.load(w3 + o), gv);
      acc = madd(v128.load(w2 + o), v128.load(g1 + o), acc);
      acc = madd(v128.load(w1 + o), v128.load(g2 + o), acc);
      acc = madd(v128.load(wT + o), v128.load(g3 + o), acc);
      v128.store(gx + o, acc);
    }
    if (myB) v128.store(myB + o, f32x4.add(v128.load(myB + o), gv));
    if (myW) {
      v128.store(myW + o, madd(gv, v128.load(x0 + o), v128.load(myW + o)));
      v128.store(myW + row + o, madd(gv, v128.load(x1 + o), v128.load(myW + row + o)));
      v128.store(myW + 2 * row + o, madd(gv, v128.load(x2 + o), v128.load(myW + 2 * row + o)));
      v128.store(myW + 3 * row + o, madd(gv, v128.load(xt + o), v128.load(myW + 3 * row + o)));
    }
  }
}

/**
 * Parameters: Conv1dBackwardParams (gradX, partW, partBias: 0 = not wanted; pre: 0 = none, else
 * gradOut is the gradient of SiLU(pre), and scratch holds LC + K − 1 rows of C floats per thread).
 * dx[s] = Σ_j w[j]·g[s + (K−1) − j];  dW[j] += Σ g[t]·x[t − (K−1) + j];  dbias += Σ g[t].
 */
export function conv1dBackwardTask(ctl: usize, task: i32, tid: i32): void {
  const gradOut = <usize>param(ctl, Conv1dBackwardParams.gradOut), x = <usize>param(ctl, Conv1dBackwardParams.x);
  const wT = <usize>param(ctl, Conv1dBackwardParams.wT);
  const gx = <usize>param(ctl, Conv1dBackwardParams.gradX), pw = <usize>param(ctl, Conv1dBackwardParams.partW);
  const pb = <usize>param(ctl, Conv1dBackwardParams.partBias);
  const L = param(ctl, Conv1dBackwardParams.L), C = param(ctl, Conv1dBackwardParams.C);
  const K = param(ctl, Conv1dBackwardParams.K), LC = param(ctl, Conv1dBackwardParams.LC);
  const pre = <usize>param(ctl, Conv1dBackwardParams.pre);
  const chunks = (L + LC - 1) / LC;
  const b = task / chunks;
  const t0 = (task % chunks) * LC, t1 = min(L, t0 + LC);
  // g: the conv's output gradient, row u at f4(g, (u − u0)·C): gradOut itself, or with pre its
  // product with SiLU'(pre) for the rows this task reads (t0 up to t1 + K − 1), in scratch.
  let g = f4(gradOut, b * L * C), u0 = 0;
  if (pre) {
    g = scratchOf(ctl, tid);
    u0 = t0;
    const u1 = min(L, t1 + K - 1);
    for (let i = 0; i < (u1 - t0) * C; i += 4) {
      const lanes = min(4, (u1 - t0) * C - i);
      const src = (b * L + t0) * C + i;
      st(f4(g, i), f32x4.mul(ld(f4(gradOut, src), lanes), siluGradf4(ld(f4(pre, src), lanes))), lanes);
    }
  }
  const myW = f4(pw, task * K * C);
  const myB = f4(pb, task * C);
  if (pw) memory.fill(myW, 0, (<usize>K * C) << 2);
  if (pb) memory.fill(myB, 0, <usize>C << 2);
  for (let t = t0; t < t1; t++) {
    const o = (b * L + t) * C;
    if (K == 4 && t >= 3 && t + 3 < L && (C & 3) == 0) {
      backwardRowK4(f4(g, (t - u0) * C), f4(x, o), wT, gx ? f4(gx, o) : 0, pw ? myW : 0, pb ? myB : 0, C);
      continue;
    }
    for (let c = 0; c < C; c += 4) {
      const lanes = min(4, C - c);
      if (gx) {
        let acc = f32x4.splat(0);
        for (let j = K - 1; j >= max(0, K - L + t); j--) {
          const u = t + (K - 1) - j; // the output step this input feeds through tap j
          acc = f32x4.add(acc, f32x4.mul(ld(f4(wT, j * C + c), lanes), ld(f4(g, (u - u0) * C + c), lanes)));
        }
        st(f4(gx, o + c), acc, lanes);
      }
      const gv = ld(f4(g, (t - u0) * C + c), lanes);
      if (pb) st(f4(myB, c), f32x4.add(ld(f4(myB, c), lanes), gv), lanes);
      if (pw) {
        for (let j = max(0, K - 1 - t); j < K; j++) {
          const s = t - (K - 1) + j;
          const w = f4(myW, j * C + c);
          st(w, f32x4.add(ld(w, lanes), f32x4.mul(gv, ld(f4(x, (b * L + s) * C + c), lanes))), lanes);
        }
      }
    }
  }
}

/**
 * The conv's generation step for channels c0 ≤ c < c1 of each of B rows, then SiLU: x_c =
 * src[b·srcStride + c], y = bias + Σ_j w[c, j]·state[b, c, j] + w[c, K−1]·x_c, the state [B, C,
 * K−1] shifts left by one with x_c appended, out[b·outStride + c] = SiLU(y). w is [C, K] here (the
 * reference conv1dStep's layout), not the forward's wT.
 */
export function convStepSpan(B: i32, src: usize, srcStride: i32, state: usize, C: i32, w: usize, bias: usize, K: i32, out: usize, outStride: i32, c0: i32, c1: i32): void {
  const S = K - 1;
  for (let b = 0; b < B; b++) {
    const xrow = f4(src, b * srcStride);
    const orow = f4(out, b * outStride);
    for (let c = c0; c < c1; c++) {
      const st0 = f4(state, (b * C + c) * S);
      const wc = f4(w, c * K);
      const xc = load<f32>(f4(xrow, c));
      let y: f32 = (bias ? load<f32>(f4(bias, c)) : 0) + load<f32>(f4(wc, S)) * xc;
      for (let j = 0; j < S; j++) y += load<f32>(f4(wc, j)) * load<f32>(f4(st0, j));
      for (let j = 0; j + 1 < S; j++) store<f32>(f4(st0, j), load<f32>(f4(st0, j + 1)));
      if (S > 0) store<f32>(f4(st0, S - 1), xc);
      store<f32>(f4(orow, c), y);
    }
    for (let c = c0; c < c1; c += 4) {
      const lanes = min(4, c1 - c);
      const v = ld(f4(orow, c), lanes);
      st(f4(orow, c), f32x4.mul(v, sigmoidf4(v)), lanes);
    }
  }
}
