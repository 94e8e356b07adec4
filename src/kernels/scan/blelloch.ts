// Blelloch's work-efficient scan, on the rows padded to P = 2^⌈log₂ L⌉ with identity elements
// (1, 0), so that any length works:
//   up-sweep  (log₂ P rounds): x[i] ← x[i−d] ∘ x[i] for i = 2d−1, 4d−1, …: each right node holds
//             the total of its subtree;
//   down-sweep (log₂ P rounds): the root gets the state before the sequence (h0, or 0) and each
//             node passes the state before it to its left child and that state advanced through
//             the left subtree to its right child; afterwards row t holds h_{t−1};
//   last round: h_t = a_t ⊙ h_{t−1} + b_t.
// Depth 2·log₂ P + 1, work O(P)·C. The down-sweep needs only the b parts of the prefixes: the
// state advanced through a subtree is A·h + B with (A, B) that subtree's up-sweep total.

import { LinearRecurrence, ScanResult, checkRecurrence, composeRows, copyPairs, emptyResult, stepRow } from './recurrence.js';

/** One round of the scan as it ran: the working rows after it (padded to P rows; copies). */
export interface BlellochRound {
  phase: 'up' | 'down' | 'final';
  /** The distance d between the rows combined in this round (1 for the final round). */
  span: number;
  /** Rows written in this round. */
  rows: number[];
  a: Float32Array; // [P, C] real parts
  b: Float32Array; // [P, C]: up-sweep: subtree totals; down-sweep: states before each row; final: h
}

/**
 * `onRound` (optional) sees every round as it finishes: the browser lab draws the scan step by
 * step from it, so what it shows is this code running.
 */
export function blellochScan(r: LinearRecurrence, onRound?: (round: BlellochRound) => void): ScanResult {
  checkRecurrence('blellochScan', r);
  const out = emptyResult(r);
  if (r.L === 0) return { ...out, depth: 0 };
  const C = r.C;
  let P = 1;
  while (P < r.L) P *= 2;
  const x = copyPairs(r, P);
  let depth = 0;

  const rowsOf = (d: number) => Array.from({ length: Math.floor(P / (2 * d)) }, (_, k) => (k + 1) * 2 * d - 1);
  for (let d = 1; d < P; d *= 2) {
    for (let i = 2 * d - 1; i < P; i += 2 * d) composeRows(x, i - d, i);
    depth++;
    onRound?.({ phase: 'up', span: d, rows: rowsOf(d), a: x.aRe.slice(), b: x.bRe.slice() });
  }

  // From here on x.b holds prefix states; x.a keeps the subtree totals of the up-sweep.
  const root = (P - 1) * C;
  x.bRe.fill(0, root, root + C);
  if (r.h0) x.bRe.set(r.h0, root);
  if (x.bIm) {
    x.bIm.fill(0, root, root + C);
    if (r.h0Im) x.bIm.set(r.h0Im, root);
  }
  for (let d = P / 2; d >= 1; d /= 2) {
    for (let i = 2 * d - 1; i < P; i += 2 * d) passDown(x.aRe, x.aIm, x.bRe, x.bIm, C, i - d, i);
    depth++;
    onRound?.({ phase: 'down', span: d, rows: rowsOf(d).flatMap((i) => [i - d, i]), a: x.aRe.slice(), b: x.bRe.slice() });
  }

  for (let t = 0; t < r.L; t++) stepRow(r, t, x.bRe, x.bIm, t, out.h, out.hIm);
  depth++;
  if (onRound) {
    const h = new Float32Array(P * C);
    h.set(out.h);
    onRound({ phase: 'final', span: 1, rows: Array.from({ length: r.L }, (_, t) => t), a: x.aRe.slice(), b: h });
  }
  return { ...out, depth };
}

/**
 * Down-sweep at a node whose children are rows `left` and `right`: with s the state before the
 * node (stored in b[right]) and (A, B) the left subtree's total, left ← s and right ← A·s + B.
 */
function passDown(
  aRe: Float32Array, aIm: Float32Array | null, bRe: Float32Array, bIm: Float32Array | null,
  C: number, left: number, right: number,
): void {
  const l = left * C;
  const q = right * C;
  if (!aIm || !bIm) {
    for (let c = 0; c < C; c++) {
      const s = bRe[q + c];
      bRe[q + c] = aRe[l + c] * s + bRe[l + c];
      bRe[l + c] = s;
    }
    return;
  }
  for (let c = 0; c < C; c++) {
    const sr = bRe[q + c];
    const si = bIm[q + c];
    const Ar = aRe[l + c];
    const Ai = aIm[l + c];
    bRe[q + c] = Ar * sr - Ai * si + bRe[l + c];
    bIm[q + c] = Ar * si + Ai * sr + bIm[l + c];
    bRe[l + c] = sr;
    bIm[l + c] = si;
  }
}
