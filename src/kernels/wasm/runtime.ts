// One instance of kernels.wasm on a shared WebAssembly.Memory, with the memory plan:
//   [0, heapBase)      the module's static data
//   control block      SLOTS i32 shared with the pool (control.ts)
//   dynamic region     per kernel call: inputs copied in, outputs, packed panels, per-thread
//                      scratch; reset at the start of every call, grown on demand.
// Kernel calls are synchronous and never nest, so one bump allocator is enough.

import { Pool } from './pool.js';
import { SCRATCH, SCRATCH_STRIDE, PARAMS, SLOTS, RunTask } from './control.js';
import type { Worker as NodeWorker } from 'node:worker_threads';

export interface KernelExports {
  heapBase(): number;
  runTask: RunTask;
  packB(b: number, k: number, n: number, transB: number, dst: number): void;
  packedBSize(k: number, n: number): number;
  gemmFewRows(a: number, b: number, c: number, m: number, k: number, n: number, transA: number, transB: number, accumulate: number, scratch: number): void;
  MR: WebAssembly.Global;
  NR: WebAssembly.Global;
  KC: WebAssembly.Global;
  MC: WebAssembly.Global;
}

const PAGE = 65536;
/** The module's declared maximum (scripts/build-wasm.mjs): 32768 pages. */
const MAX_BYTES = 32768 * PAGE;
const ALIGN = 64;

export class WasmRuntime {
  readonly exports: KernelExports;
  readonly pool: Pool;
  readonly ctl: Int32Array;
  readonly ctlPtr: number;
  private readonly base: number;
  private top: number;
  private view: Float32Array;
  /** Bytes of memory now. Only this runtime grows the memory, so it can track the size itself
   *  (reading memory.buffer of a shared memory allocates a new SharedArrayBuffer object). */
  private capacity: number;
  /** Threads a parallel job may use (the caller included). */
  threads: number;

  constructor(
    readonly module: WebAssembly.Module,
    readonly memory: WebAssembly.Memory,
    threads: number,
    WorkerClass: typeof NodeWorker | null,
  ) {
    const instance = new WebAssembly.Instance(module, { env: { memory } });
    this.exports = instance.exports as unknown as KernelExports;
    this.ctlPtr = alignUp(this.exports.heapBase(), ALIGN);
    this.base = alignUp(this.ctlPtr + SLOTS * 4, ALIGN);
    this.top = this.base;
    this.capacity = memory.buffer.byteLength;
    this.view = new Float32Array(memory.buffer);
    this.ensure(this.base);
    this.ctl = new Int32Array(memory.buffer, this.ctlPtr, SLOTS);
    this.threads = Math.max(1, threads);
    this.pool = new Pool(WorkerClass, module, memory, this.ctl, this.ctlPtr, this.exports.runTask);
  }

  /** The memory as floats; re-read after every alloc (growing replaces the view). */
  get f32(): Float32Array {
    return this.view;
  }

  /** Frees everything allocated since the last reset. */
  reset(): void {
    this.top = this.base;
  }

  /** Reserves `floats` floats (64-byte aligned) and returns the byte address. */
  alloc(floats: number): number {
    const p = this.top;
    this.top = alignUp(p + floats * 4, ALIGN);
    this.ensure(this.top);
    return p;
  }

  /** Copies src[0, count) into a fresh region; returns its byte address. */
  copyIn(src: Float32Array, count = src.length): number {
    const p = this.alloc(count);
    this.f32.set(count === src.length ? src : src.subarray(0, count), p >> 2);
    return p;
  }

  /** Copies 32-bit integers into a fresh region; returns its byte address. */
  copyInInts(src: Int32Array): number {
    const p = this.alloc(src.length);
    new Int32Array(this.view.buffer, p, src.length).set(src);
    return p;
  }

  /** Copies `count` floats at byte address p into dst (from dstOffset). */
  copyOut(p: number, dst: Float32Array, count = dst.length, dstOffset = 0): void {
    dst.set(this.f32.subarray(p >> 2, (p >> 2) + count), dstOffset);
  }

  /** Reserves `bytesPerThread` of scratch for each of `threads` threads and records it in the control block. */
  scratch(threads: number, bytesPerThread: number): void {
    const stride = alignUp(bytesPerThread, ALIGN);
    const p = this.alloc((stride * threads) / 4);
    this.ctl[SCRATCH] = p;
    this.ctl[SCRATCH_STRIDE] = stride;
  }

  setParams(values: ArrayLike<number>): void {
    for (let i = 0; i < values.length; i++) this.ctl[PARAMS + i] = values[i];
  }

  /** Writes float parameters (bit patterns) from slot `from` on. */
  setParamsF(from: number, values: ArrayLike<number>): void {
    this.view.set(values, (this.ctlPtr >> 2) + PARAMS + from);
  }

  run(kind: number, ntasks: number, threads: number): void {
    this.pool.run(kind, ntasks, threads);
  }

  private ensure(bytes: number): void {
    const have = this.capacity;
    if (bytes <= have) return;
    // Grow by at least a quarter, so that a sequence of growing calls costs O(log) grows.
    const need = Math.ceil((bytes - have) / PAGE);
    const pages = Math.max(need, Math.ceil(have / PAGE / 4));
    try {
      this.memory.grow(pages);
    } catch {
      try {
        this.memory.grow(need);
      } catch {
        throw new Error(`wasm kernels: cannot grow the memory to ${Math.ceil(bytes / 2 ** 20)} MiB (the maximum is ${MAX_BYTES / 2 ** 20} MiB)`);
      }
    }
    this.view = new Float32Array(this.memory.buffer);
    this.capacity = this.view.byteLength;
  }
}

function alignUp(x: number, a: number): number {
  return Math.ceil(x / a) * a;
}
