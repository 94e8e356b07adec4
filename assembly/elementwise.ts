// Element-wise sigmoid, silu, softplus, exp and neg, forward and backward, f32x4 at a time. A task is a
// chunk of UNARY_CHUNK elements; arrays are padded to whole vectors by the allocator, so the
// last vector of the last chunk may read and write up to 3 floats of padding.
// Both σ(x) and σ(−x) come from e = e^−|x| ∈ (0, 1]: 1 / (1 + e) and e / (1 + e), the larger
// and the smaller by the sign of x, so neither overflows and tails go subnormal as the reference.

import { param } from './control';
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

/** Parameters: 0 op, 1 x, 2 out, 3 n. */
export function unaryForwardTask(ctl: usize, task: i32, tid: i32): void {
  const op = param(ctl, 0);
  const x = <usize>param(ctl, 1), out = <usize>param(ctl, 2), n = param(ctl, 3);
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
 * Parameters: 0 op, 1 x, 2 y (unused: every derivative here is computed from x), 3 gradOut,
 * 4 gradX, 5 n. sigmoid' = σ(x)·σ(−x); silu' = σ(x)·(1 + x·σ(−x)); softplus' = σ(x); exp' = e^x; neg' = −1.
 */
export function unaryBackwardTask(ctl: usize, task: i32, tid: i32): void {
  const op = param(ctl, 0);
  const x = <usize>param(ctl, 1), g = <usize>param(ctl, 3), gx = <usize>param(ctl, 4), n = param(ctl, 5);
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

/** out = y ⊙ SiLU(z). Parameters: 0 y, 1 z, 2 out, 3 n; tasks of UNARY_CHUNK elements. */
export function gateForwardTask(ctl: usize, task: i32, tid: i32): void {
  const y = <usize>param(ctl, 0), z = <usize>param(ctl, 1), out = <usize>param(ctl, 2), n = param(ctl, 3);
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
 * ∂y = g ⊙ SiLU(z), ∂z = (g ⊙ y) ⊙ σ(z)·(1 + z·σ(−z)). Parameters: 0 y, 1 z, 2 g, 3 gy, 4 gz (0 =
 * not wanted), 5 n.
 */
export function gateBackwardTask(ctl: usize, task: i32, tid: i32): void {
  const y = <usize>param(ctl, 0), z = <usize>param(ctl, 1), g = <usize>param(ctl, 2);
  const gy = <usize>param(ctl, 3), gz = <usize>param(ctl, 4), n = param(ctl, 5);
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
