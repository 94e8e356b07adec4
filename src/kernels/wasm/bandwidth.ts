// The read bandwidth of this machine as the kernels see it (assembly/bandwidth.ts): the rate at
// which `threads` threads stream a resident array once. Generation at batch 1 reads every weight
// once per token, so bytes per token over this rate is the fastest a step can be (its roofline);
// measured in the same run as the figure it judges, since on a shared host it moves from minute
// to minute.

import { JOB_STREAM_READ, StreamReadParams } from './control.js';
import type { WasmRuntime } from './runtime.js';

/** Bytes per second of `threads` threads reading `array` (resident, well past the caches), best of `repeats`. */
export function readBandwidth(rt: WasmRuntime, array: Float32Array, threads: number, repeats = 5): number {
  if (!rt.isResident(array)) throw new Error('readBandwidth: the array must be resident (WasmRuntime.residentArray)');
  let best = 0;
  for (let r = 0; r < repeats; r++) {
    rt.reset();
    const out = rt.alloc(threads);
    rt.setParams(StreamReadParams, { src: array.byteOffset, floats: array.length, out, tasks: threads });
    const t0 = performance.now();
    rt.run(JOB_STREAM_READ, threads, threads);
    best = Math.max(best, (array.length * 4) / ((performance.now() - t0) / 1000));
  }
  return best;
}
