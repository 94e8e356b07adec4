// Vector access helpers shared by the kernels: partial vectors at the end of a row, strided
// lanes, byte addresses of float and f32x4 indices.

/** Loads `lanes` (1–4) consecutive floats, zero in the missing lanes. */
@inline export function ld(p: usize, lanes: i32): v128 {
  if (lanes == 4) return v128.load(p);
  let v = f32x4.splat(0);
  v = f32x4.replace_lane(v, 0, load<f32>(p));
  if (lanes > 1) v = f32x4.replace_lane(v, 1, load<f32>(p, 4));
  if (lanes > 2) v = f32x4.replace_lane(v, 2, load<f32>(p, 8));
  return v;
}

/** Stores the first `lanes` lanes only: the rest belong to another row or another task. */
@inline export function st(p: usize, v: v128, lanes: i32): void {
  if (lanes == 4) {
    v128.store(p, v);
    return;
  }
  store<f32>(p, f32x4.extract_lane(v, 0));
  if (lanes > 1) store<f32>(p, f32x4.extract_lane(v, 1), 4);
  if (lanes > 2) store<f32>(p, f32x4.extract_lane(v, 2), 8);
}

/** Lanes from p, p + stride, p + 2·stride, … (a column of an [E, N] array). */
@inline export function gather(p: usize, stride: usize, lanes: i32): v128 {
  let v = f32x4.splat(0);
  v = f32x4.replace_lane(v, 0, load<f32>(p));
  if (lanes > 1) v = f32x4.replace_lane(v, 1, load<f32>(p + stride));
  if (lanes > 2) v = f32x4.replace_lane(v, 2, load<f32>(p + 2 * stride));
  if (lanes > 3) v = f32x4.replace_lane(v, 3, load<f32>(p + 3 * stride));
  return v;
}

@inline export function scatter(p: usize, stride: usize, v: v128, lanes: i32): void {
  store<f32>(p, f32x4.extract_lane(v, 0));
  if (lanes > 1) store<f32>(p + stride, f32x4.extract_lane(v, 1));
  if (lanes > 2) store<f32>(p + 2 * stride, f32x4.extract_lane(v, 2));
  if (lanes > 3) store<f32>(p + 3 * stride, f32x4.extract_lane(v, 3));
}

@inline export function f4(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}

@inline export function v4(p: usize, i: i32): usize {
  return p + (<usize>i << 4);
}

@inline export function hsum(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

/**
 * a·b + c. With relaxed SIMD (the kernels-relaxed builds) one fused multiply-add where the CPU has
 * FMA, rounded once; otherwise a multiply and an add, the same bits as writing them out.
 */
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}
