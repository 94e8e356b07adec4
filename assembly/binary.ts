// Element-wise add, sub, mul, div over [rows, len] views with broadcasting: per row, a and b
// either run along the row (stride 1) or hold one value (stride 0), and rows start at fixed
// strides. f32 arithmetic gives the reference's bits: an f64 +, −, ×, ÷ of two f32 values
// rounded to f32 is the f32 operation itself.

import { param, BinaryParams } from './control';
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
 * Parameters: BinaryParams.
 */
export function binaryTask(ctl: usize, task: i32, tid: i32): void {
  const op = param(ctl, BinaryParams.op);
  const a = <usize>param(ctl, BinaryParams.a), b = <usize>param(ctl, BinaryParams.b);
  const out = <usize>param(ctl, BinaryParams.out);
  const rows = param(ctl, BinaryParams.rows), len = param(ctl, BinaryParams.len);
  const rsa = param(ctl, BinaryParams.rowStrideA), rsb = param(ctl, BinaryParams.rowStrideB);
  const alongA = param(ctl, BinaryParams.alongA) != 0, alongB = param(ctl, BinaryParams.alongB) != 0;
  const RT = param(ctl, BinaryParams.rowsPerTask);
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
