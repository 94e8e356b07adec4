// The worker pool: threads 1..size−1 are workers (worker_threads in Node, module Web Workers in
// browsers) running worker_loop.ts on the same shared WebAssembly.Memory; thread 0 is the caller,
// which publishes a job, claims tasks like everyone else, then waits for the stragglers. Workers
// start lazily (first parallel job, or ready()); in Node they are unref'ed so that they never keep
// the process alive. A worker that is still starting simply claims no task: the others do them
// all. Even a started worker sleeping on GEN often takes part in no task of a short job: the
// caller may finish every task before the worker is woken and scheduled (milliseconds on a loaded
// machine), so a test that needs a worker to take part waits for ready() and sets workerFirst.
//
// Dispatch is by Atomics.notify/wait on the control block, not postMessage: the kernels are
// synchronous, so the caller cannot yield to its event loop to receive a reply anyway, and a
// postMessage wake-up costs more (see bench/pool.ts for the measured round trips).

import { CLAIM, DONE, ERROR, GEN, KIND, MAX_PHASES, MAX_TASKS, NTASKS, PHASES, PHASE_ENDS, STARTED, THREADS, WORKER_TASKS, claimTasks, RunTask } from './control.js';
import type { WorkerInit } from './worker_loop.js';

/** Starts one pool worker with its init; null where workers cannot share the memory. */
export type SpawnWorker = (init: WorkerInit) => void;

/** Whether this thread may block in Atomics.wait (not a browser page's main thread). */
function canBlock(): boolean {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

/** Polls before a waiting thread sleeps: ~10–50 µs, longer than a typical gap between jobs. */
const SPIN = 20000;

export class Pool {
  private spawned = 0;
  private seq = 0;
  /** The caller waits for stragglers by polling, then (where allowed) by sleeping in Atomics.wait. */
  readonly mayBlock = canBlock();
  /**
   * For tests: in every parallel job the caller claims no task before a worker has claimed one,
   * so that the job certainly runs on two threads whatever the scheduler does.
   */
  workerFirst = false;

  constructor(
    private readonly spawn: SpawnWorker | null,
    private readonly module: WebAssembly.Module,
    private readonly memory: WebAssembly.Memory,
    /** The control block; replaced (control()) when a non-shared memory grows and detaches it. */
    private ctl: Int32Array,
    private readonly ctlPtr: number,
    private readonly runTask: RunTask,
  ) {}

  /** A new view of the control block, after a non-shared memory grew (its old buffer is detached). */
  control(ctl: Int32Array): void {
    this.ctl = ctl;
  }

  /** Whether jobs can run on more than one thread. */
  get canSpawn(): boolean {
    return this.spawn !== null;
  }

  /** Workers started so far. */
  get started(): number {
    return this.spawned;
  }

  /** Workers that have started and wait for jobs. */
  get running(): number {
    return Atomics.load(this.ctl, STARTED);
  }

  /** Tasks run by workers so far (tests compare it before and after a job). */
  get workerTasks(): number {
    return Atomics.load(this.ctl, WORKER_TASKS);
  }

  /**
   * Starts the workers that a job on `threads` threads uses and resolves once every worker has
   * started and waits for jobs: each job published from then on reaches them. The deadline only
   * turns a worker that never starts (an error on its thread) into an error here; a worker
   * starts in 150–250 ms.
   */
  async ready(threads: number, timeoutMs = 60_000): Promise<void> {
    if (this.spawn === null || threads <= 1) return;
    this.ensureWorkers(threads - 1);
    const start = Date.now();
    while (this.running < this.spawned) {
      if (Date.now() - start > timeoutMs) throw new Error(`wasm pool: ${this.running} of ${this.spawned} workers started within ${timeoutMs / 1000} s`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  private ensureWorkers(count: number): void {
    while (this.spawned < count) {
      this.spawned++;
      this.spawn!({ module: this.module, memory: this.memory, ctlPtr: this.ctlPtr, tid: this.spawned, gen: Atomics.load(this.ctl, GEN), spin: SPIN });
    }
  }

  /**
   * Runs tasks 0..ntasks−1 of the job whose kind and parameters are already in the control block,
   * on `threads` threads (the caller included). Returns when every task has finished. With
   * `phaseEnds` (ascending, the last = ntasks), the tasks before each end finish before any task
   * after it starts: several dependent stages in one publication (see control.ts).
   */
  run(kind: number, ntasks: number, threads: number, phaseEnds: readonly number[] = []): void {
    if (ntasks > MAX_TASKS) throw new Error(`wasm pool: ${ntasks} tasks exceed the limit of ${MAX_TASKS}`);
    if (phaseEnds.length > MAX_PHASES) throw new Error(`wasm pool: ${phaseEnds.length} phases exceed the limit of ${MAX_PHASES}`);
    const ctl = this.ctl;
    const parallel = threads > 1 && ntasks > 1 && this.spawn !== null;
    if (!parallel) {
      // One thread: the tasks in order, here, without the claiming protocol (no worker takes
      // part; a straggler of the last parallel job finds its tasks all claimed and leaves).
      Atomics.store(ctl, KIND, kind);
      for (let t = 0; t < ntasks; t++) this.runTask(this.ctlPtr, t, 0);
      return;
    }
    const used = Math.min(threads, ntasks);
    this.ensureWorkers(used - 1);
    // Close claiming under the new sequence number before changing anything else: a worker still
    // in the previous job's claim loop may have read the old CLAIM and could pair it with the new
    // NTASKS; its compare-exchange must fail, or it would run a task of this job before the job
    // is complete, and a task could run twice (found as rare, load-dependent differences between
    // two identical 2-thread training runs).
    this.seq = (this.seq + 1) & 0x7fff;
    Atomics.store(ctl, CLAIM, (this.seq << 16) | MAX_TASKS);
    Atomics.store(ctl, KIND, kind);
    Atomics.store(ctl, NTASKS, ntasks);
    Atomics.store(ctl, DONE, 0);
    Atomics.store(ctl, ERROR, 0);
    Atomics.store(ctl, THREADS, used);
    phaseEnds.forEach((end, p) => Atomics.store(ctl, PHASE_ENDS + p, end));
    Atomics.store(ctl, PHASES, phaseEnds.length);
    const open = this.seq << 16;
    Atomics.store(ctl, CLAIM, open);
    Atomics.add(ctl, GEN, 1);
    // Wakes used − 1 sleepers, the longest asleep first: with workers beyond `used` (threads was
    // lowered), maybe none that may claim. Under workerFirst the caller waits for one: wake all.
    Atomics.notify(ctl, GEN, this.workerFirst ? this.spawned : used - 1);
    for (let i = 0; this.workerFirst && Atomics.load(ctl, CLAIM) === open; i++) {
      if (i > SPIN && this.mayBlock) Atomics.wait(ctl, CLAIM, open, 0.05);
    }
    const error = claimTasks(ctl, this.ctlPtr, this.runTask, 0, this.mayBlock);
    for (let i = 0; Atomics.load(ctl, DONE) < ntasks; i++) {
      if (i > SPIN && this.mayBlock) Atomics.wait(ctl, DONE, Atomics.load(ctl, DONE), 100);
    }
    if (error !== undefined) throw error;
    if (Atomics.load(ctl, ERROR) !== 0) throw new Error(`wasm pool: a task of job kind ${kind} failed in a worker (its error is on stderr)`);
  }
}
