// AdamW's update of one parameter (src/kernels/reference/adamw.ts), in f32 and four elements at a
// time; tasks are fixed runs of elements, so results do not depend on the thread count.

import { param, paramF } from './control';
import { f4, ld, madd, st } from './lanes';

/**
 * Parameters: 0 w, 1 g, 2 m, 3 v (all [n], updated in place but g), 4 n, 5 elements per task
 * (a multiple of 4); floats 6 lr, 7 β₁, 8 β₂, 9 1 − β₁, 10 1 − β₂, 11 eps, 12 decay (1 − lr·weight
 * decay), 13 c₁, 14 c₂. 1 − β comes from the host in f64: formed from the f32 β it would be off by
 * 1.2e-5 relative for β₂ = 0.999.
 */
export function adamwTask(ctl: usize, task: i32, tid: i32): void {
  const w = <usize>param(ctl, 0), g = <usize>param(ctl, 1), m = <usize>param(ctl, 2), v = <usize>param(ctl, 3);
  const n = param(ctl, 4), chunk = param(ctl, 5);
  const lr = f32x4.splat(paramF(ctl, 6));
  const beta1 = f32x4.splat(paramF(ctl, 7)), beta2 = f32x4.splat(paramF(ctl, 8));
  const oneMinusB1 = f32x4.splat(paramF(ctl, 9)), oneMinusB2 = f32x4.splat(paramF(ctl, 10));
  const eps = f32x4.splat(paramF(ctl, 11)), decay = f32x4.splat(paramF(ctl, 12));
  const c1 = f32x4.splat(paramF(ctl, 13)), c2 = f32x4.splat(paramF(ctl, 14));
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
