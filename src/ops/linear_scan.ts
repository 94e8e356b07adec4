// linearScan: the linear recurrence h_t = a_t ⊙ h_{t−1} + b_t over the time axis, as a
// differentiable op, real or complex (the LRU's recurrence).
// a, b: [B, L, C] → h: [B, L, C]; h0: [B, C] a constant initial state (no gradient).
// Kernels linearScanForward / linearScanBackward (src/kernels/reference/linear_scan.ts, on the scan
// library src/kernels/scan/) with the chosen algorithm; the backward is the reverse recurrence
// δ_t = g_t + a_{t+1} ⊙ δ_{t+1} (complex: conj(a_{t+1}); see src/kernels/scan/backward.ts) on the
// same algorithm, then ∂b = δ and ∂a_t = δ_t ⊙ h_{t−1} (complex: ⊙ conj(h_{t−1})).

import { Tensor, shapeStr } from '../tensor/tensor.js';
import { accumulate, record, registerOp } from '../autograd/tape.js';
import { kernels } from '../kernels/backend.js';
import type { ScanAlgorithm } from '../kernels/scan/index.js';
import { reshape, split } from './shape.js';
import { allocOutput } from '../kernels/memory.js';

export type { ScanAlgorithm };

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
  const inputs = { B, L, C, a: a.data, aIm: null, b: b.data, bIm: null, h0, h0Im: null, algorithm: opts.algorithm ?? 'sequential', chunks: opts.chunks };
  const h = allocOutput(a.size); // the kernels write every element, as every array below
  kernels().linearScanForward({ ...inputs, h, hIm: null });
  return record('linearScan', h, a.shape, [a, b], (g) => {
    const gradA = allocOutput(a.size);
    const gradB = allocOutput(b.size);
    kernels().linearScanBackward({ ...inputs, h, hIm: null, g, gIm: null, gradA, gradAIm: null, gradB, gradBIm: null });
    accumulate(a, gradA, true);
    accumulate(b, gradB, true);
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
  const inputs = {
    B, L, C, a: aRe.data, aIm: aIm.data, b: bRe.data, bIm: bIm.data,
    h0: opts.h0 ? opts.h0.slice() : null, h0Im: opts.h0Im ? opts.h0Im.slice() : null,
    algorithm: opts.algorithm ?? 'sequential', chunks: opts.chunks,
  };
  const both = allocOutput(2 * n); // [2, B, L, C]: real parts, then imaginary parts
  const half = (arr: Float32Array, k: number) => arr.subarray(k * n, (k + 1) * n);
  kernels().linearScanForward({ ...inputs, h: half(both, 0), hIm: half(both, 1) });
  const parents = [aRe, aIm, bRe, bIm];
  const h = record('linearScanComplex', both, [2, B, L, C], parents, (g) => {
    const [gradA, gradAIm, gradB, gradBIm] = parents.map(() => allocOutput(n));
    kernels().linearScanBackward({ ...inputs, h: half(both, 0), hIm: half(both, 1), g: half(g, 0), gIm: half(g, 1), gradA, gradAIm, gradB, gradBIm });
    [gradA, gradAIm, gradB, gradBIm].forEach((grad, k) => accumulate(parents[k], grad, true));
  });
  const [re, im] = split(h, [1, 1], 0);
  return [reshape(re, [B, L, C]), reshape(im, [B, L, C])];
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
