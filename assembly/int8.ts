// Matrix-vector products with int8 weights (src/kernels/int8.ts: layout, and int8MatVec, the
// specification): the activation row is rounded to 16-bit integers once, then each 16 weights
// cost one load, two widenings to 16 bits and two i32x4.dot_i16x8_s (pairwise products summed in
// 32 bits, exact). Four rows at a time share the activation loads.

import { f4, hsum } from './lanes';

/** Columns per row padded to a multiple of this (INT8_PAD in src/kernels/int8.ts). */
export const INT8_PAD = 32;
/** Columns summed in i32 before the sum moves to f32 (INT8_FLUSH). */
const INT8_FLUSH = 1024;

@inline export function int8RowBytes(cols: i32): i32 {
  return (cols + INT8_PAD - 1) & ~(INT8_PAD - 1);
}

/** 32-bit words of a [rows, cols] matrix in int8 rows (int8Words). */
@inline export function int8Words(rows: i32, cols: i32): i32 {
  return (rows * int8RowBytes(cols)) / 4 + rows;
}

/**
 * x [k] f32 → q [int8RowBytes(k)] i16 (zeros past k), rounded to nearest even after scaling by
 * 32767 / max|x|; returns the scale max|x| / 32767 (0 for a zero row).
 */
export function quantizeRow(x: usize, k: i32, q: usize): f32 {
  let mv = f32x4.splat(0);
  let p = 0;
  for (; p + 4 <= k; p += 4) mv = f32x4.max(mv, f32x4.abs(v128.load(f4(x, p))));
  let m = max(max(f32x4.extract_lane(mv, 0), f32x4.extract_lane(mv, 1)), max(f32x4.extract_lane(mv, 2), f32x4.extract_lane(mv, 3)));
  for (; p < k; p++) m = max(m, abs(load<f32>(f4(x, p))));
  const kp = int8RowBytes(k);
  if (m == 0) {
    memory.fill(q, 0, <usize>kp << 1);
    return 0;
  }
  const inv: f32 = <f32>32767 / m;
  const iv = f32x4.splat(inv);
  p = 0;
  for (; p + 8 <= k; p += 8) {
    const a = i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.mul(v128.load(f4(x, p)), iv)));
    const b = i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.mul(v128.load(f4(x, p), 16), iv)));
    v128.store(q + (<usize>p << 1), i16x8.narrow_i32x4_s(a, b));
  }
  for (; p < k; p++) store<i16>(q + (<usize>p << 1), <i16>(<i32>nearest(load<f32>(f4(x, p)) * inv)));
  for (; p < kp; p++) store<i16>(q + (<usize>p << 1), 0);
  return m / <f32>32767;
}

/** Σ over 16 columns at o of w's row r · q, as four i32 lanes added to acc. */
@inline function dot16(acc: v128, w: v128, qa: v128, qb: v128): v128 {
  return i32x4.add(acc, i32x4.add(i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(w), qa), i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(w), qb)));
}

/**
 * c[j] = xs · s_j · Σ_c w[j, c] · q[c] for j0 ≤ j < j1: w is a matrix of `rows` int8 rows of k
 * columns (its scales after the weights), q the activation row from quantizeRow, xs its scale.
 */
export function dotRowsInt8(q: usize, xs: f32, w: usize, c: usize, rows: i32, k: i32, j0: i32, j1: i32): void {
  const rb = <usize>int8RowBytes(k);
  const kp = <i32>rb;
  const scales = w + <usize>rows * rb;
  let j = j0;
  for (; j + 4 <= j1; j += 4) {
    const r0 = w + <usize>j * rb;
    let f = f32x4.splat(0), g = f32x4.splat(0), h = f32x4.splat(0), e = f32x4.splat(0);
    for (let p0 = 0; p0 < kp; p0 += INT8_FLUSH) {
      const p1 = min(kp, p0 + INT8_FLUSH);
      let a0 = i32x4.splat(0), a1 = i32x4.splat(0), a2 = i32x4.splat(0), a3 = i32x4.splat(0);
      for (let p = p0; p < p1; p += 16) {
        const qa = v128.load(q + (<usize>p << 1)), qb = v128.load(q + (<usize>p << 1), 16);
        const o = r0 + <usize>p;
        a0 = dot16(a0, v128.load(o), qa, qb);
        a1 = dot16(a1, v128.load(o + rb), qa, qb);
        a2 = dot16(a2, v128.load(o + 2 * rb), qa, qb);
        a3 = dot16(a3, v128.load(o + 3 * rb), qa, qb);
      }
      f = f32x4.add(f, f32x4.convert_i32x4_s(a0));
      g = f32x4.add(g, f32x4.convert_i32x4_s(a1));
      h = f32x4.add(h, f32x4.convert_i32x4_s(a2));
      e = f32x4.add(e, f32x4.convert_i32x4_s(a3));
    }
    const sums = f32x4.replace_lane(f32x4.replace_lane(f32x4.replace_lane(f32x4.splat(hsum(f)), 1, hsum(g)), 2, hsum(h)), 3, hsum(e));
    v128.store(f4(c, j), f32x4.mul(f32x4.mul(sums, v128.load(f4(scales, j))), f32x4.splat(xs)));
  }
  for (; j < j1; j++) {
    const r = w + <usize>j * rb;
    let f = f32x4.splat(0);
    for (let p0 = 0; p0 < kp; p0 += INT8_FLUSH) {
      const p1 = min(kp, p0 + INT8_FLUSH);
      let a = i32x4.splat(0);
      for (let p = p0; p < p1; p += 16) a = dot16(a, v128.load(r + <usize>p), v128.load(q + (<usize>p << 1)), v128.load(q + (<usize>p << 1), 16));
      f = f32x4.add(f, f32x4.convert_i32x4_s(a));
    }
    store<f32>(f4(c, j), hsum(f) * load<f32>(f4(scales, j)) * xs);
  }
}
