// The WebAssembly SSD step (assembly/ssd_step.ts): same arguments and results as the reference
// ssdStep. One job whose tasks split the (sequence, head) pairs, one task per thread.

import type { SsdStepArgs } from '../reference/ssd.js';
import { JOB_SSD_STEP, SsdStepParams } from './control.js';
import { WasmRuntime } from './runtime.js';
import { STEP_PARALLEL_MIN } from './mamba_step.js';

export function makeWasmSsdStep(rt: WasmRuntime) {
  function ssdStep(a: SsdStepArgs): void {
    const { B, H, P, G, N } = a;
    const stateSize = B * H * P * N;
    const threads = stateSize >= STEP_PARALLEL_MIN ? Math.min(rt.threads, B * H) : 1;
    rt.reset();
    const state = rt.input(a.state, stateSize);
    const y = rt.output(a.y, B * H * P);
    rt.setParams(SsdStepParams, {
      x: rt.input(a.x, B * H * P), dt: rt.input(a.dt, B * H), A: rt.input(a.A, H), Bm: rt.input(a.Bm, B * G * N), C: rt.input(a.C, B * G * N),
      dtBias: rt.input(a.dtBias, H), Dskip: rt.input(a.Dskip, H), state, y,
      B, H, P, G, N, dtMin: a.dtMin, dtMax: a.dtMax, tasks: threads,
    }, ['dtMin', 'dtMax']);
    rt.run(JOB_SSD_STEP, threads, threads);
    rt.writeBack(state, a.state, stateSize);
    rt.writeBack(y, a.y, B * H * P);
  }

  return { ssdStep };
}
