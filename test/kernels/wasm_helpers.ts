// Shared by the wasm kernel tests: one runtime for the whole file (its own, independent of the
// global backend switch), seeded random arrays, and an error bound for float sums.

import assert from 'node:assert/strict';
import { Rng } from '../../src/tensor/random.js';
import { createWasmBackend, createWasmRuntime, WasmRuntime } from '../../src/kernels/wasm/index.js';
import type { Kernels } from '../../src/kernels/backend.js';

export async function wasmKernels(threads = 2): Promise<{ rt: WasmRuntime; k: Kernels }> {
  const rt = await createWasmRuntime(undefined, threads);
  return { rt, k: createWasmBackend(rt).kernels };
}

/**
 * Runs fn on `threads` threads and returns its result. With more than one, the workers have
 * started first and each parallel job waits for a worker to claim a task (Pool.workerFirst): the
 * run certainly uses a worker, whatever the scheduler does; it fails if no worker ran a task.
 */
export async function onThreads<T>(rt: WasmRuntime, threads: number, fn: () => T): Promise<T> {
  await rt.pool.ready(threads);
  const [savedThreads, savedFirst, before] = [rt.threads, rt.pool.workerFirst, rt.pool.workerTasks];
  rt.threads = threads;
  rt.pool.workerFirst = threads > 1;
  try {
    const result = fn();
    if (threads > 1) assert.ok(rt.pool.workerTasks > before, `a worker ran tasks of the run on ${threads} threads`);
    return result;
  } finally {
    rt.threads = savedThreads;
    rt.pool.workerFirst = savedFirst;
  }
}

export function randArray(n: number, rng: Rng, low = -1, high = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = low + (high - low) * rng.next();
  return a;
}

/**
 * |got − want| ≤ bound[i] + atol element-wise: bound comes from the operation (e.g. the rounding
 * error of a length-k sum of products, which depends on the summation order).
 */
export function assertWithin(got: Float32Array, want: Float32Array, bound: ArrayLike<number>, atol: number, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < got.length; i++) {
    const err = Math.abs(got[i] - want[i]);
    if (!(err <= bound[i] + atol)) assert.fail(`${what}[${i}]: got ${got[i]}, want ${want[i]} (allowed ${bound[i] + atol})`);
  }
}

export function assertBitIdentical(a: Float32Array, b: Float32Array, what: string): void {
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  assert.equal(a.length, b.length, `${what}: length`);
  for (let i = 0; i < ua.length; i++) if (ua[i] !== ub[i]) assert.fail(`${what}[${i}]: ${a[i]} vs ${b[i]}`);
}
