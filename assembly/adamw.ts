// AdamW's update of one parameter (src/kernels/reference/adamw.ts), in f32 and four elements at a
// time; tasks are fixed runs of elements, so results do not depend on the thread count.

import { param, paramF, AdamWParams } from './control';
import { f4, ld, madd, st } from './lanes';

/**
 * Parameters (AdamWParams): w, g, m, v all [n], updated in place but g; chunk elements per task
 * (a multiple of 4); decay = 1 − lr·weight decay. 1 − β comes from the host in f64: formed from
 * the f32 β it would be off by 1.2e-5 relative for β₂ = 0.999.
 */
export function adamwTask(ctl: usize, task: i32, tid: i32): void {
  const w = <usize>param(ctl, AdamWParams.w), g = <usize>param(ctl, AdamWParams.g);
  const m = <usize>param(ctl, AdamWParams.m), v = <usize>param(ctl, AdamWParams.v);
  const n = param(ctl, AdamWParams.n), chunk = param(ctl, AdamWParams.chunk);
  const lr = f32x4.splat(paramF(ctl, AdamWParams.lr));
  const beta1 = f32x4.splat(paramF(ctl, AdamWParams.beta1)), beta2 = f32x4.splat(paramF(ctl, AdamWParams.beta2));
  const oneMinusB1 = f32x4.splat(paramF(ctl, AdamWParams.oneMinusBeta1));
  const oneMinusB2 = f32x4.splat(paramF(ctl, AdamWParams.oneMinusBeta2));
  const eps = f32x4.splat(paramF(ctl, AdamWParams.eps)), decay = f32x4.splat(paramF(ctl, AdamWParams.decay));
  const c1 = f32x4.splat(paramF(ctl, AdamWParams.c1)), c2 = f32x4.splat(paramF(ctl, AdamWParams.c2));
  const j1 = min(n, (task + 1) * chunk);
  for (let j = task * chunk; j < j1; j += 4) {
    const lanes = min(4, j1 - j);
    const gv = ld(f4(g, j), lanes);
    const mv = madd(beta1, ld(f4(m, j), lanes), f32x4.mul(oneMinusB1, gv));
    const vv = madd(beta2, ld(f4(v, j), lanes), f32x4.mul(f32x4.mul(oneMinusB2, gv), gv));
    const step = f32x4.div(f32x4.mul(lr, f32x4.div(mv, c1)), f32x4.add(f32x4.sqrt(f32x4.div(vv, c2)), eps));
    st(f4(w, j), f32x4.sub(f32x4.mul(ld(f4(w, j), lanes), decay), step), lanes);
    st(f4(m, j), mv, lanes);
    st(f4(v, j), vv, lanes);
  }
}
