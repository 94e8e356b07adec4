// The control block shared by the main thread and the workers: i32 slots at a fixed address in
// the shared memory. Its layout, the job kinds and every job's parameter slots are defined once,
// in src/kernels/wasm/slots.ts, which both sides compile; here, how the tasks read them.

export * from '../src/kernels/wasm/slots';
import { PARAMS, SCRATCH, SCRATCH_STRIDE } from '../src/kernels/wasm/slots';

/** The i32 job parameter in slot i (a member of the job's parameter enum). */
@inline export function param(ctl: usize, i: i32): i32 {
  return load<i32>(ctl + (<usize>(PARAMS + i) << 2));
}

/** The f32 job parameter in slot i. */
@inline export function paramF(ctl: usize, i: i32): f32 {
  return load<f32>(ctl + (<usize>(PARAMS + i) << 2));
}

@inline export function scratchOf(ctl: usize, tid: i32): usize {
  return <usize>load<i32>(ctl + (SCRATCH << 2)) + <usize>tid * <usize>load<i32>(ctl + (SCRATCH_STRIDE << 2));
}
