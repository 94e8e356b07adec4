// Matrix multiply, GotoBLAS style: B is packed once into [K/KC][N/NR] panels of [kc][NR] floats,
// each task packs its MC×KC block of A into [MR][kc] slivers, and a 4×8 f32x4 microkernel keeps
// the 4×8 tile of C in eight registers over a KC-long stretch of k.
// Measured (packed data, one core): 4×8 ≈ 45 GFLOP/s; 6×8, 5×8, 4×12 and a 2×-unrolled 4×8
// all 39–41 (V8 spills or schedules worse), so 4×8 it is.
// Every C element is computed by the same sequence of operations whatever its tile position
// and whichever task owns it: results do not depend on the thread count.

import { f4, hsum, madd } from './lanes';

export const MR = 4;
export const NR = 8;
export const KC = 256;
export const MC = 128;

// ---- packing ----

/** 4×4 transpose of rows r0..r3 (each 4 consecutive floats) into columns, stored at dst (stride 16 B). */
@inline function transpose4(r0: v128, r1: v128, r2: v128, r3: v128, dst: usize, stride: usize): void {
  const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5); // a0 b0 a1 b1
  const t1 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5); // c0 d0 c1 d1
  const t2 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7); // a2 b2 a3 b3
  const t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7); // c2 d2 c3 d3
  v128.store(dst, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5));
  v128.store(dst + stride, v128.shuffle<f32>(t0, t1, 2, 3, 6, 7));
  v128.store(dst + 2 * stride, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5));
  v128.store(dst + 3 * stride, v128.shuffle<f32>(t2, t3, 2, 3, 6, 7));
}

/**
 * Packs rows i0..i0+rows (rows ≤ MR) and k-range p0..p0+kc of op(A) into dst as [kc][MR],
 * zero-filling missing rows. A is [m, k] (lda = k), or [k, m] when transA.
 */
function packSliverA(a: usize, m: i32, k: i32, transA: bool, i0: i32, rows: i32, p0: i32, kc: i32, dst: usize): void {
  if (transA) {
    // op(A)[i, p] = a[p*m + i]: MR consecutive floats per p.
    let src = a + ((<usize>p0 * m + i0) << 2);
    const ld = <usize>m << 2;
    if (rows == MR) {
      for (let p = 0; p < kc; p++) {
        v128.store(dst + (<usize>p << 4), v128.load(src));
        src += ld;
      }
    } else {
      for (let p = 0; p < kc; p++) {
        const d = dst + (<usize>p << 4);
        v128.store(d, f32x4.splat(0));
        for (let r = 0; r < rows; r++) store<f32>(d + (<usize>r << 2), load<f32>(src + (<usize>r << 2)));
        src += ld;
      }
    }
    return;
  }
  // op(A)[i, p] = a[i*k + p]: MR rows, each contiguous in p; 4×4 transposes.
  const ld = <usize>k << 2;
  const s0 = a + ((<usize>i0 * k + p0) << 2);
  if (rows == MR) {
    let p = 0;
    for (; p + 4 <= kc; p += 4) {
      const o = <usize>p << 2;
      transpose4(v128.load(s0 + o), v128.load(s0 + ld + o), v128.load(s0 + 2 * ld + o), v128.load(s0 + 3 * ld + o), dst + (<usize>p << 4), 16);
    }
    for (; p < kc; p++) {
      const o = <usize>p << 2;
      const d = dst + (<usize>p << 4);
      store<f32>(d, load<f32>(s0 + o));
      store<f32>(d, load<f32>(s0 + ld + o), 4);
      store<f32>(d, load<f32>(s0 + 2 * ld + o), 8);
      store<f32>(d, load<f32>(s0 + 3 * ld + o), 12);
    }
  } else {
    for (let p = 0; p < kc; p++) {
      const d = dst + (<usize>p << 4);
      v128.store(d, f32x4.splat(0));
      for (let r = 0; r < rows; r++) store<f32>(d + (<usize>r << 2), load<f32>(s0 + <usize>r * ld + (<usize>p << 2)));
    }
  }
}

/**
 * Packs columns j0..j0+cols (cols ≤ NR) and k-range p0..p0+kc of op(B) into dst as [kc][NR],
 * zero-filling missing columns. B is [k, n] (ldb = n), or [n, k] when transB.
 */
function packPanelB(b: usize, k: i32, n: i32, transB: bool, j0: i32, cols: i32, p0: i32, kc: i32, dst: usize): void {
  if (!transB) {
    let src = b + ((<usize>p0 * n + j0) << 2);
    const ld = <usize>n << 2;
    if (cols == NR) {
      for (let p = 0; p < kc; p++) {
        const d = dst + (<usize>p << 5);
        v128.store(d, v128.load(src));
        v128.store(d, v128.load(src, 16), 16);
        src += ld;
      }
    } else {
      for (let p = 0; p < kc; p++) {
        const d = dst + (<usize>p << 5);
        v128.store(d, f32x4.splat(0));
        v128.store(d, f32x4.splat(0), 16);
        for (let c = 0; c < cols; c++) store<f32>(d + (<usize>c << 2), load<f32>(src + (<usize>c << 2)));
        src += ld;
      }
    }
    return;
  }
  // op(B)[p, j] = b[j*k + p]: NR rows of b, each contiguous in p; two 4×4 transposes per 4 p.
  const ld = <usize>k << 2;
  const s0 = b + ((<usize>j0 * k + p0) << 2);
  if (cols == NR) {
    let p = 0;
    for (; p + 4 <= kc; p += 4) {
      const o = <usize>p << 2;
      const d = dst + (<usize>p << 5);
      transpose4(v128.load(s0 + o), v128.load(s0 + ld + o), v128.load(s0 + 2 * ld + o), v128.load(s0 + 3 * ld + o), d, 32);
      const s4 = s0 + 4 * ld;
      transpose4(v128.load(s4 + o), v128.load(s4 + ld + o), v128.load(s4 + 2 * ld + o), v128.load(s4 + 3 * ld + o), d + 16, 32);
    }
    for (; p < kc; p++) {
      const d = dst + (<usize>p << 5);
      for (let c = 0; c < NR; c++) store<f32>(d + (<usize>c << 2), load<f32>(s0 + <usize>c * ld + (<usize>p << 2)));
    }
  } else {
    for (let p = 0; p < kc; p++) {
      const d = dst + (<usize>p << 5);
      v128.store(d, f32x4.splat(0));
      v128.store(d, f32x4.splat(0), 16);
      for (let c = 0; c < cols; c++) store<f32>(d + (<usize>c << 2), load<f32>(s0 + <usize>c * ld + (<usize>p << 2)));
    }
  }
}

/** Floats needed for one packed op(B): K × N rounded up to whole panels. */
export function packedBSize(k: i32, n: i32): i32 {
  return k * (((n + NR - 1) / NR) * NR);
}

/**
 * Packs panels u0..u1 of op(B) [k, n] into dst, whose layout is, for each KC block of k,
 * ceil(n/NR) panels of [kc][NR]; panel u is column panel u mod ceil(n/NR) of KC block
 * u / ceil(n/NR). The matmul job's first phase: its tasks pack disjoint runs of panels.
 */
export function packBPanels(b: usize, k: i32, n: i32, transB: bool, dst: usize, u0: i32, u1: i32): void {
  const panels = (n + NR - 1) / NR;
  const npad = panels * NR;
  for (let u = u0; u < u1; u++) {
    const p0 = (u / panels) * KC, j0 = (u % panels) * NR;
    const kc = min(KC, k - p0);
    packPanelB(b, k, n, transB, j0, min(NR, n - j0), p0, kc, dst + ((<usize>p0 * npad + <usize>j0 * kc) << 2));
  }
}

// ---- microkernel ----

/** C[4×8] (row stride ldc floats) = (first ? 0 : C) + Σ_p ap[p][0..4] ⊗ bp[p][0..8]. */
@inline function kernel4x8(kc: i32, ap: usize, bp: usize, c: usize, ldc: i32, first: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let a = v128.load32_splat(ap);
    c00 = madd(a, b0, c00);
    c01 = madd(a, b1, c01);
    a = v128.load32_splat(ap, 4);
    c10 = madd(a, b0, c10);
    c11 = madd(a, b1, c11);
    a = v128.load32_splat(ap, 8);
    c20 = madd(a, b0, c20);
    c21 = madd(a, b1, c21);
    a = v128.load32_splat(ap, 12);
    c30 = madd(a, b0, c30);
    c31 = madd(a, b1, c31);
    ap += 16;
    bp += 32;
  }
  const l = <usize>ldc << 2;
  if (!first) {
    c00 = f32x4.add(v128.load(c), c00);
    c01 = f32x4.add(v128.load(c, 16), c01);
    c10 = f32x4.add(v128.load(c + l), c10);
    c11 = f32x4.add(v128.load(c + l, 16), c11);
    c20 = f32x4.add(v128.load(c + 2 * l), c20);
    c21 = f32x4.add(v128.load(c + 2 * l, 16), c21);
    c30 = f32x4.add(v128.load(c + 3 * l), c30);
    c31 = f32x4.add(v128.load(c + 3 * l, 16), c31);
  }
  v128.store(c, c00);
  v128.store(c, c01, 16);
  v128.store(c + l, c10);
  v128.store(c + l, c11, 16);
  v128.store(c + 2 * l, c20);
  v128.store(c + 2 * l, c21, 16);
  v128.store(c + 3 * l, c30);
  v128.store(c + 3 * l, c31, 16);
}

/**
 * One task: rows i0..i1 and columns j0..j1 (j0 a multiple of NR) of C [m, n] = op(A) · op(B)
 * (+ C when accumulate). pb is the packed op(B); scratch holds MC×KC packed A and a 4×8 tile.
 */
export function gemmBlock(
  a: usize, pb: usize, c: usize, m: i32, k: i32, n: i32, transA: bool, accumulate: bool,
  i0: i32, i1: i32, j0: i32, j1: i32, scratch: usize,
): void {
  const npad = ((n + NR - 1) / NR) * NR;
  const tile = scratch + ((<usize>MC * KC) << 2);
  const ldc = <usize>n << 2;
  for (let p0 = 0; p0 < k; p0 += KC) {
    const kc = min(KC, k - p0);
    const first = p0 == 0 && !accumulate;
    for (let i = i0; i < i1; i += MR) {
      packSliverA(a, m, k, transA, i, min(MR, i1 - i), p0, kc, scratch + ((<usize>(i - i0) * kc) << 2));
    }
    const blk = pb + ((<usize>p0 * npad) << 2);
    for (let j = j0; j < j1; j += NR) {
      const bp = blk + ((<usize>j * kc) << 2);
      const cols = min(NR, n - j);
      for (let i = i0; i < i1; i += MR) {
        const ap = scratch + ((<usize>(i - i0) * kc) << 2);
        const rows = min(MR, i1 - i);
        const cp = c + <usize>i * ldc + (<usize>j << 2);
        if (rows == MR && cols == NR) {
          kernel4x8(kc, ap, bp, cp, n, first);
        } else {
          // Edge tile: compute the full 4×8 into scratch, then add the valid part.
          kernel4x8(kc, ap, bp, tile, NR, true);
          for (let r = 0; r < rows; r++) {
            for (let q = 0; q < cols; q++) {
              const t = load<f32>(tile + (<usize>(r * NR + q) << 2));
              const e = cp + <usize>r * ldc + (<usize>q << 2);
              store<f32>(e, first ? t : load<f32>(e) + t);
            }
          }
        }
      }
    }
  }
}

// ---- few rows (m < MR): generation steps, one token at a time ----

@inline function vec4(x0: f32, x1: f32, x2: f32, x3: f32): v128 {
  return f32x4.replace_lane(f32x4.replace_lane(f32x4.replace_lane(f32x4.splat(x0), 1, x1), 2, x2), 3, x3);
}

/**
 * C [m, n] = op(A) · op(B) (+ C) without packing, for m < MR where a 4-row microkernel would
 * waste most of its work and packing B would cost as much as the product. Non-transposed B:
 * each row of C accumulates a[i, p] · B[p, :] over p in order; transposed B: dot products of
 * A's rows with B's rows, four output columns at a time. scratch: k floats.
 */
export function gemmFewRows(a: usize, b: usize, c: usize, m: i32, k: i32, n: i32, transA: bool, transB: bool, accumulate: bool, scratch: usize): void {
  for (let i = 0; i < m; i++) {
    // Row i of op(A), contiguous: in place, or gathered into scratch when A is transposed.
    let ai = a + ((<usize>i * k) << 2);
    if (transA) {
      for (let p = 0; p < k; p++) store<f32>(scratch + (<usize>p << 2), load<f32>(a + ((<usize>p * m + i) << 2)));
      ai = scratch;
    }
    const ci = c + ((<usize>i * n) << 2);
    if (!transB) {
      if (!accumulate) memory.fill(ci, 0, <usize>n << 2);
      for (let p = 0; p < k; p++) {
        const s = load<f32>(ai + (<usize>p << 2));
        const sv = f32x4.splat(s);
        const bp = b + ((<usize>p * n) << 2);
        let j = 0;
        for (; j + 4 <= n; j += 4) {
          const o = <usize>j << 2;
          v128.store(ci + o, f32x4.add(v128.load(ci + o), f32x4.mul(sv, v128.load(bp + o))));
        }
        for (; j < n; j++) {
          const o = <usize>j << 2;
          store<f32>(ci + o, load<f32>(ci + o) + s * load<f32>(bp + o));
        }
      }
      continue;
    }
    dotRows(ai, b, ci, k, 0, n, accumulate);
  }
}

/**
 * c[j] (+)= a · b[j] for the columns j0 ≤ j < j1: a is one row of k floats, b is [n, k] row-major
 * (x·Wᵀ with W as stored by a linear layer). Also the generation step's matrix-vector task, where
 * b is too large for the caches: one row of b at a time, read as one sequential stream, with four
 * accumulator chains along it. Streaming four rows side by side (four chains, one per row) ran at
 * half the memory bandwidth on this machine kind; one row at a time reaches it (24 of 25–28 GB/s
 * on one thread, a 1536 × 768 matrix).
 */
export function dotRows(ai: usize, b: usize, ci: usize, k: i32, j0: i32, j1: i32, accumulate: bool): void {
  const rowBytes = <usize>k << 2;
  const end16 = <usize>(k & ~15) << 2, end4 = <usize>(k & ~3) << 2;
  for (let j = j0; j < j1; j++) {
    const bj = b + <usize>j * rowBytes;
    let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
    let o: usize = 0;
    for (; o < end16; o += 64) {
      s0 = madd(v128.load(ai + o), v128.load(bj + o), s0);
      s1 = madd(v128.load(ai + o, 16), v128.load(bj + o, 16), s1);
      s2 = madd(v128.load(ai + o, 32), v128.load(bj + o, 32), s2);
      s3 = madd(v128.load(ai + o, 48), v128.load(bj + o, 48), s3);
    }
    for (; o < end4; o += 16) s0 = madd(v128.load(ai + o), v128.load(bj + o), s0);
    let s = hsum(f32x4.add(f32x4.add(s0, s1), f32x4.add(s2, s3)));
    for (; o < rowBytes; o += 4) s += load<f32>(ai + o) * load<f32>(bj + o);
    const c = ci + (<usize>j << 2);
    store<f32>(c, accumulate ? load<f32>(c) + s : s);
  }
}

// The low-half mask of packed bf16 words (src/kernels/bf16.ts), read from memory once per call.
const BF16_HIGH = memory.data<i32>([0xffff0000, 0xffff0000, 0xffff0000, 0xffff0000]);

/**
 * c[j] = a · w[j] for the columns j0 ≤ j < j1, w in packed bf16 rows of k weights (ceil(k/2)
 * words each; src/kernels/bf16.ts): per group of 8 weights one 16-byte load, whose low halves
 * shifted up are the f32 weights 0–3 and whose masked high halves are 4–7. One row at a time, as
 * dotRows and for the same reason, 16 weights per iteration in four chains; the tail (k mod 8)
 * one weight at a time.
 */
export function dotRowsBf16(ai: usize, w: usize, ci: usize, k: i32, j0: i32, j1: i32): void {
  const rowBytes = <usize>((k + 1) >> 1) << 2;
  const k8 = k & ~7;
  const end16 = <usize>(k & ~15) << 1, end8 = <usize>k8 << 1; // in bytes of the packed row
  const high = v128.load(BF16_HIGH);
  for (let j = j0; j < j1; j++) {
    const rj = w + <usize>j * rowBytes;
    let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
    let o: usize = 0; // bytes into the packed row; the activations are at 2·o
    for (; o < end16; o += 32) {
      const w0 = v128.load(rj + o), w1 = v128.load(rj + o, 16);
      const a = ai + (o << 1);
      s0 = madd(v128.load(a), i32x4.shl(w0, 16), s0);
      s1 = madd(v128.load(a, 16), v128.and(w0, high), s1);
      s2 = madd(v128.load(a, 32), i32x4.shl(w1, 16), s2);
      s3 = madd(v128.load(a, 48), v128.and(w1, high), s3);
    }
    if (o < end8) {
      const w0 = v128.load(rj + o);
      const a = ai + (o << 1);
      s0 = madd(v128.load(a), i32x4.shl(w0, 16), s0);
      s1 = madd(v128.load(a, 16), v128.and(w0, high), s1);
    }
    store<f32>(f4(ci, j), hsum(f32x4.add(f32x4.add(s0, s1), f32x4.add(s2, s3))));
    bf16Tail(ai, rj, f4(ci, j), k8, k);
  }
}

/** c += Σ a[p]·w[p] for k8 ≤ p < k, the row's last weights stored in pairs after its groups of 8. */
@inline function bf16Tail(ai: usize, row: usize, c: usize, k8: i32, k: i32): void {
  if (k8 == k) return;
  let s = load<f32>(c);
  for (let p = k8; p < k; p++) {
    const bits = <u32>load<u16>(row + (<usize>p << 1)) << 16;
    s += load<f32>(f4(ai, p)) * reinterpret<f32>(bits);
  }
  store<f32>(c, s);
}

/** dst [cols, rows] (+)= srcᵀ for src [rows, cols]: a product computed transposed, put back. */
export function transposeInto(src: usize, dst: usize, rows: i32, cols: i32, accumulate: bool): void {
  for (let r = 0; r < rows; r++) {
    const s = src + ((<usize>r * cols) << 2);
    for (let c = 0; c < cols; c++) {
      const o = dst + ((<usize>c * rows + r) << 2);
      const v = load<f32>(s + (<usize>c << 2));
      store<f32>(o, accumulate ? load<f32>(o) + v : v);
    }
  }
}
