// The control block that the main thread and the pool's workers share inside the WebAssembly
// memory (mirrors assembly/control.ts), and the task-claiming loop both sides run.
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

/** Tasks run by workers (not the caller), over the pool's life: tests check that a job used a worker. */
export const WORKER_TASKS = 0;
export const CLAIM = 1;
export const NTASKS = 2;
export const DONE = 3;
export const ERROR = 4;
export const KIND = 5;
export const SCRATCH = 6;
export const SCRATCH_STRIDE = 7;
export const THREADS = 8; // threads taking part in the current job (tids 0..THREADS-1)
export const PARAMS = 9; // job parameters: slots 9..55
export const PHASES = 56; // phases of a phased job (0: one phase)
export const PHASE_ENDS = 57; // task index where each phase ends, in order (MAX_PHASES slots)
export const MAX_PHASES = 7;
/**
 * Bumped once per parallel job; idle workers poll it, then sleep on it. Alone on its 64-byte
 * line (slots 64–79): a worker spinning on it would otherwise pull the line holding CLAIM, DONE
 * and the parameters away from the thread publishing a job at every store.
 */
export const GEN = 64;
/** Workers that have started and entered their wait on GEN (each adds 1 once): see Pool.ready. */
export const STARTED = 65;
export const SLOTS = 80;
/** Task indices live in the low 16 bits of CLAIM. */
export const MAX_TASKS = 0xffff;

export const JOB_NOP = 0; // an empty task: measures the pool's own cost
export const JOB_MATMUL = 1;
export const JOB_SCAN_FORWARD = 2;
export const JOB_SCAN_BACKWARD = 3;
export const JOB_UNARY_FORWARD = 4;
export const JOB_UNARY_BACKWARD = 5;
export const JOB_CONV1D_FORWARD = 6;
export const JOB_CONV1D_BACKWARD = 7;
export const JOB_RMSNORM_FORWARD = 8;
export const JOB_RMSNORM_BACKWARD = 9;
export const JOB_CROSS_ENTROPY_FORWARD = 10;
export const JOB_CROSS_ENTROPY_BACKWARD = 11;
export const JOB_BINARY = 12;
export const JOB_MAMBA_STEP = 13; // a phased job: one Mamba block's generation step
export const JOB_WHO = 14; // task t writes the id of the thread that ran it to i32 slot t at param 0 (tests)
export const JOB_LINEAR_SCAN_FORWARD = 15;
export const JOB_LINEAR_SCAN_BACKWARD = 16;
export const JOB_GATE_FORWARD = 17;
export const JOB_GATE_BACKWARD = 18;
export const JOB_ADAMW = 19;

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

/**
 * Claims and runs tasks of the current job until none is left. A failing task still counts as
 * done (so that nobody waits forever) and sets ERROR; the first error is returned.
 */
export function claimTasks(ctl: Int32Array, ctlPtr: number, runTask: RunTask, tid: number): unknown {
  let error: unknown = undefined;
  for (;;) {
    const v = Atomics.load(ctl, CLAIM);
    const n = Atomics.load(ctl, NTASKS);
    const t = v & MAX_TASKS;
    if (t >= n || tid >= Atomics.load(ctl, THREADS)) return error;
    if (Atomics.compareExchange(ctl, CLAIM, v, v + 1) !== v) continue;
    const start = phaseStart(ctl, t);
    while (Atomics.load(ctl, DONE) < start);
    try {
      runTask(ctlPtr, t, tid);
    } catch (e) {
      error ??= e;
      Atomics.store(ctl, ERROR, 1);
    }
    if (tid > 0) Atomics.add(ctl, WORKER_TASKS, 1); // before DONE, so the caller sees it when the job ends
    if (Atomics.add(ctl, DONE, 1) + 1 === n) Atomics.notify(ctl, DONE);
  }
}
