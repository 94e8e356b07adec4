// One generation step of Mamba-2's SSD recurrence, the reference ssdStep
// (src/kernels/reference/ssd.ts), for each (sequence b, head h):
//   Δ = clamp(softplus(dt + dt_bias_h), dtMin, dtMax);  decay = exp(Δ·A_h)
//   S[p, :] ← decay·S[p, :] + Δ·x_p·B_g;  y_p = S[p, :]·C_g + D_h·x_p     (g: the head's group)
// Tasks split the B·H (sequence, head) pairs; each pair's state [P, N] is read and written once,
// four lanes along N at a time: the step is bound by the state's bytes (mamba2-130m: 19 MB a token).
// ssdHeadStep is also the heads phase of the fused Mamba-2 step (assembly/mamba2_step.ts).

import { param, paramF, SsdStepParams } from './control';
import { f4, hsum, ld, madd, st } from './lanes';
import { expf4, softplusf4 } from './simd_math';

/**
 * One (sequence, head) pair: x [P] and y [P] of the head, B and C [N] of its group, its state
 * [P, N] updated in place; z = dt + dt_bias (before the softplus).
 */
@inline export function ssdHeadStep(x: usize, z: f32, A: f32, bp: usize, cp: usize, skip: f32, state: usize, y: usize, P: i32, N: i32, dtMin: f32, dtMax: f32): void {
  const d = min(dtMax, max(dtMin, f32x4.extract_lane(softplusf4(f32x4.splat(z)), 0)));
  const decay = expf4(f32x4.splat(d * A));
  const N4 = N & ~3;
  for (let p = 0; p < P; p++) {
    const xp = load<f32>(f4(x, p));
    const dx = f32x4.splat(d * xp);
    const s = f4(state, p * N);
    let acc = f32x4.splat(0);
    let n = 0;
    for (; n < N4; n += 4) {
      const v = madd(decay, v128.load(f4(s, n)), f32x4.mul(dx, v128.load(f4(bp, n))));
      v128.store(f4(s, n), v);
      acc = madd(v, v128.load(f4(cp, n)), acc);
    }
    if (n < N) {
      const lanes = N - n;
      const v = madd(decay, ld(f4(s, n), lanes), f32x4.mul(dx, ld(f4(bp, n), lanes)));
      st(f4(s, n), v, lanes);
      acc = madd(v, ld(f4(cp, n), lanes), acc);
    }
    store<f32>(f4(y, p), hsum(acc) + skip * xp);
  }
}

export function ssdStepTask(ctl: usize, task: i32): void {
  const B = param(ctl, SsdStepParams.B), H = param(ctl, SsdStepParams.H), P = param(ctl, SsdStepParams.P);
  const G = param(ctl, SsdStepParams.G), N = param(ctl, SsdStepParams.N), tasks = param(ctl, SsdStepParams.tasks);
  const x = <usize>param(ctl, SsdStepParams.x), dt = <usize>param(ctl, SsdStepParams.dt), A = <usize>param(ctl, SsdStepParams.A);
  const Bm = <usize>param(ctl, SsdStepParams.Bm), C = <usize>param(ctl, SsdStepParams.C);
  const dtBias = <usize>param(ctl, SsdStepParams.dtBias), Dskip = <usize>param(ctl, SsdStepParams.Dskip);
  const state = <usize>param(ctl, SsdStepParams.state), y = <usize>param(ctl, SsdStepParams.y);
  const dtMin = paramF(ctl, SsdStepParams.dtMin), dtMax = paramF(ctl, SsdStepParams.dtMax);
  const units = B * H;
  const per = (units + tasks - 1) / tasks;
  const u1 = min(units, (task + 1) * per);
  for (let u = task * per; u < u1; u++) {
    const b = u / H, h = u % H;
    const g = h / (H / G);
    const bg = (b * G + g) * N;
    ssdHeadStep(
      f4(x, u * P), load<f32>(f4(dt, u)) + load<f32>(f4(dtBias, h)), load<f32>(f4(A, h)), f4(Bm, bg), f4(C, bg),
      load<f32>(f4(Dskip, h)), f4(state, u * P * N), f4(y, u * P), P, N, dtMin, dtMax,
    );
  }
}
