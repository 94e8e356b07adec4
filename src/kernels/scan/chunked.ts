// Chunked scan, the form that splits a long sequence over P workers:
//   1. each chunk scans its own steps from a zero state (parallel over chunks), which gives its
//      local states and its carry (A, B) = (product of its a's, its last local state);
//   2. a sequential scan over the P carries gives the state entering each chunk (h0 for the first);
//   3. each chunk adds the effect of its entering state s: h_t += (a_t ⋯ a_{t0}) ⊙ s (parallel).
// Depth 2⌈L/P⌉ + P, work about 2·L·C. Phases 1 and 3 are functions of a time range [t0, t1) and
// write only their own rows, so that a worker pool can run one chunk each.

import { LinearRecurrence, ScanOptions, ScanResult, checkRecurrence, emptyResult } from './recurrence.js';
import { sequentialRange, sequentialScan } from './sequential.js';

export function chunkedScan(r: LinearRecurrence, opts: ScanOptions = {}): ScanResult {
  checkRecurrence('chunkedScan', r);
  const { L, C } = r;
  if (opts.chunks !== undefined && !(Number.isInteger(opts.chunks) && opts.chunks > 0)) {
    throw new Error(`chunkedScan: chunks must be a positive integer, got ${opts.chunks}`);
  }
  const out = emptyResult(r);
  if (L === 0) return { ...out, depth: 0 };
  const T = Math.ceil(L / Math.min(L, opts.chunks ?? Math.ceil(Math.sqrt(2 * L)))); // steps per chunk
  const P = Math.ceil(L / T); // chunks, none empty (the last may be shorter)
  const complex = !!r.aIm;

  // Phase 1: carries [P, C] (A: products of a, B: last local states).
  const carries = {
    a: new Float32Array(P * C), b: new Float32Array(P * C),
    aIm: complex ? new Float32Array(P * C) : null, bIm: complex ? new Float32Array(P * C) : null,
  };
  for (let k = 0; k < P; k++) chunkLocalScan(r, k * T, Math.min(L, (k + 1) * T), out.h, out.hIm, carries, k);

  // Phase 2: states leaving each chunk; chunk k is entered with row k − 1 (chunk 0 with h0).
  const leaving = sequentialScan({ L: P, C, ...carries, h0: r.h0, h0Im: r.h0Im });

  // Phase 3.
  for (let k = 0; k < P; k++) {
    if (k === 0 && !r.h0) continue;
    const entering = k === 0
      ? { re: r.h0!, im: r.h0Im ?? null, row: 0 }
      : { re: leaving.h, im: leaving.hIm, row: k - 1 };
    chunkFixUp(r, k * T, Math.min(L, (k + 1) * T), entering.re, entering.im, entering.row, out.h, out.hIm);
  }
  return { ...out, depth: T + P + T };
}

/** Carries of the chunks: row k holds chunk k's (product of a, last local state). */
export interface ChunkCarries {
  a: Float32Array; // [P, C]
  b: Float32Array; // [P, C]
  aIm: Float32Array | null;
  bIm: Float32Array | null;
}

/** Phase 1 on steps [t0, t1): local states from a zero state into h, and the carry into row k. */
export function chunkLocalScan(
  r: LinearRecurrence, t0: number, t1: number, h: Float32Array, hIm: Float32Array | null, carries: ChunkCarries, k: number,
): void {
  const C = r.C;
  sequentialRange(r, t0, t1, null, null, h, hIm);
  const o = k * C;
  const last = (t1 - 1) * C;
  carries.b.set(h.subarray(last, last + C), o);
  if (carries.bIm && hIm) carries.bIm.set(hIm.subarray(last, last + C), o);
  // Product a_{t1−1} ⋯ a_{t0}, complex when aIm is there.
  const pr = carries.a;
  const pi = carries.aIm;
  pr.fill(1, o, o + C);
  if (pi) pi.fill(0, o, o + C);
  for (let t = t0; t < t1; t++) {
    const s = t * C;
    if (!pi || !r.aIm) {
      for (let c = 0; c < C; c++) pr[o + c] *= r.a[s + c];
      continue;
    }
    for (let c = 0; c < C; c++) {
      const xr = pr[o + c];
      const xi = pi[o + c];
      const ar = r.a[s + c];
      const ai = r.aIm[s + c];
      pr[o + c] = ar * xr - ai * xi;
      pi[o + c] = ar * xi + ai * xr;
    }
  }
}

/**
 * Phase 3 on steps [t0, t1): adds the effect of the entering state s (row `row` of sRe/sIm),
 * carried as e_t = a_t ⊙ e_{t−1} with e_{t0−1} = s: h_t += e_t.
 */
export function chunkFixUp(
  r: LinearRecurrence, t0: number, t1: number,
  sRe: Float32Array, sIm: Float32Array | null, row: number,
  h: Float32Array, hIm: Float32Array | null,
): void {
  const C = r.C;
  const er = sRe.slice(row * C, row * C + C);
  const ei = sIm ? sIm.slice(row * C, row * C + C) : new Float32Array(C);
  for (let t = t0; t < t1; t++) {
    const s = t * C;
    if (!hIm || !r.aIm) {
      for (let c = 0; c < C; c++) {
        er[c] *= r.a[s + c];
        h[s + c] += er[c];
      }
      continue;
    }
    for (let c = 0; c < C; c++) {
      const ar = r.a[s + c];
      const ai = r.aIm[s + c];
      const xr = er[c];
      const xi = ei[c];
      er[c] = ar * xr - ai * xi;
      ei[c] = ar * xi + ai * xr;
      h[s + c] += er[c];
      hIm[s + c] += ei[c];
    }
  }
}
