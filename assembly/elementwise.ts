// Element-wise sigmoid, silu, softplus, exp and neg, forward and backward, f32x4 at a time. A task is a
// chunk of UNARY_CHUNK elements; arrays are padded to whole vectors by the allocator, so the
// last vector of the last chunk may read and write up to 3 floats of padding.
// Both σ(x) and σ(−x) come from e = e^−|x| ∈ (0, 1]: 1 / (1 + e) and e / (1 + e), the larger
// and the smaller by the sign of x, so neither overflows and tails go subnormal as the reference.

import {
  param, GateBackwardParams, GateForwardParams, UnaryBackwardParams, UnaryForwardParams,
} from './control';
import { expf4Full, expNegAbsf4, ones, softplusf4Full } from './simd_math';

export const UNARY_SIGMOID = 0;
export const UNARY_SILU = 1;
export const UNARY_SOFTPLUS = 2;
export const UNARY_EXP = 3;
export const UNARY_NEG = 4;
export const UNARY_CHUNK = 16384;

/** σ(x) from e = e^−|x|. */
@inline function sigmoidFrom(x: v128, e: v128, inv: v128): v128 {
  return v128.bitselect(inv, f32x4.mul(e, inv), f32x4.ge(x, f32x4.splat(0)));
}

/** SiLU(x) = x·σ(x). */
@inline export function siluf4(v: v128): v128 {
  const e = expNegAbsf4(v);
  return f32x4.mul(v, sigmoidFrom(v, e, f32x4.div(ones(), f32x4.add(ones(), e))));
}

/** SiLU'(x) = σ(x)·(1 + x·σ(−x)). */
@inline export function siluGradf4(v: v128): v128 {
  const e = expNegAbsf4(v);
  const inv = f32x4.div(ones(), f32x4.add(ones(), e));
  return f32x4.mul(sigmoidFrom(v, e, inv), f32x4.add(ones(), f32x4.mul(v, sigmoidFrom(f32x4.neg(v), e, inv))));
}

/** Parameters: UnaryForwardParams. */
export function unaryForwardTask(ctl: usize, task: i32, tid: i32): void {
  const op = param(ctl, UnaryForwardParams.op);
  const x = <usize>param(ctl, UnaryForwardParams.x), out = <usize>param(ctl, UnaryForwardParams.out);
  const n = param(ctl, UnaryForwardParams.n);
  const i1 = min(n, (task + 1) * UNARY_CHUNK);
  for (let i = task * UNARY_CHUNK; i < i1; i += 4) {
    const o = <usize>i << 2;
    const v = v128.load(x + o);
    let y: v128;
    if (op == UNARY_SOFTPLUS) y = softplusf4Full(v);
    else if (op == UNARY_SILU) y = siluf4(v);
    else if (op == UNARY_EXP) y = expf4Full(v);
    else if (op == UNARY_NEG) y = f32x4.neg(v);
    else {
      const e = expNegAbsf4(v);
      y = sigmoidFrom(v, e, f32x4.div(ones(), f32x4.add(ones(), e)));
    }
    v128.store(out + o, y);
  }
}

/**
 * Parameters: UnaryBackwardParams. sigmoid' = σ(x)·σ(−x); silu' = σ(x)·(1 + x·σ(−x)); softplus' = σ(x); exp' = e^x; neg' = −1.
 */
export function unaryBackwardTask(ctl: usize, task: i32, tid: i32): void {
  const op = param(ctl, UnaryBackwardParams.op);
  const x = <usize>param(ctl, UnaryBackwardParams.x), g = <usize>param(ctl, UnaryBackwardParams.gradOut);
  const gx = <usize>param(ctl, UnaryBackwardParams.gradX), n = param(ctl, UnaryBackwardParams.n);
  const i1 = min(n, (task + 1) * UNARY_CHUNK);
  for (let i = task * UNARY_CHUNK; i < i1; i += 4) {
    const o = <usize>i << 2;
    const v = v128.load(x + o);
    let d: v128;
    if (op == UNARY_SILU) d = siluGradf4(v);
    else if (op == UNARY_EXP) d = expf4Full(v);
    else if (op == UNARY_NEG) d = f32x4.splat(-1);
    else {
      const e = expNegAbsf4(v);
      const inv = f32x4.div(ones(), f32x4.add(ones(), e));
      const s = sigmoidFrom(v, e, inv); // σ(x)
      d = op == UNARY_SOFTPLUS ? s : f32x4.mul(s, sigmoidFrom(f32x4.neg(v), e, inv)); // sigmoid' = σ(x)·σ(−x)
    }
    v128.store(gx + o, f32x4.mul(v128.load(g + o), d));
  }
}

/** out = y ⊙ SiLU(z). Parameters: GateForwardParams; tasks of UNARY_CHUNK elements. */
export function gateForwardTask(ctl: usize, task: i32, tid: i32): void {
  const y = <usize>param(ctl, GateForwardParams.y), z = <usize>param(ctl, GateForwardParams.z);
  const out = <usize>param(ctl, GateForwardParams.out), n = param(ctl, GateForwardParams.n);
  const i1 = min(n, (task + 1) * UNARY_CHUNK);
  for (let i = task * UNARY_CHUNK; i < i1; i += 4) {
    const o = <usize>i << 2;
    const zv = v128.load(z + o);
    const e = expNegAbsf4(zv);
    const s = sigmoidFrom(zv, e, f32x4.div(ones(), f32x4.add(ones(), e)));
    v128.store(out + o, f32x4.mul(v128.load(y + o), f32x4.mul(zv, s)));
  }
}

/**
 * ∂y = g ⊙ SiLU(z), ∂z = (g ⊙ y) ⊙ σ(z)·(1 + z·σ(−z)). Parameters: GateBackwardParams (gradY,
 * gradZ: 0 = not wanted).
 */
export function gateBackwardTask(ctl: usize, task: i32, tid: i32): void {
  const y = <usize>param(ctl, GateBackwardParams.y), z = <usize>param(ctl, GateBackwardParams.z);
  const g = <usize>param(ctl, GateBackwardParams.gradOut);
  const gy = <usize>param(ctl, GateBackwardParams.gradY), gz = <usize>param(ctl, GateBackwardParams.gradZ);
  const n = param(ctl, GateBackwardParams.n);
  const i1 = min(n, (task + 1) * UNARY_CHUNK);
  for (let i = task * UNARY_CHUNK; i < i1; i += 4) {
    const o = <usize>i << 2;
    const zv = v128.load(z + o), gv = v128.load(g + o);
    const e = expNegAbsf4(zv);
    const inv = f32x4.div(ones(), f32x4.add(ones(), e));
    const s = sigmoidFrom(zv, e, inv); // σ(z)
    if (gy) v128.store(gy + o, f32x4.mul(gv, f32x4.mul(zv, s)));
    if (gz) {
      const d = f32x4.mul(s, f32x4.add(ones(), f32x4.mul(zv, sigmoidFrom(f32x4.neg(zv), e, inv))));
      v128.store(gz + o, f32x4.mul(f32x4.mul(gv, v128.load(y + o)), d));
    }
  }
}
