// The control block shared by the main thread and the workers: a few i32 slots at a fixed
// address in the shared memory. The slot numbers are mirrored in src/kernels/wasm/control.ts.

// Slot 0 (WORKER_TASKS) and 65 (STARTED) are only used by the pool; GEN (64) sits alone on its
// cache line (src/kernels/wasm/control.ts).
export const CLAIM = 1; // (job sequence << 16) | next task index, claimed by compare-exchange
export const NTASKS = 2;
export const DONE = 3; // tasks finished in the current job
export const ERROR = 4; // set when a task threw
export const KIND = 5; // which task function runs (JOB_* below)
export const SCRATCH = 6; // per-thread scratch base (bytes)
export const SCRATCH_STRIDE = 7; // bytes of scratch per thread
export const THREADS = 8; // threads taking part in the current job
export const PARAMS = 9; // first job parameter slot (9..55)
export const PHASES = 56; // phases of a phased job (src/kernels/wasm/control.ts)
export const GEN = 64; // bumped once per job; idle workers poll it, then sleep on it (Atomics.wait)
export const SLOTS = 80;

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

@inline export function param(ctl: usize, i: i32): i32 {
  return load<i32>(ctl + (<usize>(PARAMS + i) << 2));
}

@inline export function paramF(ctl: usize, i: i32): f32 {
  return load<f32>(ctl + (<usize>(PARAMS + i) << 2));
}

@inline export function scratchOf(ctl: usize, tid: i32): usize {
  return <usize>load<i32>(ctl + (SCRATCH << 2)) + <usize>tid * <usize>load<i32>(ctl + (SCRATCH_STRIDE << 2));
}
