// The generation step of a selective Mamba mixer (src/kernels/reference/mamba_step.ts): three
// pool jobs and two direct calls per layer and token instead of a dozen ops.
//   gemvTask        out = x·Wᵀ (+ bias) for a few rows, split over columns: in_proj, x_proj,
//                   out_proj (memory-bound: each thread streams its share of W once).
//   convStepSilu    the causal conv's step and SiLU for every channel (direct call: E·K flops).
//   mambaChannelTask per block of channels: Δ = softplus(dt_low·W_dtᵀ + b), the state update,
//                   y = (C·h + D·x) ⊙ SiLU(z).

import { param } from './control';
import { dotRows } from './matmul';
import { stepChannels } from './scan';
import { f4, ld, st } from './lanes';
import { sigmoidf4, softplusf4 } from './simd_math';

/**
 * Parameters: 0 x [m, k] (row stride k), 1 W [n, k], 2 out [m, n], 3 m, 4 k, 5 n, 6 columns per
 * task (a multiple of 4, so that dotRows groups the same columns whatever the split), 7 bias [n]
 * or 0.
 */
export function gemvTask(ctl: usize, task: i32, tid: i32): void {
  const x = <usize>param(ctl, 0), w = <usize>param(ctl, 1), out = <usize>param(ctl, 2);
  const m = param(ctl, 3), k = param(ctl, 4), n = param(ctl, 5), chunk = param(ctl, 6);
  const bias = <usize>param(ctl, 7);
  const j0 = task * chunk;
  const j1 = min(n, j0 + chunk);
  for (let i = 0; i < m; i++) {
    const row = out + ((<usize>i * n) << 2);
    dotRows(x + ((<usize>i * k) << 2), w, row, k, j0, j1, false);
    if (bias) for (let j = j0; j < j1; j++) store<f32>(f4(row, j), load<f32>(f4(row, j)) + load<f32>(f4(bias, j)));
  }
}

/**
 * For every row b and channel e: x_e = xz[b, e] (the first half of in_proj's output, row stride
 * 2E), y = bias + Σ_j w[e, j]·state[b, e, j] + w[e, K−1]·x_e, the state shifts left by one with
 * x_e appended, and out[b, e] = SiLU(y). state [B, E, K−1], w [E, K].
 */
export function convStepSilu(xz: usize, state: usize, w: usize, bias: usize, out: usize, B: i32, E: i32, K: i32): void {
  const S = K - 1;
  for (let b = 0; b < B; b++) {
    const xrow = xz + ((<usize>b * 2 * E) << 2);
    const orow = out + ((<usize>b * E) << 2);
    for (let e = 0; e < E; e++) {
      const st0 = state + ((<usize>(b * E + e) * S) << 2);
      const we = w + ((<usize>e * K) << 2);
      const xe = load<f32>(f4(xrow, e));
      let y: f32 = (bias ? load<f32>(f4(bias, e)) : 0) + load<f32>(f4(we, S)) * xe;
      for (let j = 0; j < S; j++) y += load<f32>(f4(we, j)) * load<f32>(f4(st0, j));
      for (let j = 0; j + 1 < S; j++) store<f32>(f4(st0, j), load<f32>(f4(st0, j + 1)));
      if (S > 0) store<f32>(f4(st0, S - 1), xe);
      store<f32>(f4(orow, e), y);
    }
    for (let e = 0; e < E; e += 4) {
      const lanes = min(4, E - e);
      const v = ld(f4(orow, e), lanes);
      st(f4(orow, e), f32x4.mul(v, sigmoidf4(v)), lanes);
    }
  }
}

/**
 * Parameters: 0 xs [B, E] (after conv and SiLU), 1 xdbl [B, R + 2N] (dt_low | B | C), 2 W_dt
 * [E, R], 3 b_dt [E], 4 A [E, N], 5 D [E] or 0, 6 xz [B, 2E] (z = the second half), 7 state
 * [B, E, N], 8 y [B, E], 9 dt scratch [B, E], 10 B, 11 E, 12 N, 13 R, 14 channels per task (a
 * multiple of 4). Task t owns channels [t·chunk, (t+1)·chunk) of every row.
 */
export function mambaChannelTask(ctl: usize, task: i32, tid: i32): void {
  const xs = <usize>param(ctl, 0), xdbl = <usize>param(ctl, 1), wdt = <usize>param(ctl, 2);
  const bdt = <usize>param(ctl, 3), A = <usize>param(ctl, 4), D = <usize>param(ctl, 5);
  const xz = <usize>param(ctl, 6), state = <usize>param(ctl, 7), y = <usize>param(ctl, 8);
  const dt = <usize>param(ctl, 9);
  const B = param(ctl, 10), E = param(ctl, 11), N = param(ctl, 12), R = param(ctl, 13), chunk = param(ctl, 14);
  const e0 = task * chunk;
  const e1 = min(E, e0 + chunk);
  const P = R + 2 * N;
  for (let b = 0; b < B; b++) {
    const xrow = xdbl + ((<usize>b * P) << 2);
    const bp = f4(xrow, R), cp = f4(xrow, R + N);
    const dtRow = dt + ((<usize>b * E) << 2);
    dotRows(xrow, wdt, dtRow, R, e0, e1, false);
    for (let e = e0; e < e1; e += 4) {
      const lanes = min(4, e1 - e);
      const i = b * E + e;
      const d = softplusf4(f32x4.add(ld(f4(dtRow, e), lanes), ld(f4(bdt, e), lanes)));
      const xv = ld(f4(xs, i), lanes);
      let yv = stepChannels(d, xv, f4(A, e * N), f4(state, i * N), bp, cp, N, lanes);
      if (D) yv = f32x4.add(yv, f32x4.mul(ld(f4(D, e), lanes), xv));
      const z = ld(f4(xz, b * 2 * E + E + e), lanes);
      st(f4(y, i), f32x4.mul(yv, f32x4.mul(z, sigmoidf4(z))), lanes);
    }
  }
}
