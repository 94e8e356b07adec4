// The control block that the main thread and the pool's workers share inside the WebAssembly
// memory (mirrors assembly/control.ts), and the task-claiming loop both sides run.
//
// A job is published by writing its parameters, closing CLAIM under a new sequence number
// ((seq << 16) | MAX_TASKS), writing KIND, NTASKS, DONE, THREADS, opening CLAIM = (seq << 16) | 0,
// then bumping GEN. Every thread claims task indices with compare-exchange on CLAIM: a claim only
// succeeds while the CLAIM value it read is still current, the main thread does not publish the
// next job before DONE reaches NTASKS, and CLAIM changes before NTASKS does, so a claimed task
// always belongs to a completely published job.

export const GEN = 0;
export const CLAIM = 1;
export const NTASKS = 2;
export const DONE = 3;
export const ERROR = 4;
export const KIND = 5;
export const SCRATCH = 6;
export const SCRATCH_STRIDE = 7;
export const THREADS = 8; // threads taking part in the current job (tids 0..THREADS-1)
export const PARAMS = 9;
export const SLOTS = 40;
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
export const JOB_GEMV = 13;
export const JOB_MAMBA_CHANNELS = 14;
export const JOB_WHO = 15; // task t writes the id of the thread that ran it to i32 slot t at param 0 (tests)
export const JOB_LINEAR_SCAN_FORWARD = 16;
export const JOB_LINEAR_SCAN_BACKWARD = 17;
export const JOB_GATE_FORWARD = 18;
export const JOB_GATE_BACKWARD = 19;
export const JOB_ADAMW = 20;

export type RunTask = (ctlPtr: number, task: number, tid: number) => void;

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
    try {
      runTask(ctlPtr, t, tid);
    } catch (e) {
      error ??= e;
      Atomics.store(ctl, ERROR, 1);
    }
    if (Atomics.add(ctl, DONE, 1) + 1 === n) Atomics.notify(ctl, DONE);
  }
}
