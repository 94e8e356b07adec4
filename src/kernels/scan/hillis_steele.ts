// Hillis–Steele scan: in round k every element t ≥ 2^k combines with the element 2^k before it,
// x_t ← x_{t−2^k} ∘ x_t, so that after ⌈log₂ L⌉ rounds x_t = x_0 ∘ … ∘ x_t. Depth ⌈log₂ L⌉,
// work O(L log L)·C. Each round is parallel over t; run here one row after the other in
// decreasing t, which reads every x_{t−2^k} before the round overwrites it (no second buffer).

import { LinearRecurrence, ScanResult, checkRecurrence, composeRows, copyPairs, stepRow } from './recurrence.js';

export function hillisSteeleScan(r: LinearRecurrence): ScanResult {
  checkRecurrence('hillisSteeleScan', r);
  const x = copyPairs(r);
  let depth = 0;
  if (r.h0 && r.L > 0) {
    // h0 enters through the first element: b_0 ← a_0·h0 + b_0 (one extra round).
    stepRow(r, 0, r.h0, r.h0Im ?? null, 0, x.bRe, x.bIm);
    depth++;
  }
  for (let d = 1; d < r.L; d *= 2) {
    for (let t = r.L - 1; t >= d; t--) composeRows(x, t - d, t);
    depth++;
  }
  // The b part of x_0 ∘ … ∘ x_t is h_t.
  return { h: x.bRe, hIm: x.bIm, depth };
}
