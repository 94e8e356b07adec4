// The worker pool: threads 1..size−1 are worker_threads running worker.ts on the same shared
// WebAssembly.Memory; thread 0 is the caller, which publishes a job, claims tasks like everyone
// else, then waits for the stragglers. Workers start lazily (first parallel job) and are unref'ed
// so that they never keep the process alive.
//
// Dispatch is by Atomics.notify/wait on the control block, not postMessage: the kernels are
// synchronous, so the caller cannot yield to its event loop to receive a reply anyway, and a
// postMessage wake-up costs more (see bench/pool.ts for the measured round trips).

import type { Worker as NodeWorker } from 'node:worker_threads';
import { CLAIM, DONE, ERROR, GEN, KIND, MAX_TASKS, NTASKS, THREADS, claimTasks, RunTask } from './control.js';

type WorkerCtor = typeof NodeWorker;

/** Polls before a waiting thread sleeps: ~10–50 µs, longer than a typical gap between jobs. */
const SPIN = 20000;

export class Pool {
  private readonly workers: NodeWorker[] = [];
  private seq = 0;

  constructor(
    private readonly WorkerClass: WorkerCtor | null,
    private readonly module: WebAssembly.Module,
    private readonly memory: WebAssembly.Memory,
    private readonly ctl: Int32Array,
    private readonly ctlPtr: number,
    private readonly runTask: RunTask,
  ) {}

  /** Whether jobs can run on more than one thread (Node with worker_threads). */
  get canSpawn(): boolean {
    return this.WorkerClass !== null;
  }

  /** Workers started so far. */
  get started(): number {
    return this.workers.length;
  }

  private ensureWorkers(count: number): void {
    const Worker = this.WorkerClass!;
    while (this.workers.length < count) {
      const tid = this.workers.length + 1;
      const w = new Worker(new URL('./worker.js', import.meta.url), {
        workerData: { module: this.module, memory: this.memory, ctlPtr: this.ctlPtr, tid, gen: Atomics.load(this.ctl, GEN), spin: SPIN },
      });
      w.unref();
      this.workers.push(w);
    }
  }

  /**
   * Runs tasks 0..ntasks−1 of the job whose kind and parameters are already in the control block,
   * on `threads` threads (the caller included). Returns when every task has finished.
   */
  run(kind: number, ntasks: number, threads: number): void {
    if (ntasks > MAX_TASKS) throw new Error(`wasm pool: ${ntasks} tasks exceed the limit of ${MAX_TASKS}`);
    const ctl = this.ctl;
    const parallel = threads > 1 && ntasks > 1 && this.WorkerClass !== null;
    const used = parallel ? Math.min(threads, ntasks) : 1;
    if (parallel) this.ensureWorkers(used - 1);
    Atomics.store(ctl, KIND, kind);
    Atomics.store(ctl, NTASKS, ntasks);
    Atomics.store(ctl, DONE, 0);
    Atomics.store(ctl, ERROR, 0);
    Atomics.store(ctl, THREADS, used);
    this.seq = (this.seq + 1) & 0x7fff;
    Atomics.store(ctl, CLAIM, this.seq << 16);
    if (parallel) {
      Atomics.add(ctl, GEN, 1);
      Atomics.notify(ctl, GEN, used - 1);
    }
    const error = claimTasks(ctl, this.ctlPtr, this.runTask, 0);
    for (let i = 0; Atomics.load(ctl, DONE) < ntasks; i++) {
      if (i > SPIN) Atomics.wait(ctl, DONE, Atomics.load(ctl, DONE), 100);
    }
    if (error !== undefined) throw error;
    if (Atomics.load(ctl, ERROR) !== 0) throw new Error(`wasm pool: a task of job kind ${kind} failed in a worker (its error is on stderr)`);
  }
}
