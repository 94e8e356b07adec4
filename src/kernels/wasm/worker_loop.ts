// What every pool worker runs, in Node (worker.ts) and in browsers (worker_web.ts): instantiate
// kernels.wasm on the shared memory, then sleep on GEN and claim tasks of each new job. Holds no
// state between jobs.

import { GEN, SLOTS, STARTED, claimTasks, RunTask } from './control.js';

export interface WorkerInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  ctlPtr: number;
  tid: number;
  gen: number; // GEN before the job that started this worker was published
  spin: number; // polls of GEN before sleeping, so back-to-back jobs skip the futex wake-up
}

/** Never returns: the worker lives as long as its pool. */
export function serve(init: WorkerInit): never {
  const instance = new WebAssembly.Instance(init.module, { env: { memory: init.memory } });
  const runTask = instance.exports.runTask as RunTask;
  const ctl = new Int32Array(init.memory.buffer, init.ctlPtr, SLOTS);
  let seen = init.gen;
  // From here on every job published after init.gen reaches this worker: it is part of the pool.
  Atomics.add(ctl, STARTED, 1);
  for (;;) {
    for (let i = 0; i < init.spin && Atomics.load(ctl, GEN) === seen; i++);
    Atomics.wait(ctl, GEN, seen);
    seen = Atomics.load(ctl, GEN);
    const error = claimTasks(ctl, init.ctlPtr, runTask, init.tid, true); // a worker may always block
    if (error !== undefined) console.error(`mamba-ts wasm worker ${init.tid}:`, error);
  }
}
