// Vectorised f32x4 exp, log1p, softplus and sigmoid for the scan kernels (Cephes expf/logf
// polynomials, the classic SIMD formulation). Measured maximum relative error against f64 Math
// (2M points): exp 8.1e-8 on [−87, 88], softplus 2.1e-7 and sigmoid 1.4e-7 on [−80, 80]
// (f32 ulp = 6e-8 relative); test/kernels/wasm_scan.test.ts holds them to 1.5e-7 and 5e-7.

// exp(x) = 2^k · e^r with k = round(x / ln 2), r = x − k·ln 2 (ln 2 split in two so that k·LN2_HI
// is exact), e^r from a degree-5 polynomial on |r| ≤ ln2/2.
// Written for V8's code generator: pmin/pmax are one minps/maxps each (min/max with NaN
// semantics cost ~8 instructions), and k comes from adding 1.5·2²³, which rounds to an integer
// held in the low mantissa bits, instead of nearest + trunc_sat (~6 instructions). Measured on
// the scan forward: 3.2 → 2.0 ns per (b, t, e, n) element.
const LOG2E: f32 = 1.44269504088896341;
const LN2_HI: f32 = 0.693359375;
const LN2_LO: f32 = -2.12194440e-4;
const ROUND: f32 = 12582912.0; // 1.5 · 2²³, bit pattern 0x4B400000
// Beyond these, e^x over/underflows f32: clamping gives ~3.4e38 and ~1.2e-38 (the smallest normal).
const EXP_MAX: f32 = 88.3762626647949;
const EXP_MIN: f32 = -87.3365447504;
// exp2f4's clamps: from 129 up 2^x is +Inf; from −126 down it is 0 (see exp2f4).
const EXP2_MIN: f32 = -126;
const EXP2_MAX: f32 = 129;
// For the IEEE-tailed exp (expf4Full).
const EXP_OVERFLOW: f32 = 88.72283935546875;
const EXP_UNDERFLOW: f32 = -104;

import { madd } from './lanes';

// Every non-zero constant vector is read from a static table (one vbroadcastss per use) rather
// than written f32x4.splat(c): V8 rematerialises a constant splat at each use inside a loop as
// three instructions (movq of a 64-bit immediate, vmovq, vpunpcklqdq), which made the exp ~70
// instructions per vector. Measured on mapExp, one thread: 1.47 → 0.88 ns per element.
// c(V_X) is the f32 constant in slot V_X of F32S, ci(V_X) the i32 one of I32S.
const F32S = memory.data<f32>([
  EXP_MIN, EXP_MAX, LOG2E, ROUND, LN2_HI, LN2_LO,
  1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1,
  1, EXP_OVERFLOW, EXP_UNDERFLOW, Infinity, 1.41421356237, 0.5,
  7.0376836292e-2, -1.1514610310e-1, 1.1676998740e-1, -1.2420140846e-1, 1.4249322787e-1,
  -1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1,
  EXP2_MIN, 2 * 0.6931470632553101, 2 * 0.24022217094898224, 2 * 0.0555061511695385, 2 * 0.00967293232679367,
  2 * 0.0013302209554240108, 2, EXP2_MAX,
]);
const V_EXP_MIN = 0;
const V_EXP_MAX = 1;
const V_LOG2E = 2;
const V_ROUND = 3;
const V_LN2_HI = 4;
const V_LN2_LO = 5;
const V_EXP_P0 = 6; // 1.9875691500e-4
const V_EXP_P1 = 7; // 1.3981999507e-3
const V_EXP_P2 = 8; // 8.3334519073e-3
const V_EXP_P3 = 9; // 4.1665795894e-2
const V_EXP_P4 = 10; // 1.6666665459e-1
const V_EXP_P5 = 11; // 5.0000001201e-1
const V_ONE = 12;
const V_EXP_OVERFLOW = 13;
const V_EXP_UNDERFLOW = 14;
const V_INF = 15;
const V_SQRT2 = 16; // 1.41421356237
const V_HALF = 17; // 0.5
const V_LOG_P0 = 18; // 7.0376836292e-2
const V_LOG_P1 = 19; // -1.1514610310e-1
const V_LOG_P2 = 20; // 1.1676998740e-1
const V_LOG_P3 = 21; // -1.2420140846e-1
const V_LOG_P4 = 22; // 1.4249322787e-1
const V_LOG_P5 = 23; // -1.6668057665e-1
const V_LOG_P6 = 24; // 2.0000714765e-1
const V_LOG_P7 = 25; // -2.4999993993e-1
const V_LOG_P8 = 26; // 3.3333331174e-1
const V_EXP2_MIN = 27;
// 2^f on [−½, ½] by a degree-5 polynomial 1 + c1·f + … + c5·f⁵, fitted for the least maximum
// relative error (iteratively reweighted least squares, c rounded to f32): evaluated in f32 with
// fused multiply-adds it is within 1.6e−7 of 2^f (1.8e−7 without), measured on 2M points; the
// degree-6 Taylor series it replaced reached 2.2e−7 (2.4e−7) with one multiply-add more.
// The table holds 2, 2·c1, …, 2·c5: the polynomial then gives 2·2^f with the same rounding (a
// factor of 2 is exact in every step), to be scaled by 2^(k−1) (see exp2f4).
const V_EXP2_P1 = 28;
const V_EXP2_P2 = 29;
const V_EXP2_P3 = 30;
const V_EXP2_P4 = 31;
const V_EXP2_P5 = 32;
const V_TWO = 33;
const V_EXP2_MAX = 34;
const I32S = memory.data<i32>([127 - 0x4b400000, 0x4b400000, 127, 126 - 0x4b400000]);
const V_EXP_BIAS = 0; // 127 − 0x4B400000: k's float bits → k + 127
const V_ROUND_BITS = 1;
const V_127 = 2;
const V_EXP2_BIAS = 3; // 126 − 0x4B400000: k's float bits → k − 1 + 127

@inline function c(slot: i32): v128 {
  return v128.load32_splat(F32S + (<usize>slot << 2));
}

/** 1 in every lane, read from the constant table (see F32S: a splat of a literal costs three instructions per use in a loop). */
@inline export function ones(): v128 {
  return c(V_ONE);
}

@inline function ci(slot: i32): v128 {
  return v128.load32_splat(I32S + (<usize>slot << 2));
}



/** p·x + the constant in `slot`: one step of Horner's rule (written out per coefficient: a loop
 *  over the slots stays a loop, with a branch and a stack check per step, in V8's code). */
@inline function hornerStep(p: v128, x: v128, slot: i32): v128 {
  return madd(p, x, c(slot));
}

/** e^r for r = x − k·ln 2 (|r| ≤ ln2/2): the degree-5 polynomial shared by both exps. */
@inline function expReduced(x: v128, k: v128): v128 {
  let r = f32x4.sub(x, f32x4.mul(k, c(V_LN2_HI)));
  r = f32x4.sub(r, f32x4.mul(k, c(V_LN2_LO)));
  let p = hornerStep(c(V_EXP_P0), r, V_EXP_P1);
  p = hornerStep(hornerStep(hornerStep(hornerStep(p, r, V_EXP_P2), r, V_EXP_P3), r, V_EXP_P4), r, V_EXP_P5);
  return f32x4.add(f32x4.add(f32x4.mul(f32x4.mul(p, r), r), r), c(V_ONE));
}

@inline export function expf4(x: v128): v128 {
  x = f32x4.pmin(f32x4.pmax(x, c(V_EXP_MIN)), c(V_EXP_MAX));
  const kr = f32x4.add(f32x4.mul(x, c(V_LOG2E)), c(V_ROUND)); // bits: 0x4B400000 + k
  const k = f32x4.sub(kr, c(V_ROUND));
  const e = expReduced(x, k);
  // 2^k built in the exponent field: (k + 127) << 23, with k ∈ [−126, 127] after the clamp.
  const pow2k = i32x4.shl(i32x4.add(kr, ci(V_EXP_BIAS)), 23);
  return f32x4.mul(e, pow2k);
}

/**
 * 2^x, the scan's exp: e^(Δ·A) = 2^(Δ·A·log₂e) with A·log₂e computed once per task, so each
 * element needs no ln 2 range reduction: k = round(x) by the 1.5·2²³ trick, f = x − k ∈ [−½, ½]
 * exactly, 2·2^f by the degree-5 polynomial above (≤ 1.6e−7 relative with FMA), and 2^(k−1) in
 * the exponent field. Scaling by 2^(k−1) reaches both ends without a test or a second factor: x
 * clamped to [−126, 129] keeps the field k + 126 in [0, 255]; 255 is +Inf and from x = 128 on
 * the product overflows to +Inf anyway (2^k alone, field k + 127, ran past 255 into the sign
 * bit: a zero or negative "exp" above 2^128); 0 is +0, so 2^x under 2^−125.5 (2e−38) flushes to
 * 0. Elsewhere the same bits as p·2^k. NaN stays NaN. Measured: see docs/results/kernels.md.
 */
/** Whether any lane of the N f32x4 rows at a is above 0 (or NaN: then no clamp matters). */
@inline export function anyPositive(a: usize, N: i32): bool {
  let m = f32x4.splat(0);
  for (let n = 0; n < N; n++) m = v128.or(m, f32x4.gt(v128.load(a + (<usize>n << 4)), f32x4.splat(0)));
  return v128.any_true(m);
}

@inline export function exp2f4(x: v128): v128 {
  x = f32x4.pmin(f32x4.pmax(x, c(V_EXP2_MIN)), c(V_EXP2_MAX));
  const kr = f32x4.add(x, c(V_ROUND)); // bits: 0x4B400000 + k
  const f = f32x4.sub(x, f32x4.sub(kr, c(V_ROUND)));
  let p = hornerStep(c(V_EXP2_P5), f, V_EXP2_P4);
  p = hornerStep(hornerStep(hornerStep(p, f, V_EXP2_P3), f, V_EXP2_P2), f, V_EXP2_P1);
  p = hornerStep(p, f, V_TWO);
  return f32x4.mul(p, i32x4.shl(i32x4.add(kr, ci(V_EXP2_BIAS)), 23));
}

/**
 * out[n] = exp2f4(d ⊙ a[n]) for the N f32x4 rows of a and out (one time step of the scan), the
 * same operations as exp2f4 with its constants read once per call instead of once per use.
 * Without `mayOverflow` (a constant at each call) the caller knows d ⊙ a ≤ 0 (Δ ≥ 0, A ≤ 0, as
 * in every Mamba layer) and the upper clamp is left out: one instruction of 13 per vector (with
 * it, the best of 100 scan forwards took 5–7 % longer).
 */
@inline export function exp2Rows(d: v128, a: usize, out: usize, N: i32, mayOverflow: bool): void {
  const lo = c(V_EXP2_MIN), hi = c(V_EXP2_MAX), round = c(V_ROUND), two = c(V_TWO), bias = ci(V_EXP2_BIAS);
  const p5 = c(V_EXP2_P5), p4 = c(V_EXP2_P4), p3 = c(V_EXP2_P3), p2 = c(V_EXP2_P2), p1 = c(V_EXP2_P1);
  for (let n = 0; n < N; n++) {
    const o = <usize>n << 4;
    let x = f32x4.pmax(f32x4.mul(d, v128.load(a + o)), lo);
    if (mayOverflow) x = f32x4.pmin(x, hi);
    const kr = f32x4.add(x, round);
    const f = f32x4.sub(x, f32x4.sub(kr, round));
    let p = madd(p5, f, p4);
    p = madd(madd(madd(p, f, p3), f, p2), f, p1);
    p = madd(p, f, two);
    v128.store(out + o, f32x4.mul(p, i32x4.shl(i32x4.add(kr, bias), 23)));
  }
}

// The same exp with IEEE tails, for element-wise ops whose callers test them: +Inf beyond
// 88.72, gradual underflow to subnormals and 0 below −87.34. 2^k is applied as two normal
// factors 2^(k>>1) · 2^(k − k>>1), so that k down to −150 stays exact until the final product.
@inline export function expf4Full(x: v128): v128 {
  const over = f32x4.gt(x, c(V_EXP_OVERFLOW));
  const xc = f32x4.pmin(f32x4.pmax(x, c(V_EXP_UNDERFLOW)), c(V_EXP_OVERFLOW));
  const kr = f32x4.add(f32x4.mul(xc, c(V_LOG2E)), c(V_ROUND));
  const kf = f32x4.sub(kr, c(V_ROUND));
  const e = expReduced(xc, kf);
  const k = i32x4.sub(kr, ci(V_ROUND_BITS));
  const k1 = i32x4.shr_s(k, 1);
  const s1 = i32x4.shl(i32x4.add(k1, ci(V_127)), 23);
  const s2 = i32x4.shl(i32x4.add(i32x4.sub(k, k1), ci(V_127)), 23);
  return v128.bitselect(c(V_INF), f32x4.mul(f32x4.mul(e, s1), s2), over);
}

/**
 * e^−|x| with expf4Full's tails: the sigmoid family's exp. Below −87.34 the result is subnormal
 * and needs expf4Full's two-step scaling; where no lane is that far out (the common case) the
 * clamped expf4 gives the same bits with a third fewer instructions.
 */
@inline export function expNegAbsf4(x: v128): v128 {
  const a = f32x4.neg(f32x4.abs(x));
  if (v128.any_true(f32x4.lt(a, c(V_EXP_MIN)))) return expf4Full(a);
  return expf4(a);
}

// log(x) for x ∈ [1, 2]: x = 2^e · (1 + f) with e ∈ {0, 1} and f ∈ [√½ − 1, √2 − 1], then the
// Cephes logf polynomial in f.
@inline function log1to2(x: v128): v128 {
  const big = f32x4.gt(x, c(V_SQRT2));
  const e = v128.and(big, c(V_ONE));
  const f = f32x4.sub(v128.bitselect(f32x4.mul(x, c(V_HALF)), x, big), c(V_ONE));
  const z = f32x4.mul(f, f);
  let y = hornerStep(hornerStep(hornerStep(c(V_LOG_P0), f, V_LOG_P1), f, V_LOG_P2), f, V_LOG_P3);
  y = hornerStep(hornerStep(hornerStep(y, f, V_LOG_P4), f, V_LOG_P5), f, V_LOG_P6);
  y = hornerStep(hornerStep(y, f, V_LOG_P7), f, V_LOG_P8);
  y = f32x4.mul(f32x4.mul(y, f), z);
  y = f32x4.add(y, f32x4.mul(e, c(V_LN2_LO)));
  y = f32x4.sub(y, f32x4.mul(z, c(V_HALF)));
  return f32x4.add(f32x4.add(f, y), f32x4.mul(e, c(V_LN2_HI)));
}

/**
 * log(1 + u) for u ∈ [0, 1]. 1 + u rounds away the low bits of a small u; the correction
 * log1p(u) = log(w) · u / (w − 1) with w = fl(1 + u) restores full relative accuracy.
 */
@inline export function log1pf4(u: v128): v128 {
  const w = f32x4.add(u, c(V_ONE));
  const wm1 = f32x4.sub(w, c(V_ONE));
  const exact = f32x4.eq(wm1, f32x4.splat(0));
  const corrected = f32x4.div(f32x4.mul(log1to2(w), u), v128.bitselect(c(V_ONE), wm1, exact));
  return v128.bitselect(u, corrected, exact);
}

/** softplus(z) = max(z, 0) + log1p(e^−|z|): no overflow, and equal to z in f32 beyond z = 20 as PyTorch's. */
@inline export function softplusf4(z: v128): v128 {
  return f32x4.add(f32x4.pmax(z, f32x4.splat(0)), log1pf4(expf4(f32x4.neg(f32x4.abs(z)))));
}

/** softplus with subnormal tails: softplus(−100) = e^−100 ≈ 3.7e−44, not the clamped 1.2e−38. */
@inline export function softplusf4Full(z: v128): v128 {
  return f32x4.add(f32x4.pmax(z, f32x4.splat(0)), log1pf4(expf4Full(f32x4.neg(f32x4.abs(z)))));
}

/** sigmoid(z) = 1 / (1 + e^−z), the slope of softplus. */
@inline export function sigmoidf4(z: v128): v128 {
  return f32x4.div(c(V_ONE), f32x4.add(c(V_ONE), expf4(f32x4.neg(z))));
}

/** Element-wise over n floats (n a multiple of 4 or not): for the accuracy tests. */
export function mapExp(src: usize, dst: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) v128.store(dst + (<usize>i << 2), expf4(v128.load(src + (<usize>i << 2))));
}

export function mapExp2(src: usize, dst: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) v128.store(dst + (<usize>i << 2), exp2f4(v128.load(src + (<usize>i << 2))));
}

export function mapExpFull(src: usize, dst: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) v128.store(dst + (<usize>i << 2), expf4Full(v128.load(src + (<usize>i << 2))));
}

export function mapSoftplus(src: usize, dst: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) v128.store(dst + (<usize>i << 2), softplusf4(v128.load(src + (<usize>i << 2))));
}

export function mapSigmoid(src: usize, dst: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) v128.store(dst + (<usize>i << 2), sigmoidf4(v128.load(src + (<usize>i << 2))));
}
