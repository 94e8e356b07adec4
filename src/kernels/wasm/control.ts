// The control block that the main thread and the pool's workers share inside the WebAssembly
// memory (its slots, the job kinds and the jobs' parameters: slots.ts, which the AssemblyScript
// kernels compile too), and the task-claiming loop every thread runs.
//
// A job is published by writing its parameters, closing CLAIM under a new sequence number
// ((seq << 16) | MAX_TASKS), writing KIND, NTASKS, DONE, THREADS, opening CLAIM = (seq << 16) | 0,
// then bumping GEN. Every thread claims task indices with compare-exchange on CLAIM: a claim only
// succeeds while the CLAIM value it read is still current, the main thread does not publish the
// next job before DONE reaches NTASKS, and CLAIM changes before NTASKS does, so a claimed task
// always belongs to a completely published job.
//
// A phased job (PHASES > 0) runs its phases in order within one publication: a task of phase p
// starts only once every task of phases < p is done (DONE reaches the phase's first index).
// Tasks are claimed in index order, so every earlier task is already claimed by a running thread
// and the wait always ends; a worker that wakes late simply joins at the current phase.

export * from './slots.js';
import { CLAIM, DONE, DONE_WAITERS, ERROR, MAX_TASKS, NTASKS, PHASES, PHASE_ENDS, THREADS, WORKER_TASKS } from './slots.js';

export type RunTask = (ctlPtr: number, task: number, tid: number) => void;

/** The first task index of task t's phase (0 outside phased jobs). */
function phaseStart(ctl: Int32Array, t: number): number {
  const phases = Atomics.load(ctl, PHASES);
  let start = 0;
  for (let p = 0; p < phases; p++) {
    const end = Atomics.load(ctl, PHASE_ENDS + p);
    if (t < end) break;
    start = end;
  }
  return start;
}

/** Polls of DONE before a thread waiting for a phase to end sleeps (as the kernels' waitForDone). */
const WAIT_SPINS = 1 << 14;

/**
 * Waits until DONE reaches `start` (the tasks of the phases before a task's own are done):
 * spinning, then, where this thread may block, asleep on DONE, counted in DONE_WAITERS so that
 * the tasks finishing wake it. On a busy machine a waiting thread then gives its core to the
 * one it waits for instead of spinning through its time slice.
 */
function waitForDone(ctl: Int32Array, start: number, mayBlock: boolean): void {
  for (let i = 0; ; i++) {
    const d = Atomics.load(ctl, DONE);
    if (d >= start) return;
    if (i < WAIT_SPINS || !mayBlock) continue;
    Atomics.add(ctl, DONE_WAITERS, 1);
    Atomics.wait(ctl, DONE, d, 1); // at most 1 ms: a missed wake-up costs no more
    Atomics.sub(ctl, DONE_WAITERS, 1);
  }
}

/**
 * Claims and runs tasks of the current job until none is left (mayBlock: whether this thread may
 * sleep in Atomics.wait; a page's main thread may not). A failing task still counts as
 * done (so that nobody waits forever) and sets ERROR; the first error is returned.
 */
export function claimTasks(ctl: Int32Array, ctlPtr: number, runTask: RunTask, tid: number, mayBlock: boolean): unknown {
  let error: unknown = undefined;
  for (;;) {
    const v = Atomics.load(ctl, CLAIM);
    const n = Atomics.load(ctl, NTASKS);
    const t = v & MAX_TASKS;
    if (t >= n || tid >= Atomics.load(ctl, THREADS)) return error;
    if (Atomics.compareExchange(ctl, CLAIM, v, v + 1) !== v) continue;
    waitForDone(ctl, phaseStart(ctl, t), mayBlock);
    try {
      runTask(ctlPtr, t, tid);
    } catch (e) {
      error ??= e;
      Atomics.store(ctl, ERROR, 1);
    }
    if (tid > 0) Atomics.add(ctl, WORKER_TASKS, 1); // before DONE, so the caller sees it when the job ends
    // The last task wakes the caller; any task wakes the threads asleep in a kernel for a phase to end.
    if (Atomics.add(ctl, DONE, 1) + 1 === n || Atomics.load(ctl, DONE_WAITERS) > 0) Atomics.notify(ctl, DONE);
  }
}
