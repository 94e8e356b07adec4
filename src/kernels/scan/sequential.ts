// The sequential scan: the recurrence itself, one time step after the other. Depth L, work L·C.
// It is the specification the parallel algorithms are tested against.

import { LinearRecurrence, ScanResult, checkRecurrence, emptyResult, stepRow } from './recurrence.js';

export function sequentialScan(r: LinearRecurrence): ScanResult {
  checkRecurrence('sequentialScan', r);
  const out = emptyResult(r);
  sequentialRange(r, 0, r.L, r.h0 ?? null, r.h0Im ?? null, out.h, out.hIm);
  return { ...out, depth: r.L };
}

/**
 * Time steps [t0, t1) from the state prev (row 0 of prevRe/prevIm; zero when null) into h.
 * The chunked scan runs it on each chunk.
 */
export function sequentialRange(
  r: LinearRecurrence, t0: number, t1: number,
  prevRe: Float32Array | null, prevIm: Float32Array | null,
  h: Float32Array, hIm: Float32Array | null,
): void {
  if (t0 >= t1) return;
  if (prevRe) stepRow(r, t0, prevRe, prevIm, 0, h, hIm);
  else {
    // From a zero state the first step is h = b.
    const s = t0 * r.C;
    h.set(r.b.subarray(s, s + r.C), s);
    if (hIm && r.bIm) hIm.set(r.bIm.subarray(s, s + r.C), s);
  }
  for (let t = t0 + 1; t < t1; t++) stepRow(r, t, h, hIm, t - 1, h, hIm);
}
