// A pool worker: instantiates kernels.wasm on the shared memory, then sleeps on GEN and claims
// tasks of each new job. Holds no state between jobs.

import { workerData } from 'node:worker_threads';
import { GEN, SLOTS, claimTasks, RunTask } from './control.js';

interface WorkerInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  ctlPtr: number;
  tid: number;
  gen: number; // GEN before the job that started this worker was published
  spin: number; // polls of GEN before sleeping, so back-to-back jobs skip the futex wake-up
}

const init = workerData as WorkerInit;
const instance = new WebAssembly.Instance(init.module, { env: { memory: init.memory } });
const runTask = instance.exports.runTask as RunTask;
const ctl = new Int32Array(init.memory.buffer, init.ctlPtr, SLOTS);

let seen = init.gen;
for (;;) {
  for (let i = 0; i < init.spin && Atomics.load(ctl, GEN) === seen; i++);
  Atomics.wait(ctl, GEN, seen);
  seen = Atomics.load(ctl, GEN);
  const error = claimTasks(ctl, init.ctlPtr, runTask, init.tid);
  if (error !== undefined) console.error(`mamba-ts wasm worker ${init.tid}:`, error);
}
