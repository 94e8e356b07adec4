// Reference element-wise kernels. The table gives, per op, the scalar function f and its
// derivative df(x, y) from the input x and the forward output y = f(x); the array kernels apply
// them. Computed in double precision, stored as f32.

export type UnaryOp = 'exp' | 'log' | 'sqrt' | 'neg' | 'silu' | 'sigmoid' | 'softplus' | 'tanh' | 'gelu' | 'relu';

interface UnaryFn {
  f: (x: number) => number;
  df: (x: number, y: number) => number;
}

/** 1 / (1 + e^−x), with exp only of a non-positive number so that it never overflows. */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** log(1 + e^x). Beyond ±20 the correction term (≈ e^−20 ≈ 2e−9) is below f32 precision. */
export function softplus(x: number): number {
  if (x > 20) return x;
  if (x < -20) return Math.exp(x);
  return Math.log1p(Math.exp(x));
}

const ERFC_COEFFS = [-1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806, 0.27886807, -1.13520398, 1.48851587, -0.82215223, 0.17087277];

/**
 * erfc(z) with fractional error below 1.2e−7 everywhere (Chebyshev fit, Numerical Recipes
 * "erfcc"). Relative accuracy in the tail keeps gelu(x) accurate for very negative x too.
 */
function erfc(z: number): number {
  const a = Math.abs(z);
  const t = 1 / (1 + 0.5 * a);
  let poly = 0;
  for (let i = ERFC_COEFFS.length - 1; i >= 0; i--) poly = ERFC_COEFFS[i] + t * poly; // Horner: Σ c_i·t^i
  const r = t * Math.exp(-a * a + poly);
  return z >= 0 ? r : 2 - r;
}

/** Φ(x), the standard normal CDF: ½·erfc(−x/√2). */
export function normalCdf(x: number): number {
  return 0.5 * erfc(-x * Math.SQRT1_2);
}

const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/** φ(x), the standard normal density. */
function normalPdf(x: number): number {
  return INV_SQRT_2PI * Math.exp(-0.5 * x * x);
}

export const unaryTable: Record<UnaryOp, UnaryFn> = {
  exp: { f: Math.exp, df: (_x, y) => y },
  log: { f: Math.log, df: (x) => 1 / x },
  sqrt: { f: Math.sqrt, df: (_x, y) => 0.5 / y },
  neg: { f: (x) => -x, df: () => -1 },
  // σ'(x) = σ(x)·σ(−x): unlike y·(1 − y) it does not round to 0 in f32 for x > 17.
  sigmoid: { f: sigmoid, df: (x) => sigmoid(x) * sigmoid(-x) },
  // silu = x·σ(x); d/dx = σ(x)·(1 + x·(1 − σ(x))).
  silu: { f: (x) => x * sigmoid(x), df: (x) => sigmoid(x) * (1 + x * sigmoid(-x)) },
  softplus: { f: softplus, df: (x) => sigmoid(x) },
  tanh: { f: Math.tanh, df: (_x, y) => 1 - y * y },
  // Exact GELU x·Φ(x) (not the tanh approximation); d/dx = Φ(x) + x·φ(x).
  gelu: { f: (x) => x * normalCdf(x), df: (x) => normalCdf(x) + x * normalPdf(x) },
  relu: { f: (x) => (x > 0 ? x : 0), df: (x) => (x > 0 ? 1 : 0) },
};

export function unaryForward(op: UnaryOp, x: Float32Array, out: Float32Array): void {
  const f = unaryTable[op].f;
  for (let i = 0; i < x.length; i++) out[i] = f(x[i]);
}

/** gradX = gradOut ⊙ f'(x), given the forward input x and output y. */
export function unaryBackward(op: UnaryOp, x: Float32Array, y: Float32Array, gradOut: Float32Array, gradX: Float32Array): void {
  const df = unaryTable[op].df;
  for (let i = 0; i < x.length; i++) gradX[i] = gradOut[i] * df(x[i], y[i]);
}

export function powForward(x: Float32Array, p: number, out: Float32Array): void {
  for (let i = 0; i < x.length; i++) out[i] = Math.pow(x[i], p);
}

/** gradX = gradOut ⊙ p·x^(p−1); p = 0 gives 0 (not 0·x^−1, which is NaN at x = 0). */
export function powBackward(x: Float32Array, p: number, gradOut: Float32Array, gradX: Float32Array): void {
  for (let i = 0; i < x.length; i++) gradX[i] = p === 0 ? 0 : gradOut[i] * p * Math.pow(x[i], p - 1);
}

/** out = x·scale + shift: addScalar, mulScalar and their gradients. */
export function affine(x: Float32Array, scale: number, shift: number, out: Float32Array): void {
  for (let i = 0; i < x.length; i++) out[i] = x[i] * scale + shift;
}
