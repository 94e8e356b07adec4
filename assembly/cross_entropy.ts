// Fused cross-entropy over rows of V logits (src/kernels/reference/cross_entropy.ts), 4 logits
// per f32x4; a task is ROWS_PER_TASK rows. Each row's loss goes to its own slot, summed in row
// order by the caller, so the total does not depend on the thread count.

import { param, CrossEntropyBackwardParams, CrossEntropyForwardParams } from './control';
import { f4, hsum, ld, st } from './lanes';
import { expf4 } from './simd_math';

/** Parameters: CrossEntropyForwardParams (loss: per row). */
export function crossEntropyForwardTask(ctl: usize, task: i32, tid: i32): void {
  const z = <usize>param(ctl, CrossEntropyForwardParams.logits);
  const targets = <usize>param(ctl, CrossEntropyForwardParams.targets);
  const lse = <usize>param(ctl, CrossEntropyForwardParams.lse);
  const loss = <usize>param(ctl, CrossEntropyForwardParams.loss);
  const rows = param(ctl, CrossEntropyForwardParams.rows), V = param(ctl, CrossEntropyForwardParams.V);
  const ignore = param(ctl, CrossEntropyForwardParams.ignoreIndex);
  const RT = param(ctl, CrossEntropyForwardParams.rowsPerTask);
  const r1 = min(rows, (task + 1) * RT);
  for (let r = task * RT; r < r1; r++) {
    const zr = f4(z, r * V);
    let mx = load<f32>(zr);
    for (let v = 1; v < V; v++) mx = max(mx, load<f32>(f4(zr, v)));
    const mv = f32x4.splat(mx);
    // Subtracting the row max keeps every exp ≤ 1. ld fills missing lanes with 0, whose exp is
    // not 0: they are masked out.
    let acc = f32x4.splat(0);
    for (let v = 0; v < V; v += 4) {
      const lanes = min(4, V - v);
      let e = expf4(f32x4.sub(ld(f4(zr, v), lanes), mv));
      if (lanes < 4) e = firstLanes(e, lanes);
      acc = f32x4.add(acc, e);
    }
    const l = mx + <f32>Math.log(<f64>hsum(acc));
    store<f32>(f4(lse, r), l);
    const t = load<i32>(f4(targets, r));
    store<f32>(f4(loss, r), t == ignore ? 0 : l - load<f32>(f4(zr, t)));
  }
}

/** Zeroes lanes ≥ `lanes`. */
@inline function firstLanes(v: v128, lanes: i32): v128 {
  const idx = i32x4(0, 1, 2, 3);
  return v128.and(v, i32x4.lt_s(idx, i32x4.splat(lanes)));
}

/** Parameters: CrossEntropyBackwardParams. */
export function crossEntropyBackwardTask(ctl: usize, task: i32, tid: i32): void {
  const z = <usize>param(ctl, CrossEntropyBackwardParams.logits);
  const targets = <usize>param(ctl, CrossEntropyBackwardParams.targets);
  const lse = <usize>param(ctl, CrossEntropyBackwardParams.lse);
  const gz = <usize>param(ctl, CrossEntropyBackwardParams.gradLogits);
  const rows = param(ctl, CrossEntropyBackwardParams.rows), V = param(ctl, CrossEntropyBackwardParams.V);
  const ignore = param(ctl, CrossEntropyBackwardParams.ignoreIndex);
  const RT = param(ctl, CrossEntropyBackwardParams.rowsPerTask);
  const scale = reinterpret<f32>(param(ctl, CrossEntropyBackwardParams.scale));
  const sv = f32x4.splat(scale);
  const r1 = min(rows, (task + 1) * RT);
  for (let r = task * RT; r < r1; r++) {
    const t = load<i32>(f4(targets, r));
    const gr = f4(gz, r * V);
    if (t == ignore) {
      memory.fill(gr, 0, <usize>V << 2);
      continue;
    }
    const lv = f32x4.splat(load<f32>(f4(lse, r)));
    for (let v = 0; v < V; v += 4) {
      const lanes = min(4, V - v);
      st(f4(gr, v), f32x4.mul(sv, expf4(f32x4.sub(ld(f4(z, r * V + v), lanes), lv))), lanes);
    }
    store<f32>(f4(gr, t), load<f32>(f4(gr, t)) - scale);
  }
}
