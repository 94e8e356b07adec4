// The WebAssembly matrix-vector product (assembly/mat_vec.ts): same arguments and results as the
// reference matVec. One job whose tasks split the output columns, one task per thread, as the
// fused Mamba step's matrix phases: each thread streams its share of the weights once.

import type { MatVecArgs } from '../reference/mat_vec.js';
import { JOB_MAT_VEC, MatVecParams } from './control.js';
import { WasmRuntime } from './runtime.js';
import { STEP_PARALLEL_MIN, WEIGHT_CODES } from './mamba_step.js';
import { formatWords } from '../weight_format.js';
import { int8RowBytes } from '../int8.js';

export function makeWasmMatVec(rt: WasmRuntime) {
  function matVec(a: MatVecArgs): void {
    const { m, k, n } = a;
    if (m * n === 0) return;
    const threads = m * k * n >= STEP_PARALLEL_MIN ? Math.min(rt.threads, Math.ceil(n / 4)) : 1;
    rt.reset();
    const x = rt.input(a.x, m * k);
    const w = rt.input(a.w, formatWords(a.weights, n, k));
    const out = rt.output(a.out, m * n);
    rt.scratch(threads, 2 * int8RowBytes(k)); // the row rounded to i16 for int8 weights
    rt.setParams(MatVecParams, { x, w, out, B: m, k, n, weights: WEIGHT_CODES[a.weights], tasks: threads });
    rt.run(JOB_MAT_VEC, threads, threads);
    rt.writeBack(out, a.out, m * n);
  }

  return { matVec };
}
