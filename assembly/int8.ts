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

/**
 * c[j] = xs · s_j · Σ_c w[j, c] · q[c] for j0 ≤ j < j1: w is a matrix of `rows` int8 rows of k
 * columns (its scales after the weights), q the activation row from quantizeRow, xs its scale.
 * One row at a time, read as one stream (as dotRows in matmul.ts, and for the same measured
 * reason), 32 weights per iteration in two i32 chains, moved to f32 every INT8_FLUSH columns.
 */
export function dotRowsInt8(q: usize, xs: f32, w: usize, c: usize, rows: i32, k: i32, j0: i32, j1: i32): void {
  const rb = <usize>int8RowBytes(k); // a multiple of 32; q and the row are zero past k
  const scales = w + <usize>rows * rb;
  for (let j = j0; j < j1; j++) {
    const r = w + <usize>j * rb;
    let f = f32x4.splat(0);
    for (let o0: usize = 0; o0 < rb; o0 += INT8_FLUSH) {
      const o1 = min(rb, o0 + INT8_FLUSH);
      let a0 = i32x4.splat(0), a1 = i32x4.splat(0);
      for (let o = o0; o < o1; o += 32) {
        const w0 = v128.load(r + o), w1 = v128.load(r + o, 16);
        const qo = q + (o << 1);
        a0 = i32x4.add(a0, i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(w0), v128.load(qo)));
        a1 = i32x4.add(a1, i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(w0), v128.load(qo, 16)));
        a0 = i32x4.add(a0, i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(w1), v128.load(qo, 32)));
        a1 = i32x4.add(a1, i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(w1), v128.load(qo, 48)));
      }
      f = f32x4.add(f, f32x4.convert_i32x4_s(i32x4.add(a0, a1)));
    }
    store<f32>(f4(c, j), hsum(f) * load<f32>(f4(scales, j)) * xs);
  }
}
