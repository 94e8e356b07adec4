// The wasm fused cross-entropy: same signatures as src/kernels/reference/cross_entropy.ts.
// Each row's loss comes back in its own slot and is summed here in row order (in f64, as the
// reference), so the total does not depend on the thread count.

import { CrossEntropyBackwardParams, CrossEntropyForwardParams, JOB_CROSS_ENTROPY_BACKWARD, JOB_CROSS_ENTROPY_FORWARD } from './control.js';
import { NORM_ROWS, ROWS_PARALLEL_MIN } from './norm.js';
import { WasmRuntime } from './runtime.js';

export function makeWasmCrossEntropy(rt: WasmRuntime) {
  const threads = (n: number) => (n >= ROWS_PARALLEL_MIN ? rt.threads : 1);

  function crossEntropyForward(logits: Float32Array, targets: Int32Array, lse: Float32Array, rows: number, V: number, ignoreIndex: number): number {
    if (rows === 0) return 0;
    rt.reset();
    const pz = rt.input(logits, rows * V);
    const pt = rt.copyInInts(targets.subarray(0, rows));
    const pl = rt.output(lse, rows);
    const ploss = rt.alloc(rows);
    rt.setParams(CrossEntropyForwardParams, { logits: pz, targets: pt, lse: pl, loss: ploss, rows, V, ignoreIndex, rowsPerTask: NORM_ROWS });
    rt.run(JOB_CROSS_ENTROPY_FORWARD, Math.ceil(rows / NORM_ROWS), threads(rows * V));
    rt.writeBack(pl, lse, rows);
    const f = rt.f32;
    let total = 0;
    for (let r = 0; r < rows; r++) total += f[(ploss >>> 2) + r];
    return total;
  }

  function crossEntropyBackward(
    logits: Float32Array, targets: Int32Array, lse: Float32Array, scale: number, gradLogits: Float32Array,
    rows: number, V: number, ignoreIndex: number,
  ): void {
    if (rows === 0) return;
    rt.reset();
    const pz = rt.input(logits, rows * V);
    const pt = rt.copyInInts(targets.subarray(0, rows));
    const pl = rt.input(lse, rows);
    const pg = rt.output(gradLogits, rows * V);
    rt.setParams(CrossEntropyBackwardParams, { logits: pz, targets: pt, lse: pl, gradLogits: pg, rows, V, ignoreIndex, rowsPerTask: NORM_ROWS, scale }, ['scale']);
    rt.run(JOB_CROSS_ENTROPY_BACKWARD, Math.ceil(rows / NORM_ROWS), threads(rows * V));
    rt.writeBack(pg, gradLogits, rows * V);
  }

  return { crossEntropyForward, crossEntropyBackward };
}
