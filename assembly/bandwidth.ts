// The memory bandwidth probe: each task streams its share of a large array once, summing it in
// four independent vector chains (so the loads, not the adds, set the pace), and stores the sum
// (so the reads are not optimised away). A generation step at batch 1 reads its weights the same
// way, so this rate over the step's bytes is the step's roofline.

import { param, StreamReadParams } from './control';
import { f4 } from './lanes';

export function streamReadTask(ctl: usize, task: i32): void {
  const src = <usize>param(ctl, StreamReadParams.src), floats = param(ctl, StreamReadParams.floats);
  const tasks = param(ctl, StreamReadParams.tasks);
  const per = ((floats + tasks - 1) / tasks + 15) & ~15;
  const p0 = task * per, p1 = min(floats, p0 + per);
  let a = f32x4.splat(0), b = f32x4.splat(0), c = f32x4.splat(0), d = f32x4.splat(0);
  let p = p0;
  for (; p + 16 <= p1; p += 16) {
    const o = f4(src, p);
    a = f32x4.add(a, v128.load(o));
    b = f32x4.add(b, v128.load(o, 16));
    c = f32x4.add(c, v128.load(o, 32));
    d = f32x4.add(d, v128.load(o, 48));
  }
  let s = f32x4.extract_lane(f32x4.add(f32x4.add(a, b), f32x4.add(c, d)), 0);
  for (; p < p1; p++) s += load<f32>(f4(src, p));
  store<f32>(f4(<usize>param(ctl, StreamReadParams.out), task), s);
}
