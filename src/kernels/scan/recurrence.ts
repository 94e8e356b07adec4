// The linear recurrence h_t = a_t ⊙ h_{t−1} + b_t that every scan algorithm computes, and the
// row operations they share. Layout: a, b, h are time-major [L, C] (row t holds the C channels of
// time step t); a complex recurrence keeps real and imaginary parts in separate arrays.
//
// The algorithms rest on the associative pair operator on scan elements x_t = (a_t, b_t):
//   (a₁, b₁) ∘ (a₂, b₂) = (a₁·a₂, a₂·b₁ + b₂)
// so that x_0 ∘ x_1 ∘ … ∘ x_t = (a_0⋯a_t, h_t) when h_{−1} = 0.

export type ScanAlgorithm = 'sequential' | 'hillis-steele' | 'blelloch' | 'chunked';

export const SCAN_ALGORITHMS: readonly ScanAlgorithm[] = ['sequential', 'hillis-steele', 'blelloch', 'chunked'];

/** h_t = a_t ⊙ h_{t−1} + b_t for t = 0..L−1, C independent channels. Complex iff aIm and bIm are given. */
export interface LinearRecurrence {
  L: number;
  C: number;
  a: Float32Array; // [L, C], real part
  b: Float32Array; // [L, C], real part
  aIm?: Float32Array | null; // [L, C]
  bIm?: Float32Array | null; // [L, C]
  /** [C], the state before t = 0; zero when absent. */
  h0?: Float32Array | null;
  h0Im?: Float32Array | null; // [C]
}

export interface ScanResult {
  h: Float32Array; // [L, C]
  hIm: Float32Array | null; // [L, C] for a complex recurrence
  /**
   * Depth: the number of rounds of dependent work, each round being element-wise over the time
   * steps and channels it touches (what a machine with unbounded parallelism would wait for).
   */
  depth: number;
}

export interface ScanOptions {
  /** Chunked scan only: number of chunks (default ⌈√(2L)⌉, the depth minimum; use the worker count on a pool). */
  chunks?: number;
}

/** Rows of scan elements (a, b), real (im parts null) or complex: the working storage of a scan. */
export interface PairRows {
  C: number;
  aRe: Float32Array;
  aIm: Float32Array | null;
  bRe: Float32Array;
  bIm: Float32Array | null;
}

export function isComplex(r: LinearRecurrence): boolean {
  return !!r.aIm;
}

/** Checks sizes and that a complex recurrence has both imaginary parts; names the caller. */
export function checkRecurrence(where: string, r: LinearRecurrence): void {
  const { L, C } = r;
  if (!Number.isInteger(L) || L < 0 || !Number.isInteger(C) || C < 0) throw new Error(`${where}: L ${L} and C ${C} must be integers ≥ 0`);
  const n = L * C;
  const arrays: Array<[string, Float32Array | null | undefined, number]> = [
    ['a', r.a, n], ['b', r.b, n], ['aIm', r.aIm, n], ['bIm', r.bIm, n], ['h0', r.h0, C], ['h0Im', r.h0Im, C],
  ];
  for (const [name, arr, want] of arrays) {
    if (arr && arr.length !== want) throw new Error(`${where}: ${name} has ${arr.length} elements, expected ${want} ([L, C] = [${L}, ${C}])`);
  }
  if (!!r.aIm !== !!r.bIm) throw new Error(`${where}: a complex recurrence needs both aIm and bIm (got ${r.aIm ? 'aIm' : 'bIm'} only)`);
  if (r.h0Im && !r.aIm) throw new Error(`${where}: h0Im given for a real recurrence`);
}

/** Copies of a and b (the scans work in place on them). */
export function copyPairs(r: LinearRecurrence, rows = r.L): PairRows {
  const n = rows * r.C;
  const copy = (src: Float32Array | null | undefined, pad: number): Float32Array | null => {
    if (!src) return null;
    const out = new Float32Array(n);
    out.set(src.subarray(0, Math.min(src.length, n)));
    if (pad !== 0) out.fill(pad, src.length);
    return out;
  };
  // Rows beyond L (Blelloch pads to a power of two) hold the identity element (1, 0).
  return { C: r.C, aRe: copy(r.a, 1)!, aIm: copy(r.aIm, 0), bRe: copy(r.b, 0)!, bIm: copy(r.bIm, 0) };
}

/** x[dst] ← x[src] ∘ x[dst] = (a_src·a_dst, a_dst·b_src + b_dst), row by row (complex products when complex). */
export function composeRows(x: PairRows, src: number, dst: number): void {
  const { C, aRe, aIm, bRe, bIm } = x;
  const s = src * C;
  const d = dst * C;
  if (!aIm || !bIm) {
    for (let c = 0; c < C; c++) {
      bRe[d + c] += aRe[d + c] * bRe[s + c];
      aRe[d + c] *= aRe[s + c];
    }
    return;
  }
  for (let c = 0; c < C; c++) {
    const ar = aRe[d + c];
    const ai = aIm[d + c];
    const br = bRe[s + c];
    const bi = bIm[s + c];
    bRe[d + c] += ar * br - ai * bi;
    bIm[d + c] += ar * bi + ai * br;
    const sr = aRe[s + c];
    const si = aIm[s + c];
    aRe[d + c] = ar * sr - ai * si;
    aIm[d + c] = ar * si + ai * sr;
  }
}

/**
 * One recurrence step on row t: out[t] = a[t] ⊙ prev[p] + b[t]. prev may be out itself (row t−1),
 * h0 (p = 0) or any array of prefix states.
 */
export function stepRow(
  r: LinearRecurrence, t: number,
  prevRe: Float32Array, prevIm: Float32Array | null, p: number,
  outRe: Float32Array, outIm: Float32Array | null,
): void {
  const C = r.C;
  const o = t * C;
  const q = p * C;
  const { a, b, aIm, bIm } = r;
  if (!aIm || !bIm || !outIm) {
    for (let c = 0; c < C; c++) outRe[o + c] = a[o + c] * prevRe[q + c] + b[o + c];
    return;
  }
  for (let c = 0; c < C; c++) {
    const ar = a[o + c];
    const ai = aIm[o + c];
    const pr = prevRe[q + c];
    const pi = prevIm ? prevIm[q + c] : 0;
    outRe[o + c] = ar * pr - ai * pi + b[o + c];
    outIm[o + c] = ar * pi + ai * pr + bIm[o + c];
  }
}

/** A zero-filled output of the recurrence's kind. */
export function emptyResult(r: LinearRecurrence): { h: Float32Array; hIm: Float32Array | null } {
  return { h: new Float32Array(r.L * r.C), hIm: r.aIm ? new Float32Array(r.L * r.C) : null };
}
