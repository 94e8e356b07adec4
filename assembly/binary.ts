// Element-wise add, sub, mul, div over [rows, len] views with broadcasting: per row, a and b
// either run along the row (stride 1) or hold one value (stride 0), and rows start at fixed
// strides. f32 arithmetic gives the reference's bits: an f64 +, −, ×, ÷ of two f32 values
// rounded to f32 is the f32 operation itself.

import { param } from './control';
import { f4, ld, st } from './lanes';

export const BINARY_ADD = 0;
export const BINARY_SUB = 1;
export const BINARY_MUL = 2;
export const BINARY_DIV = 3;

@inline function apply(op: i32, x: v128, y: v128): v128 {
  if (op == BINARY_ADD) return f32x4.add(x, y);
  if (op == BINARY_SUB) return f32x4.sub(x, y);
  if (op == BINARY_MUL) return f32x4.mul(x, y);
  return f32x4.div(x, y);
}

/** Loads 4 floats along the row, or splats the row's one value. */
@inline function operand(p: usize, j: i32, along: bool, lanes: i32): v128 {
  return along ? ld(f4(p, j), lanes) : v128.load32_splat(p);
}

/**
 * Parameters: 0 op, 1 a, 2 b, 3 out, 4 rows, 5 len, 6 row stride of a, 7 row stride of b,
 * 8 a along the row (0/1), 9 b along the row (0/1), 10 rows per task.
 */
export function binaryTask(ctl: usize, task: i32, tid: i32): void {
  const op = param(ctl, 0);
  const a = <usize>param(ctl, 1), b = <usize>param(ctl, 2), out = <usize>param(ctl, 3);
  const rows = param(ctl, 4), len = param(ctl, 5), rsa = param(ctl, 6), rsb = param(ctl, 7);
  const alongA = param(ctl, 8) != 0, alongB = param(ctl, 9) != 0, RT = param(ctl, 10);
  const r1 = min(rows, (task + 1) * RT);
  for (let r = task * RT; r < r1; r++) {
    const pa = f4(a, r * rsa), pb = f4(b, r * rsb), po = f4(out, r * len);
    // The op and the stride pattern are fixed per call: branches V8 predicts perfectly.
    for (let j = 0; j < len; j += 4) {
      const lanes = min(4, len - j);
      st(f4(po, j), apply(op, operand(pa, j, alongA, lanes), operand(pb, j, alongB, lanes)), lanes);
    }
  }
}
