// Element-wise kernels of the wasm backend.
// - sigmoid, silu, softplus (forward and backward) run in WebAssembly: one vector exp per 4
//   elements instead of a Math.exp call per element; other unary ops keep the reference kernel.
// - binary ops over arrays of at least BINARY_WASM_MIN elements whose broadcast reduces to
//   [rows, len] with each operand along the row or constant on it (same shapes, a bias over rows,
//   a scale per row) run in WebAssembly: measured on [8, 256, 256] products, 1.4–1.6 ns per
//   element with the copies, against 2.3–4.8 for the TypeScript row loops below (and more for
//   the reference). Other patterns and small arrays stay in TypeScript, walking merged rows with
//   fixed strides instead of the reference's odometer per element; so does reduceBroadcast. All of them give the reference's bits: each element is the same f64
//   operation rounded to f32, and every reduced sum adds the same terms in the same order.

import { addInto as refAddInto, binary as refBinary, BinaryOp, BroadcastPlan } from '../reference/binary.js';
import { unaryBackward as refUnaryBackward, unaryForward as refUnaryForward, UnaryOp } from '../reference/unary.js';
import {
  BinaryParams, GateBackwardParams, GateForwardParams, JOB_BINARY, JOB_GATE_BACKWARD, JOB_GATE_FORWARD, JOB_UNARY_BACKWARD,
  JOB_UNARY_FORWARD, UnaryBackwardParams, UnaryForwardParams,
} from './control.js';
import { WasmRuntime } from './runtime.js';

/** Below this many elements an element-wise job stays on the calling thread. */
export const ELEMENTWISE_PARALLEL_MIN = 1 << 16;

// A = −exp(A_log) runs exp and neg at every training step: in JavaScript they cost ~3 ms of a d 256 step.
const UNARY_CODES: Partial<Record<UnaryOp, number>> = { sigmoid: 0, silu: 1, softplus: 2, exp: 3, neg: 4 };

export function makeWasmUnary(rt: WasmRuntime) {
  const chunk = (rt.exports as unknown as { UNARY_CHUNK: WebAssembly.Global }).UNARY_CHUNK.value as number;
  const tasks = (n: number) => Math.ceil(n / chunk);
  const threads = (n: number) => (n >= ELEMENTWISE_PARALLEL_MIN ? rt.threads : 1);

  function unaryForward(op: UnaryOp, x: Float32Array, out: Float32Array): void {
    const code = UNARY_CODES[op];
    const n = x.length;
    if (code === undefined || n === 0) return refUnaryForward(op, x, out);
    rt.reset();
    const px = rt.input(x);
    const po = rt.output(out, n);
    rt.setParams(UnaryForwardParams, { op: code, x: px, out: po, n });
    rt.run(JOB_UNARY_FORWARD, tasks(n), threads(n));
    rt.writeBack(po, out, n);
  }

  function unaryBackward(op: UnaryOp, x: Float32Array, y: Float32Array, gradOut: Float32Array, gradX: Float32Array): void {
    const code = UNARY_CODES[op];
    const n = x.length;
    if (code === undefined || n === 0) return refUnaryBackward(op, x, y, gradOut, gradX);
    rt.reset();
    const px = rt.input(x);
    const pg = rt.input(gradOut, n);
    const pgx = rt.output(gradX, n);
    rt.setParams(UnaryBackwardParams, { op: code, x: px, y: 0, gradOut: pg, gradX: pgx, n });
    rt.run(JOB_UNARY_BACKWARD, tasks(n), threads(n));
    rt.writeBack(pgx, gradX, n);
  }

  /** y ⊙ SiLU(z) and its backward (src/kernels/reference/gate.ts), in the unary tasks' chunks. */
  function gateForward(y: Float32Array, z: Float32Array, out: Float32Array): void {
    const n = out.length;
    if (n === 0) return;
    rt.reset();
    const py = rt.input(y, n), pz = rt.input(z, n);
    const po = rt.output(out, n);
    rt.setParams(GateForwardParams, { y: py, z: pz, out: po, n });
    rt.run(JOB_GATE_FORWARD, tasks(n), threads(n));
    rt.writeBack(po, out, n);
  }

  function gateBackward(y: Float32Array, z: Float32Array, gradOut: Float32Array, gradY: Float32Array | null, gradZ: Float32Array | null): void {
    const n = gradOut.length;
    if (n === 0 || (!gradY && !gradZ)) return;
    rt.reset();
    const py = rt.input(y, n), pz = rt.input(z, n), pg = rt.input(gradOut, n);
    const pgy = gradY ? rt.output(gradY, n) : 0;
    const pgz = gradZ ? rt.output(gradZ, n) : 0;
    rt.setParams(GateBackwardParams, { y: py, z: pz, gradOut: pg, gradY: pgy, gradZ: pgz, n });
    rt.run(JOB_GATE_BACKWARD, tasks(n), threads(n));
    if (gradY) rt.writeBack(pgy, gradY, n);
    if (gradZ) rt.writeBack(pgz, gradZ, n);
  }

  return { unaryForward, unaryBackward, gateForward, gateBackward };
}

/** Merges adjacent axes that are contiguous in every stride list; drops size-1 axes. */
function mergeAxes(shape: readonly number[], strides: number[][]): { shape: number[]; strides: number[][] } {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let ax = 0; ax < shape.length; ax++) {
    if (shape[ax] === 1) continue;
    const last = outShape.length - 1;
    if (last >= 0 && strides.every((s, i) => outStrides[i][last] === s[ax] * shape[ax])) {
      outShape[last] *= shape[ax];
      strides.forEach((s, i) => (outStrides[i][last] = s[ax]));
    } else {
      outShape.push(shape[ax]);
      strides.forEach((s, i) => outStrides[i].push(s[ax]));
    }
  }
  return { shape: outShape, strides: outStrides };
}

/** Calls row(offsets…) for every row of the merged shape but the last axis, in row-major order. */
function forEachRow(shape: number[], strides: number[][], row: (offsets: number[]) => void): void {
  const nd = shape.length - 1;
  const index = new Array<number>(Math.max(nd, 0)).fill(0);
  const offsets = strides.map(() => 0);
  const rows = shape.slice(0, nd).reduce((p, d) => p * d, 1);
  for (let r = 0; r < rows; r++) {
    row(offsets);
    for (let ax = nd - 1; ax >= 0; ax--) {
      index[ax]++;
      strides.forEach((s, i) => (offsets[i] += s[ax]));
      if (index[ax] < shape[ax]) break;
      strides.forEach((s, i) => (offsets[i] -= s[ax] * shape[ax]));
      index[ax] = 0;
    }
  }
}

/** Below this many output elements a binary op stays in TypeScript (the wasm call and copies cost more). */
export const BINARY_WASM_MIN = 4096;
const BINARY_CODES: Record<BinaryOp, number> = { add: 0, sub: 1, mul: 2, div: 3 };

export function makeWasmBinary(rt: WasmRuntime) {
  return function binary(op: BinaryOp, a: Float32Array, b: Float32Array, out: Float32Array, plan: BroadcastPlan): void {
    const n = out.length;
    const m = n >= BINARY_WASM_MIN ? merged(plan) : null;
    const dims = m?.shape.length ?? 0;
    const inner = (k: number) => m!.strides[k][dims - 1];
    if (!m || dims === 0 || dims > 2 || inner(1) > 1 || inner(2) > 1) return binaryRows(op, a, b, out, plan);
    const rows = dims === 2 ? m.shape[0] : 1;
    const len = m.shape[dims - 1];
    const rowStride = (k: number) => (dims === 2 ? m.strides[k][0] : 0);
    // Rows per task: about 16 K elements.
    const perTask = Math.max(1, Math.floor(16384 / len));
    rt.reset();
    const pa = rt.input(a);
    const pb = rt.input(b);
    const po = rt.output(out, n);
    rt.setParams(BinaryParams, {
      op: BINARY_CODES[op], a: pa, b: pb, out: po, rows, len,
      rowStrideA: rowStride(1), rowStrideB: rowStride(2), alongA: inner(1), alongB: inner(2), rowsPerTask: perTask,
    });
    rt.run(JOB_BINARY, Math.ceil(rows / perTask), n >= ELEMENTWISE_PARALLEL_MIN ? rt.threads : 1);
    rt.writeBack(po, out, n);
  };
}

/**
 * dst += src (gradient accumulation) in WebAssembly when dst is resident (an arena array: the
 * sum is written in place, no copies) and large: rows of ADD_ROW floats as a parallel binary job,
 * the tail in TypeScript. A plain dst stays in TypeScript: copying it in and out costs more.
 */
export function makeWasmAddInto(rt: WasmRuntime) {
  const ADD_ROW = 16384;
  return function addInto(dst: Float32Array, src: Float32Array): void {
    const n = dst.length;
    const rows = Math.floor(n / ADD_ROW);
    if (n < BINARY_WASM_MIN || rows === 0 || !rt.isResident(dst)) return refAddInto(dst, src);
    rt.reset();
    const pd = rt.input(dst, rows * ADD_ROW);
    const ps = rt.input(src, rows * ADD_ROW);
    rt.setParams(BinaryParams, {
      op: BINARY_CODES.add, a: pd, b: ps, out: pd, rows, len: ADD_ROW, rowStrideA: ADD_ROW, rowStrideB: ADD_ROW, alongA: 1, alongB: 1, rowsPerTask: 1,
    });
    rt.run(JOB_BINARY, rows, n >= ELEMENTWISE_PARALLEL_MIN ? rt.threads : 1);
    refAddInto(dst.subarray(rows * ADD_ROW), src.subarray(rows * ADD_ROW));
  };
}

/** The broadcast plan with output strides first, axes merged; null for a 0-d output. */
function merged(plan: BroadcastPlan): { shape: number[]; strides: number[][] } | null {
  const nd = plan.outShape.length;
  if (nd === 0) return null;
  const outStrides = new Array<number>(nd);
  for (let ax = nd - 1, s = 1; ax >= 0; ax--) {
    outStrides[ax] = s;
    s *= plan.outShape[ax];
  }
  return mergeAxes(plan.outShape, [outStrides, plan.stridesA, plan.stridesB]);
}

/** binary in TypeScript: one loop per merged row. */
export function binaryRows(op: BinaryOp, a: Float32Array, b: Float32Array, out: Float32Array, plan: BroadcastPlan): void {
  const m = merged(plan);
  if (!m || m.shape.length === 0) return refBinary(op, a, b, out, plan);
  const len = m.shape[m.shape.length - 1];
  const [, sa, sb] = m.strides.map((s) => s[s.length - 1]);
  forEachRow(m.shape, m.strides, ([o, ia, ib]) => binaryRow(op, a, b, out, o, ia, ib, len, sa, sb));
}

/**
 * One row: out[o + i] = a[ia + i·sa] op b[ib + i·sb]. For the two common stride patterns the
 * switch sits outside the loops, so that each loop is one operation.
 */
function binaryRow(op: BinaryOp, a: Float32Array, b: Float32Array, out: Float32Array, o: number, ia: number, ib: number, len: number, sa: number, sb: number): void {
  if (sa === 1 && sb === 1) {
    switch (op) {
      case 'add': for (let i = 0; i < len; i++) out[o + i] = a[ia + i] + b[ib + i]; return;
      case 'sub': for (let i = 0; i < len; i++) out[o + i] = a[ia + i] - b[ib + i]; return;
      case 'mul': for (let i = 0; i < len; i++) out[o + i] = a[ia + i] * b[ib + i]; return;
      case 'div': for (let i = 0; i < len; i++) out[o + i] = a[ia + i] / b[ib + i]; return;
    }
  }
  if (sa === 1 && sb === 0) {
    const y = b[ib];
    switch (op) {
      case 'add': for (let i = 0; i < len; i++) out[o + i] = a[ia + i] + y; return;
      case 'sub': for (let i = 0; i < len; i++) out[o + i] = a[ia + i] - y; return;
      case 'mul': for (let i = 0; i < len; i++) out[o + i] = a[ia + i] * y; return;
      case 'div': for (let i = 0; i < len; i++) out[o + i] = a[ia + i] / y; return;
    }
  }
  for (let i = 0, pa = ia, pb = ib; i < len; i++, pa += sa, pb += sb) {
    switch (op) {
      case 'add': out[o + i] = a[pa] + b[pb]; break;
      case 'sub': out[o + i] = a[pa] - b[pb]; break;
      case 'mul': out[o + i] = a[pa] * b[pb]; break;
      case 'div': out[o + i] = a[pa] / b[pb]; break;
    }
  }
}

export function reduceBroadcast(g: Float32Array, out: Float32Array, outShape: number[], strides: number[]): void {
  out.fill(0);
  const nd = outShape.length;
  if (nd === 0) {
    if (g.length > 0) out[0] += g[0];
    return;
  }
  const gStrides = new Array<number>(nd);
  for (let ax = nd - 1, s = 1; ax >= 0; ax--) {
    gStrides[ax] = s;
    s *= outShape[ax];
  }
  const m = mergeAxes(outShape, [gStrides, strides]);
  if (m.shape.length === 0) {
    out[0] += g[0];
    return;
  }
  const len = m.shape[m.shape.length - 1];
  const so = m.strides[1][m.strides[1].length - 1];
  forEachRow(m.shape, m.strides, ([ig, io]) => {
    if (so === 0) {
      // A broadcast last axis: the row sums into one element, in order (as the reference).
      let acc = out[io];
      for (let i = 0; i < len; i++) acc = Math.fround(acc + g[ig + i]);
      out[io] = acc;
    } else {
      for (let i = 0; i < len; i++) out[io + i * so] += g[ig + i];
    }
  });
}
