// Reference kernels of the linear recurrence h_t = a_t ⊙ h_{t−1} + b_t over a batch (the LRU's
// recurrence, op linearScan / linearScanComplex): each sequence of the batch is one recurrence of
// the scan library (src/kernels/scan/), run with the chosen algorithm.
// Layouts: a, b, h, g and the gradients [B, L, C] (re and im parts in separate arrays, im null for
// a real recurrence); h0 [B, C]. A fast backend replaces these two functions, same signatures.

import { LinearRecurrence, ScanAlgorithm, runScan, scanBackward } from '../scan/index.js';

export interface LinearScanInputs {
  B: number; L: number; C: number;
  a: Float32Array; aIm: Float32Array | null; // [B, L, C]
  b: Float32Array; bIm: Float32Array | null; // [B, L, C]
  h0: Float32Array | null; h0Im: Float32Array | null; // [B, C], zeros when null
  algorithm: ScanAlgorithm;
  /** Chunked algorithm only: chunks per sequence (default ⌈√(2L)⌉). */
  chunks?: number;
}

export interface LinearScanForwardArgs extends LinearScanInputs {
  h: Float32Array; hIm: Float32Array | null; // out [B, L, C]
}

export interface LinearScanBackwardArgs extends LinearScanInputs {
  h: Float32Array; hIm: Float32Array | null; // [B, L, C], the forward states
  g: Float32Array; gIm: Float32Array | null; // [B, L, C], ∂L/∂h
  gradA: Float32Array; gradAIm: Float32Array | null; // out [B, L, C]
  gradB: Float32Array; gradBIm: Float32Array | null; // out [B, L, C]
}

export function linearScanForward(args: LinearScanForwardArgs): void {
  const { B, L, C } = args;
  for (let i = 0; i < B; i++) {
    const res = runScan(sequence(args, i), args.algorithm, args);
    args.h.set(res.h, i * L * C);
    if (args.hIm && res.hIm) args.hIm.set(res.hIm, i * L * C);
  }
}

/** ∂a and ∂b by the reverse recurrence (src/kernels/scan/backward.ts); h0 is a constant. */
export function linearScanBackward(args: LinearScanBackwardArgs): void {
  const { B, L, C } = args;
  const n = L * C;
  const rows = (x: Float32Array | null, i: number) => (x ? x.subarray(i * n, (i + 1) * n) : null);
  for (let i = 0; i < B; i++) {
    const gr = scanBackward(sequence(args, i), rows(args.h, i)!, rows(args.hIm, i), rows(args.g, i)!, rows(args.gIm, i), args.algorithm, args);
    args.gradA.set(gr.a, i * n);
    args.gradB.set(gr.b, i * n);
    if (args.gradAIm && gr.aIm) args.gradAIm.set(gr.aIm, i * n);
    if (args.gradBIm && gr.bIm) args.gradBIm.set(gr.bIm, i * n);
  }
}

/** Sequence i of the batch as a recurrence over [L, C] views (no copies). */
function sequence(x: LinearScanInputs, i: number): LinearRecurrence {
  const { L, C } = x;
  const view = (arr: Float32Array | null) => (arr ? arr.subarray(i * L * C, (i + 1) * L * C) : null);
  const state = (arr: Float32Array | null) => (arr ? arr.subarray(i * C, (i + 1) * C) : null);
  return { L, C, a: view(x.a)!, aIm: view(x.aIm), b: view(x.b)!, bIm: view(x.bIm), h0: state(x.h0), h0Im: state(x.h0Im) };
}
