// One generation step of Mamba-2's SSD recurrence, the reference ssdStep
// (src/kernels/reference/ssd.ts), for each (sequence b, head h):
//   Δ = clamp(softplus(dt + dt_bias_h), dtMin, dtMax);  decay = exp(Δ·A_h)
//   S[p, :] ← decay·S[p, :] + Δ·x_p·B_g;  y_p = S[p, :]·C_g + D_h·x_p     (g: the head's group)
// Tasks split the B·H (sequence, head) pairs; each pair's state [P, N] is read and written once,
// four lanes along N at a time: the step is bound by the state's bytes (mamba2-130m: 19 MB a token).

import { param, paramF, SsdStepParams } from './control';
import { f4, hsum, ld, madd, st } from './lanes';
import { expf4, softplusf4 } from './simd_math';

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
  const N4 = N & ~3;
  for (let u = task * per; u < u1; u++) {
    const b = u / H, h = u % H;
    const g = h / (H / G);
    const z = load<f32>(f4(dt, u)) + load<f32>(f4(dtBias, h));
    const d = min(dtMax, max(dtMin, f32x4.extract_lane(softplusf4(f32x4.splat(z)), 0)));
    const decay = expf4(f32x4.splat(d * load<f32>(f4(A, h))));
    const bp = f4(Bm, (b * G + g) * N), cp = f4(C, (b * G + g) * N);
    const skip = load<f32>(f4(Dskip, h));
    for (let p = 0; p < P; p++) {
      const i = u * P + p;
      const xp = load<f32>(f4(x, i));
      const dx = f32x4.splat(d * xp);
      const s = f4(state, i * N);
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
      store<f32>(f4(y, i), hsum(acc) + skip * xp);
    }
  }
}
