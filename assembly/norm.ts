// RMSNorm over rows of length D (src/kernels/reference/norm.ts), 4 features per f32x4; a task
// is ROWS_PER_TASK rows. The weight gradient, a sum over rows, comes back as one partial per
// task, added up in task order by sumRows.

import { param, RmsNormBackwardParams, RmsNormForwardParams } from './control';
import { f4, hsum, ld, st } from './lanes';

/** Σ_d a[d]·b[d] with four lane sums, then the lanes in a fixed order. */
@inline function dot(a: usize, b: usize, D: i32): f32 {
  let acc = f32x4.splat(0);
  for (let d = 0; d < D; d += 4) {
    const lanes = min(4, D - d);
    acc = f32x4.add(acc, f32x4.mul(ld(f4(a, d), lanes), ld(f4(b, d), lanes)));
  }
  return hsum(acc);
}

/** out[d] = x[d] · rstd · w[d] for one row of D floats; returns rstd = 1/√(mean(x²) + eps). */
@inline export function rmsNormRow(xr: usize, w: usize, out: usize, D: i32, eps: f32): f32 {
  const rs = <f32>1 / Mathf.sqrt(dot(xr, xr, D) / <f32>D + eps);
  const rv = f32x4.splat(rs);
  for (let d = 0; d < D; d += 4) {
    const lanes = min(4, D - d);
    st(f4(out, d), f32x4.mul(f32x4.mul(ld(f4(xr, d), lanes), rv), ld(f4(w, d), lanes)), lanes);
  }
  return rs;
}

/** Parameters: RmsNormForwardParams. */
export function rmsNormForwardTask(ctl: usize, task: i32, tid: i32): void {
  const x = <usize>param(ctl, RmsNormForwardParams.x), w = <usize>param(ctl, RmsNormForwardParams.weight);
  const out = <usize>param(ctl, RmsNormForwardParams.out), rstd = <usize>param(ctl, RmsNormForwardParams.rstd);
  const rows = param(ctl, RmsNormForwardParams.rows), D = param(ctl, RmsNormForwardParams.D);
  const eps = reinterpret<f32>(param(ctl, RmsNormForwardParams.eps)), RT = param(ctl, RmsNormForwardParams.rowsPerTask);
  const r1 = min(rows, (task + 1) * RT);
  for (let r = task * RT; r < r1; r++) store<f32>(f4(rstd, r), rmsNormRow(f4(x, r * D), w, f4(out, r * D), D, eps));
}

/**
 * Parameters: RmsNormBackwardParams (gradX, partW: 0 = not wanted).
 * With u = g ⊙ w: dx = r·u − x·r³·(u·x)/D;  dw = Σ_rows g ⊙ x · r.
 */
export function rmsNormBackwardTask(ctl: usize, task: i32, tid: i32): void {
  const g = <usize>param(ctl, RmsNormBackwardParams.gradOut), x = <usize>param(ctl, RmsNormBackwardParams.x);
  const w = <usize>param(ctl, RmsNormBackwardParams.weight), rstd = <usize>param(ctl, RmsNormBackwardParams.rstd);
  const gx = <usize>param(ctl, RmsNormBackwardParams.gradX), pw = <usize>param(ctl, RmsNormBackwardParams.partW);
  const rows = param(ctl, RmsNormBackwardParams.rows), D = param(ctl, RmsNormBackwardParams.D);
  const RT = param(ctl, RmsNormBackwardParams.rowsPerTask);
  const r1 = min(rows, (task + 1) * RT);
  const myW = f4(pw, task * D);
  if (pw) memory.fill(myW, 0, <usize>D << 2);
  for (let r = task * RT; r < r1; r++) {
    const gr = f4(g, r * D), xr = f4(x, r * D);
    const rs = load<f32>(f4(rstd, r));
    const rv = f32x4.splat(rs);
    if (gx) {
      let acc = f32x4.splat(0);
      for (let d = 0; d < D; d += 4) {
        const lanes = min(4, D - d);
        acc = f32x4.add(acc, f32x4.mul(f32x4.mul(ld(f4(gr, d), lanes), ld(f4(w, d), lanes)), ld(f4(xr, d), lanes)));
      }
      const c = f32x4.splat((rs * rs * rs * hsum(acc)) / <f32>D);
      for (let d = 0; d < D; d += 4) {
        const lanes = min(4, D - d);
        const u = f32x4.mul(ld(f4(gr, d), lanes), ld(f4(w, d), lanes));
        st(f4(gx, r * D + d), f32x4.sub(f32x4.mul(rv, u), f32x4.mul(c, ld(f4(xr, d), lanes))), lanes);
      }
    }
    if (pw) {
      for (let d = 0; d < D; d += 4) {
        const lanes = min(4, D - d);
        const p = f4(myW, d);
        st(p, f32x4.add(ld(p, lanes), f32x4.mul(f32x4.mul(ld(f4(gr, d), lanes), ld(f4(xr, d), lanes)), rv)), lanes);
      }
    }
  }
}
