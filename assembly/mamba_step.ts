// The generation step of a selective Mamba block (src/kernels/reference/mamba_step.ts) as one
// phased pool job per layer and token (src/kernels/wasm/control.ts): each phase's tasks split
// its work, and a phase starts once the previous one is done, so the threads meet at a barrier
// instead of a new job. The phases, in order:
//   in       per block of channels: x_i and z of those channels, xz = RMSNorm(x)·W_inᵀ (+ b)
//            (each task normalises x itself into its thread's scratch when the block's norm is
//            fused in), then the causal conv's step and SiLU of x_i (the conv state shifts once):
//            a channel's conv needs only its own x_i, so it needs no barrier after in_proj
//   x        [dt_low | B | C] = x_c·W_xᵀ, split over columns
//   channels per block of channels: Δ = softplus(dt_low·W_dtᵀ + b), the state update,
//            y = (C·h + D·x) ⊙ SiLU(z)
//   out      out = y·W_outᵀ (+ b) (+ x, the residual), split over columns
//   head     for the model's last block only: logits = RMSNorm(out)·W_headᵀ, split over the
//            vocabulary; each task normalises out itself, as in the first phase
// The matrix-vector phases are memory-bound: each thread streams its share of the weights once,
// as f32 or, for generation with bf16 weights, as half as many bytes.

import { param, paramF, scratchOf } from './control';
import { dotRows, dotRowsBf16 } from './matmul';
import { rmsNormRow } from './norm';
import { stepChannels, stepFourChannels } from './scan';
import { f4, ld, st } from './lanes';
import { sigmoidf4, softplusf4 } from './simd_math';

// Parameter slots of JOB_MAMBA_STEP (src/kernels/wasm/mamba_step.ts writes them).
const X = 0; // [B, D]
const NORM_W = 1; // [D] or 0: no norm
const EPS = 2; // f32
const IN_W = 3; // [2E, D]
const IN_BIAS = 4; // [2E] or 0
const XZ = 5; // [B, 2E] scratch: x_i | z
const CONV_W = 6; // [E, K]
const CONV_BIAS = 7; // [E] or 0
const CONV_STATE = 8; // [B, E, K − 1], updated
const XS = 9; // [B, E] scratch: SiLU(conv)
const X_W = 10; // [R + 2N, E]
const XDBL = 11; // [B, R + 2N] scratch
const DT_W = 12; // [E, R]
const DT_BIAS = 13; // [E]
const A_ = 14; // [E, N]
const D_SKIP = 15; // [E] or 0
const SSM_STATE = 16; // [B, E, N], updated
const Y = 17; // [B, E] scratch
const DT = 18; // [B, E] scratch
const OUT_W = 19; // [D, E]
const OUT_BIAS = 20; // [D] or 0
const OUT = 21; // [B, D]
const RESIDUAL = 22; // 1: out += x
const SIZES = 23; // B, D, E, N, R, K
const TASKS = 29; // tasks of the phases in, x, channels, out, head
const HEAD_W = 34; // [V, D] or 0: no head phase
const HEAD_NORM_W = 35; // [D]
const HEAD_EPS = 36; // f32
const LOGITS = 37; // [B, V]
const V_ = 38; // vocabulary size
const BF16 = 39; // 1: IN_W, X_W and OUT_W hold packed bf16 rows (src/kernels/bf16.ts)
const HEAD_BF16 = 40; // 1: HEAD_W holds packed bf16 rows

/** [first, end) of task `task` out of `tasks` over `total` items, in runs of a multiple of 4. */
@inline function spanStart(total: i32, tasks: i32, task: i32): i32 {
  return task * (((total + tasks - 1) / tasks + 3) & ~3);
}

@inline function spanEnd(total: i32, tasks: i32, task: i32): i32 {
  return min(total, spanStart(total, tasks, task + 1));
}

/** row[j] += src[j] for j0 ≤ j < j1 (a bias, or the residual). */
@inline function addSpan(row: usize, src: usize, j0: i32, j1: i32): void {
  for (let j = j0; j < j1; j++) store<f32>(f4(row, j), load<f32>(f4(row, j)) + load<f32>(f4(src, j)));
}

/** out[j] = x · w[j] for j0 ≤ j < j1, with w's rows of k weights in f32 or in packed bf16. */
@inline function matVec(bf16: bool, x: usize, w: usize, out: usize, k: i32, j0: i32, j1: i32): void {
  if (bf16) dotRowsBf16(x, w, out, k, j0, j1);
  else dotRows(x, w, out, k, j0, j1, false);
}

export function mambaStepTask(ctl: usize, task: i32, tid: i32): void {
  let t = task;
  for (let phase = 0; phase < 5; phase++) {
    const n = param(ctl, TASKS + phase);
    if (t < n) {
      if (phase == 0) inPhase(ctl, t, n, tid);
      else if (phase == 1) xPhase(ctl, t, n);
      else if (phase == 2) channelPhase(ctl, t, n);
      else if (phase == 3) outPhase(ctl, t, n);
      else headPhase(ctl, t, n, tid);
      return;
    }
    t -= n;
  }
}

function inPhase(ctl: usize, task: i32, tasks: i32, tid: i32): void {
  const B = param(ctl, SIZES), D = param(ctl, SIZES + 1), E = param(ctl, SIZES + 2);
  const x = <usize>param(ctl, X), normW = <usize>param(ctl, NORM_W), w = <usize>param(ctl, IN_W);
  const bias = <usize>param(ctl, IN_BIAS), xz = <usize>param(ctl, XZ);
  const e0 = spanStart(E, tasks, task), e1 = spanEnd(E, tasks, task);
  const bf16 = param(ctl, BF16) != 0;
  for (let b = 0; b < B; b++) {
    let xr = f4(x, b * D);
    if (normW) {
      const xn = scratchOf(ctl, tid);
      rmsNormRow(xr, normW, xn, D, paramF(ctl, EPS));
      xr = xn;
    }
    const row = f4(xz, b * 2 * E);
    matVec(bf16, xr, w, row, D, e0, e1); // x_i
    matVec(bf16, xr, w, row, D, E + e0, E + e1); // z
    if (bias) {
      addSpan(row, bias, e0, e1);
      addSpan(row, bias, E + e0, E + e1);
    }
  }
  convStep(ctl, e0, e1);
}

/**
 * For every row b and channel e0 ≤ e < e1: x_e = xz[b, e], y = bias + Σ_j w[e, j]·state[b, e, j]
 * + w[e, K−1]·x_e, the state shifts left by one with x_e appended, and xs[b, e] = SiLU(y).
 */
function convStep(ctl: usize, e0: i32, e1: i32): void {
  const B = param(ctl, SIZES), E = param(ctl, SIZES + 2), K = param(ctl, SIZES + 5);
  const xz = <usize>param(ctl, XZ), state = <usize>param(ctl, CONV_STATE), w = <usize>param(ctl, CONV_W);
  const bias = <usize>param(ctl, CONV_BIAS), out = <usize>param(ctl, XS);
  const S = K - 1;
  for (let b = 0; b < B; b++) {
    const xrow = f4(xz, b * 2 * E);
    const orow = f4(out, b * E);
    for (let e = e0; e < e1; e++) {
      const st0 = f4(state, (b * E + e) * S);
      const we = f4(w, e * K);
      const xe = load<f32>(f4(xrow, e));
      let y: f32 = (bias ? load<f32>(f4(bias, e)) : 0) + load<f32>(f4(we, S)) * xe;
      for (let j = 0; j < S; j++) y += load<f32>(f4(we, j)) * load<f32>(f4(st0, j));
      for (let j = 0; j + 1 < S; j++) store<f32>(f4(st0, j), load<f32>(f4(st0, j + 1)));
      if (S > 0) store<f32>(f4(st0, S - 1), xe);
      store<f32>(f4(orow, e), y);
    }
    for (let e = e0; e < e1; e += 4) {
      const lanes = min(4, e1 - e);
      const v = ld(f4(orow, e), lanes);
      st(f4(orow, e), f32x4.mul(v, sigmoidf4(v)), lanes);
    }
  }
}

function xPhase(ctl: usize, task: i32, tasks: i32): void {
  const B = param(ctl, SIZES), E = param(ctl, SIZES + 2), P = param(ctl, SIZES + 4) + 2 * param(ctl, SIZES + 3);
  const xs = <usize>param(ctl, XS), w = <usize>param(ctl, X_W), xdbl = <usize>param(ctl, XDBL);
  const j0 = spanStart(P, tasks, task), j1 = spanEnd(P, tasks, task);
  for (let b = 0; b < B; b++) matVec(param(ctl, BF16) != 0, f4(xs, b * E), w, f4(xdbl, b * P), E, j0, j1);
}

function channelPhase(ctl: usize, task: i32, tasks: i32): void {
  const B = param(ctl, SIZES), E = param(ctl, SIZES + 2), N = param(ctl, SIZES + 3), R = param(ctl, SIZES + 4);
  const xs = <usize>param(ctl, XS), xdbl = <usize>param(ctl, XDBL), wdt = <usize>param(ctl, DT_W);
  const bdt = <usize>param(ctl, DT_BIAS), A = <usize>param(ctl, A_), D = <usize>param(ctl, D_SKIP);
  const xz = <usize>param(ctl, XZ), state = <usize>param(ctl, SSM_STATE), y = <usize>param(ctl, Y);
  const dt = <usize>param(ctl, DT);
  const e0 = spanStart(E, tasks, task), e1 = spanEnd(E, tasks, task);
  const P = R + 2 * N;
  for (let b = 0; b < B; b++) {
    const xrow = f4(xdbl, b * P);
    const bp = f4(xrow, R), cp = f4(xrow, R + N);
    const dtRow = f4(dt, b * E);
    dotRows(xrow, wdt, dtRow, R, e0, e1, false);
    for (let e = e0; e < e1; e += 4) {
      const lanes = min(4, e1 - e);
      const i = b * E + e;
      const d = softplusf4(f32x4.add(ld(f4(dtRow, e), lanes), ld(f4(bdt, e), lanes)));
      const xv = ld(f4(xs, i), lanes);
      let yv = lanes == 4 && (N & 3) == 0
        ? stepFourChannels(d, xv, f4(A, e * N), f4(state, i * N), bp, cp, N)
        : stepChannels(d, xv, f4(A, e * N), f4(state, i * N), bp, cp, N, lanes);
      if (D) yv = f32x4.add(yv, f32x4.mul(ld(f4(D, e), lanes), xv));
      const z = ld(f4(xz, b * 2 * E + E + e), lanes);
      st(f4(y, i), f32x4.mul(yv, f32x4.mul(z, sigmoidf4(z))), lanes);
    }
  }
}

function outPhase(ctl: usize, task: i32, tasks: i32): void {
  const B = param(ctl, SIZES), D = param(ctl, SIZES + 1), E = param(ctl, SIZES + 2);
  const y = <usize>param(ctl, Y), w = <usize>param(ctl, OUT_W), bias = <usize>param(ctl, OUT_BIAS);
  const out = <usize>param(ctl, OUT), x = <usize>param(ctl, X), residual = param(ctl, RESIDUAL) != 0;
  const j0 = spanStart(D, tasks, task), j1 = spanEnd(D, tasks, task);
  for (let b = 0; b < B; b++) {
    const row = f4(out, b * D);
    matVec(param(ctl, BF16) != 0, f4(y, b * E), w, row, E, j0, j1);
    if (bias) addSpan(row, bias, j0, j1);
    if (residual) addSpan(row, f4(x, b * D), j0, j1);
  }
}

function headPhase(ctl: usize, task: i32, tasks: i32, tid: i32): void {
  const B = param(ctl, SIZES), D = param(ctl, SIZES + 1), V = param(ctl, V_);
  const out = <usize>param(ctl, OUT), w = <usize>param(ctl, HEAD_W), logits = <usize>param(ctl, LOGITS);
  const xn = scratchOf(ctl, tid);
  const j0 = spanStart(V, tasks, task), j1 = spanEnd(V, tasks, task);
  for (let b = 0; b < B; b++) {
    rmsNormRow(f4(out, b * D), <usize>param(ctl, HEAD_NORM_W), xn, D, paramF(ctl, HEAD_EPS));
    matVec(param(ctl, HEAD_BF16) != 0, xn, w, f4(logits, b * V), D, j0, j1);
  }
}
