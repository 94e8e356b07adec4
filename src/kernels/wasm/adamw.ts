// The wasm AdamW update (assembly/adamw.ts): same arguments as the reference adamwStep. The
// parameter and both moments are resident (nn.Module.param, AdamW's constructor), so they are
// updated in place; the gradient is copied in.

import type { AdamWHyper } from '../reference/adamw.js';
import { AdamWParams, JOB_ADAMW } from './control.js';
import { ROWS_PARALLEL_MIN } from './norm.js';
import { WasmRuntime } from './runtime.js';

/** Elements per task: a fixed size, so that the split does not depend on the thread count. */
const ADAMW_CHUNK = 1 << 14;

export function makeWasmAdamW(rt: WasmRuntime) {
  function adamwStep(w: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, h: AdamWHyper): void {
    const n = w.length;
    if (n === 0) return;
    rt.reset();
    const pw = rt.input(w), pg = rt.input(g), pm = rt.input(m), pv = rt.input(v);
    rt.setParams(AdamWParams, {
      w: pw, g: pg, m: pm, v: pv, n, chunk: ADAMW_CHUNK,
      lr: h.lr, beta1: h.beta1, beta2: h.beta2, oneMinusBeta1: 1 - h.beta1, oneMinusBeta2: 1 - h.beta2, eps: h.eps, decay: h.decay, c1: h.c1, c2: h.c2,
    }, ['lr', 'beta1', 'beta2', 'oneMinusBeta1', 'oneMinusBeta2', 'eps', 'decay', 'c1', 'c2']);
    rt.run(JOB_ADAMW, Math.ceil(n / ADAMW_CHUNK), n >= ROWS_PARALLEL_MIN ? rt.threads : 1);
    rt.writeBack(pw, w);
    rt.writeBack(pm, m);
    rt.writeBack(pv, v);
  }
  return { adamwStep };
}
