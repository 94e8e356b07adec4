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
