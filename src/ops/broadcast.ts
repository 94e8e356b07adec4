// Numpy broadcasting: align shapes from the right; an axis of size 1 (or a missing one)
// stretches to the other's size.

import { Shape, shapeStr } from '../tensor/tensor.js';
import type { BroadcastPlan } from '../kernels/reference/binary.js';

export function broadcastPlan(op: string, a: Shape, b: Shape): BroadcastPlan {
  const nd = Math.max(a.length, b.length);
  const outShape: number[] = [];
  const stridesA: number[] = new Array(nd).fill(0);
  const stridesB: number[] = new Array(nd).fill(0);
  let sa = 1;
  let sb = 1;
  for (let i = nd - 1; i >= 0; i--) {
    const da = a[i - (nd - a.length)] ?? 1;
    const db = b[i - (nd - b.length)] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new Error(`${op}: shapes ${shapeStr(a)} and ${shapeStr(b)} cannot be broadcast together`);
    }
    outShape[i] = Math.max(da, db);
    if (da === 0 || db === 0) outShape[i] = 0;
    stridesA[i] = da === 1 ? 0 : sa;
    stridesB[i] = db === 1 ? 0 : sb;
    sa *= da;
    sb *= db;
  }
  return { outShape, stridesA, stridesB };
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
