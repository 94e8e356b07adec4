// linearScan: the linear recurrence h_t = a_t ⊙ h_{t−1} + b_t over the time axis, as a
// differentiable op, real or complex (the LRU's recurrence).
// a, b: [B, L, C] → h: [B, L, C]; h0: [B, C] a constant initial state (no gradient).
// Forward and backward run the scan library (src/ssm/scan/) on each sequence of the batch, with
// the chosen algorithm; the backward is the reverse recurrence δ_t = g_t + a_{t+1} ⊙ δ_{t+1}
// (complex: conj(a_{t+1}); see src/ssm/scan/backward.ts) on the same algorithm, then
// ∂b = δ and ∂a_t = δ_t ⊙ h_{t−1} (complex: ⊙ conj(h_{t−1})).

import { Tensor, shapeStr } from '../tensor/tensor.js';
import { accumulate, record, registerOp } from '../autograd/tape.js';
import { LinearRecurrence, ScanAlgorithm, runScan, scanBackward } from '../ssm/scan/index.js';
import { reshape, split } from './shape.js';

registerOp('linearScan');
registerOp('linearScanComplex');

export interface LinearScanOptions {
  /** [B, C], the state before the first step (zeros if absent); a constant: no gradient. */
  h0?: Float32Array | null;
  /** Default 'sequential'; the others compute the same values with parallel-friendly depth. */
  algorithm?: ScanAlgorithm;
  /** Chunked algorithm only: chunks per sequence (default ⌈√(2L)⌉). */
  chunks?: number;
}

export interface LinearScanComplexOptions extends LinearScanOptions {
  /** [B, C], imaginary part of h0. */
  h0Im?: Float32Array | null;
}

/** Real recurrence: a, b [B, L, C] → h [B, L, C]. */
export function linearScan(a: Tensor, b: Tensor, opts: LinearScanOptions = {}): Tensor {
  const [B, L, C] = checkShapes('linearScan', [['a', a], ['b', b]], opts);
  const h0 = opts.h0 ? opts.h0.slice() : null; // the backward reads it; the caller may reuse the array
  const h = new Float32Array(a.size);
  const seq = (i: number) => sequence(i, L, C, a.data, null, b.data, null, h0, null);
  for (let i = 0; i < B; i++) h.set(runScan(seq(i), opts.algorithm, opts).h, i * L * C);
  return record('linearScan', h, a.shape, [a, b], (g) => {
    const ga = new Float32Array(a.size);
    const gb = new Float32Array(b.size);
    for (let i = 0; i < B; i++) {
      const o = i * L * C;
      const grads = scanBackward(seq(i), h.subarray(o, o + L * C), null, g.subarray(o, o + L * C), null, opts.algorithm, opts);
      ga.set(grads.a, o);
      gb.set(grads.b, o);
    }
    accumulate(a, ga, true);
    accumulate(b, gb, true);
  });
}

/**
 * Complex recurrence with re/im parts as separate real tensors, all [B, L, C] → [hRe, hIm].
 * One scan computes both parts; the two outputs are pieces of it, so that the backward runs one
 * reverse scan when both are used and still works when only one is.
 */
export function linearScanComplex(
  aRe: Tensor, aIm: Tensor, bRe: Tensor, bIm: Tensor, opts: LinearScanComplexOptions = {},
): [Tensor, Tensor] {
  const [B, L, C] = checkShapes('linearScanComplex', [['aRe', aRe], ['aIm', aIm], ['bRe', bRe], ['bIm', bIm]], opts);
  const n = B * L * C;
  const h0 = opts.h0 ? opts.h0.slice() : null;
  const h0Im = opts.h0Im ? opts.h0Im.slice() : null;
  const both = new Float32Array(2 * n); // [2, B, L, C]: real parts, then imaginary parts
  const seq = (i: number) => sequence(i, L, C, aRe.data, aIm.data, bRe.data, bIm.data, h0, h0Im);
  for (let i = 0; i < B; i++) {
    const res = runScan(seq(i), opts.algorithm, opts);
    both.set(res.h, i * L * C);
    both.set(res.hIm!, n + i * L * C);
  }
  const parents = [aRe, aIm, bRe, bIm];
  const h = record('linearScanComplex', both, [2, B, L, C], parents, (g) => {
    const grads = parents.map(() => new Float32Array(n));
    for (let i = 0; i < B; i++) {
      const o = i * L * C;
      const part = (arr: Float32Array, half: number) => arr.subarray(half * n + o, half * n + o + L * C);
      const gr = scanBackward(seq(i), part(both, 0), part(both, 1), part(g, 0), part(g, 1), opts.algorithm, opts);
      [gr.a, gr.aIm!, gr.b, gr.bIm!].forEach((src, k) => grads[k].set(src, o));
    }
    parents.forEach((p, k) => accumulate(p, grads[k], true));
  });
  const [re, im] = split(h, [1, 1], 0);
  return [reshape(re, [B, L, C]), reshape(im, [B, L, C])];
}

/** Sequence i of the batch as a recurrence over [L, C] views (no copies). */
function sequence(
  i: number, L: number, C: number,
  a: Float32Array, aIm: Float32Array | null, b: Float32Array, bIm: Float32Array | null,
  h0: Float32Array | null, h0Im: Float32Array | null,
): LinearRecurrence {
  const o = i * L * C;
  const view = (x: Float32Array | null) => (x ? x.subarray(o, o + L * C) : null);
  const state = (x: Float32Array | null) => (x ? x.subarray(i * C, (i + 1) * C) : null);
  return { L, C, a: view(a)!, aIm: view(aIm), b: view(b)!, bIm: view(bIm), h0: state(h0), h0Im: state(h0Im) };
}

function checkShapes(op: string, inputs: Array<[string, Tensor]>, opts: LinearScanComplexOptions): [number, number, number] {
  const all = inputs.map(([name, t]) => `${name} ${shapeStr(t.shape)}`).join(', ');
  const [, first] = inputs[0];
  if (first.ndim !== 3) throw new Error(`${op}: inputs must be [B, L, C], got ${all}`);
  for (const [, t] of inputs) {
    if (t.ndim !== 3 || t.shape.some((d, i) => d !== first.shape[i])) throw new Error(`${op}: inputs must all have the same shape [B, L, C], got ${all}`);
  }
  const [B, L, C] = first.shape;
  for (const [name, s] of [['h0', opts.h0], ['h0Im', opts.h0Im]] as const) {
    if (s && s.length !== B * C) throw new Error(`${op}: ${name} has ${s.length} elements, expected [B, C] = [${B}, ${C}] (inputs ${all})`);
  }
  if (opts.h0Im && op === 'linearScan') throw new Error(`linearScan: h0Im given for a real scan; use linearScanComplex`);
  return [B, L, C];
}
