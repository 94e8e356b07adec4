// The WebAssembly linear recurrence of the LRU (assembly/linear_scan.ts): same arguments and
// results as the reference kernels for the sequential algorithm; the other algorithms (which
// exist to study depth and parallel work, src/kernels/scan/) keep the reference kernels.

import {
  linearScanBackward as refBackward, linearScanForward as refForward, LinearScanBackwardArgs, LinearScanForwardArgs,
} from '../reference/linear_scan.js';
import { JOB_LINEAR_SCAN_BACKWARD, JOB_LINEAR_SCAN_FORWARD, LinearScanBackwardParams, LinearScanForwardParams } from './control.js';
import { WasmRuntime } from './runtime.js';

/** Channels per task: a multiple of 4 (one f32x4 holds 4 channels). */
export const LINEAR_SCAN_BLOCK = 32;
/** Below this many (b, t, c) elements a scan runs on the calling thread only. */
export const LINEAR_SCAN_PARALLEL_MIN = 1 << 16;

export function makeWasmLinearScan(rt: WasmRuntime) {
  const plan = (B: number, L: number, C: number) => ({
    tasks: B * Math.ceil(C / LINEAR_SCAN_BLOCK),
    threads: B * L * C >= LINEAR_SCAN_PARALLEL_MIN ? rt.threads : 1,
  });

  function linearScanForward(args: LinearScanForwardArgs): void {
    const { B, L, C } = args;
    const n = B * L * C;
    const complex = args.aIm !== null;
    // Other algorithms, and malformed complex arguments (the reference says what is missing).
    if (args.algorithm !== 'sequential' || n === 0 || (complex && (!args.bIm || !args.hIm))) return refForward(args);
    rt.reset();
    const a = rt.input(args.a, n), aIm = complex ? rt.input(args.aIm!, n) : 0;
    const b = rt.input(args.b, n), bIm = complex ? rt.input(args.bIm!, n) : 0;
    const h0 = rt.optionalInput(args.h0, B * C), h0Im = complex ? rt.optionalInput(args.h0Im, B * C) : 0;
    const h = rt.output(args.h, n), hIm = complex ? rt.output(args.hIm!, n) : 0;
    const { tasks, threads } = plan(B, L, C);
    rt.scratch(threads, 2 * LINEAR_SCAN_BLOCK * 4);
    rt.setParams(LinearScanForwardParams, { a, aIm, b, bIm, h0, h0Im, h, hIm, B, L, C, block: LINEAR_SCAN_BLOCK });
    rt.run(JOB_LINEAR_SCAN_FORWARD, tasks, threads);
    rt.writeBack(h, args.h, n);
    if (complex) rt.writeBack(hIm, args.hIm!, n);
  }

  function linearScanBackward(args: LinearScanBackwardArgs): void {
    const { B, L, C } = args;
    const n = B * L * C;
    const complex = args.aIm !== null;
    if (args.algorithm !== 'sequential' || n === 0 || (complex && (!args.hIm || !args.gIm || !args.gradAIm || !args.gradBIm))) return refBackward(args);
    rt.reset();
    const a = rt.input(args.a, n), aIm = complex ? rt.input(args.aIm!, n) : 0;
    const h = rt.input(args.h, n), hIm = complex ? rt.input(args.hIm!, n) : 0;
    const g = rt.input(args.g, n), gIm = complex ? rt.input(args.gIm!, n) : 0;
    const h0 = rt.optionalInput(args.h0, B * C), h0Im = complex ? rt.optionalInput(args.h0Im, B * C) : 0;
    const gA = rt.output(args.gradA, n), gAIm = complex ? rt.output(args.gradAIm!, n) : 0;
    const gB = rt.output(args.gradB, n), gBIm = complex ? rt.output(args.gradBIm!, n) : 0;
    const { tasks, threads } = plan(B, L, C);
    rt.scratch(threads, 2 * LINEAR_SCAN_BLOCK * 4);
    rt.setParams(LinearScanBackwardParams, {
      a, aIm, h, hIm, g, gIm, h0, h0Im, gradA: gA, gradAIm: gAIm, gradB: gB, gradBIm: gBIm, B, L, C, block: LINEAR_SCAN_BLOCK,
    });
    rt.run(JOB_LINEAR_SCAN_BACKWARD, tasks, threads);
    rt.writeBack(gA, args.gradA, n);
    rt.writeBack(gB, args.gradB, n);
    if (complex) {
      rt.writeBack(gAIm, args.gradAIm!, n);
      rt.writeBack(gBIm, args.gradBIm!, n);
    }
  }

  return { linearScanForward, linearScanBackward };
}
