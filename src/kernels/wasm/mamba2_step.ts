// The WebAssembly generation step of a Mamba-2 block (assembly/mamba2_step.ts): same arguments
// and results as the reference mamba2Step. One phased pool job per layer and token: in_proj (with
// the block's RMSNorm) and the conv step, the heads' SSD step, the gated norm per group, out_proj
// (with the residual), and for the last block the final norm and head.

import type { Mamba2StepArgs } from '../reference/mamba2_step.js';
import { JOB_MAMBA2_STEP, Mamba2StepParams } from './control.js';
import { WasmRuntime } from './runtime.js';
import { STEP_PARALLEL_MIN, WEIGHT_CODES } from './mamba_step.js';
import { formatWords } from '../weight_format.js';
import { int8RowBytes } from '../int8.js';

export function makeWasmMamba2Step(rt: WasmRuntime) {
  function mamba2Step(a: Mamba2StepArgs): void {
    const { B, D, I, H, P, G, N, K } = a;
    const convDim = I + 2 * G * N;
    const W = I + convDim + H;
    const format = a.weights ?? 'f32';
    const head = a.head ?? null;
    const headFormat = head?.weights ?? 'f32';
    const threads = B * D * W >= STEP_PARALLEL_MIN ? rt.threads : 1;
    // One task per thread for the matrix phases (each thread streams its share of the weights),
    // the heads and groups in as many runs as threads.
    const tasks = [threads, Math.min(threads, B * H), Math.min(threads, B * G), threads, head ? threads : 0];
    rt.reset();
    const words = (rows: number, cols: number, f = format) => formatWords(f, rows, cols);
    const x = rt.input(a.x, B * D);
    const convState = rt.input(a.convState, B * convDim * (K - 1));
    const ssmState = rt.input(a.ssmState, B * H * P * N);
    const out = rt.output(a.out, B * D);
    const logits = head ? rt.output(head.logits, B * head.V) : 0;
    rt.scratch(threads, Math.ceil(D / 16) * 64 + 2 * int8RowBytes(Math.max(D, I)));
    rt.setParams(Mamba2StepParams, {
      x, normW: a.norm ? rt.input(a.norm.weight, D) : 0, eps: a.norm?.eps ?? 0,
      inW: rt.input(a.inProj, words(W, D)), inBias: rt.optionalInput(a.inBias, W), zxbcdt: rt.alloc(B * W),
      convW: rt.input(a.convWeight, convDim * K), convBias: rt.optionalInput(a.convBias, convDim), convState, xBC: rt.alloc(B * convDim),
      dtBias: rt.input(a.dtBias, H), A: rt.input(a.A, H), Dskip: rt.input(a.Dskip, H), dtMin: a.dtMin, dtMax: a.dtMax,
      ssmState, y: rt.alloc(B * I), gateW: rt.input(a.gateNorm.weight, I), gateEps: a.gateNorm.eps,
      outW: rt.input(a.outProj, words(D, I)), outBias: rt.optionalInput(a.outBias, D), out, residual: a.residual ? 1 : 0,
      B, D, I, H, P, G, N, K,
      tasksIn: tasks[0], tasksHeads: tasks[1], tasksGate: tasks[2], tasksOut: tasks[3], tasksHead: tasks[4],
      headW: head ? rt.input(head.weight, words(head.V, D, headFormat)) : 0, headNormW: head ? rt.input(head.norm.weight, D) : 0,
      headEps: head?.norm.eps ?? 0, logits, V: head?.V ?? 0,
      weights: WEIGHT_CODES[format], headWeights: WEIGHT_CODES[headFormat],
    }, ['eps', 'dtMin', 'dtMax', 'gateEps', 'headEps']);
    const ends: number[] = [];
    tasks.reduce((end, n) => (ends.push(end + n), end + n), 0);
    rt.run(JOB_MAMBA2_STEP, ends[ends.length - 1], threads, ends);
    rt.writeBack(convState, a.convState, B * convDim * (K - 1));
    rt.writeBack(ssmState, a.ssmState, B * H * P * N);
    rt.writeBack(out, a.out, B * D);
    if (head) rt.writeBack(logits, head.logits, B * head.V);
  }

  return { mamba2Step };
}
