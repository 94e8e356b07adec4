// One instance of kernels.wasm on a shared WebAssembly.Memory, with the memory plan:
//   [0, heapBase)      the module's static data
//   control block      SLOTS i32 shared with the pool (control.ts)
//   resident region    Float32Array views on the memory that kernels read and write in place,
//                      without a copy, in first-fit blocks: long-lived arrays (model weights,
//                      generation state), freed when their view is garbage-collected, and
//                      arena arrays (op outputs inside withArena), freed when the arena closes.
//   dynamic region     per kernel call: inputs copied in, outputs, packed panels, per-thread
//                      scratch; starts above the resident region, reset at the start of every
//                      call, grown on demand.
// Kernel calls are synchronous and never nest, so one bump allocator is enough for the dynamic
// region; resident blocks are only allocated between calls.
// On a memory that is not shared (kernels-single.wasm, for pages without cross-origin
// isolation), growing detaches every view of the old buffer: there is no resident region (resident
// and arena arrays are plain arrays, copied in and out) and no worker, and views are re-made.

import { Pool, SpawnWorker } from './pool.js';
import { BlockHeap } from './blocks.js';
import { JOB_WHO, SCRATCH, SCRATCH_STRIDE, PARAMS, SLOTS, RunTask, WhoParams } from './control.js';

export interface KernelExports {
  heapBase(): number;
  relaxedSimd(): number;
  runTask: RunTask;
  packedBSize(k: number, n: number): number;
  zero(p: number, bytes: number): void;
  gemmFewRows(a: number, b: number, c: number, m: number, k: number, n: number, transA: number, transB: number, accumulate: number, scratch: number): void;
  transposeInto(src: number, dst: number, rows: number, cols: number, accumulate: number): void;
  MR: WebAssembly.Global;
  NR: WebAssembly.Global;
  KC: WebAssembly.Global;
  MC: WebAssembly.Global;
}

const PAGE = 65536;
/** The module's declared maximum (scripts/build-wasm.mjs): 65536 pages, 4 GiB. */
const MAX_BYTES = 65536 * PAGE;
/** What the arenas leave to everything else: parameters, states and the per-call copies of the operands that do not fit an arena. */
const NON_ARENA_BYTES = 1.25 * 2 ** 30;
const ALIGN = 64;

export class WasmRuntime {
  readonly exports: KernelExports;
  readonly pool: Pool;
  /** The control block (re-made when a non-shared memory grows). */
  ctl: Int32Array;
  readonly ctlPtr: number;
  /** Whether the memory is shared: views stay valid when it grows, workers can share it. */
  readonly shared: boolean;
  /** The relaxed-SIMD build (fused multiply-adds where the CPU has FMA) is running. */
  readonly relaxedSimd: boolean;
  private readonly base: number;
  /** The resident region's blocks; its top is the start of the dynamic region. */
  private readonly heap: BlockHeap;
  /** The memory's SharedArrayBuffer objects that resident views were made on. */
  private readonly buffers = new WeakSet<ArrayBufferLike>();
  /** The views returned for whole blocks (not subarrays): kernels may write them in place, padding included. */
  private readonly wholeBlocks = new WeakSet<Float32Array>();
  /** Open arenas, innermost last: the blocks each must release. */
  private readonly arenas: Array<Array<[number, number]>> = [];
  private arenaBytes = 0;
  /** The most bytes the open arenas held at once since the last resetArenaPeak (tests bound it). */
  arenaPeak = 0;
  /**
   * Bytes of arena blocks beyond which arenaArray declines (callers then use plain arrays, copied
   * in and out as before): the memory's maximum less 1.25 GiB for everything else, at least
   * 768 MiB (a d 512, L 4096, B 8 step touched 2 GiB with 1 GiB of arena in a 2 GiB memory).
   */
  arenaLimit: number;
  /** Fill released arena blocks with NaN, so that a use after release shows (tests set it). */
  poisonReleased = false;
  private readonly reclaim = new FinalizationRegistry<[number, number]>(([p, bytes]) => this.heap.release(p, bytes));
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
    spawn: SpawnWorker | null,
    /** The memory's maximum in bytes (as created by the loader). */
    readonly maxBytes = MAX_BYTES,
  ) {
    this.arenaLimit = Math.max(768 * 2 ** 20, maxBytes - NON_ARENA_BYTES);
    const instance = new WebAssembly.Instance(module, { env: { memory } });
    this.exports = instance.exports as unknown as KernelExports;
    this.ctlPtr = alignUp(this.exports.heapBase(), ALIGN);
    this.base = alignUp(this.ctlPtr + SLOTS * 4, ALIGN);
    this.relaxedSimd = this.exports.relaxedSimd() === 1;
    this.shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
    this.heap = new BlockHeap(this.base);
    this.top = this.base;
    this.capacity = memory.buffer.byteLength;
    this.view = new Float32Array(memory.buffer);
    this.ensure(this.base);
    this.ctl = new Int32Array(memory.buffer, this.ctlPtr, SLOTS);
    this.threads = Math.max(1, threads);
    this.pool = new Pool(this.shared ? spawn : null, module, memory, this.ctl, this.ctlPtr, this.exports.runTask);
  }

  /** The memory as floats; re-read after every alloc (growing replaces the view). */
  get f32(): Float32Array {
    return this.view;
  }

  /** Frees everything allocated since the last reset. */
  reset(): void {
    this.top = this.heap.top;
  }

  /**
   * A Float32Array of `floats` zeros that lives in the wasm memory until it is garbage-collected:
   * kernels read it in place (see input). Views made from it (subarray) must not outlive it.
   */
  residentArray(floats: number): Float32Array {
    if (!this.shared) return new Float32Array(floats);
    const [view, p, bytes] = this.allocBlock(floats);
    this.reclaim.register(view, [p, bytes]);
    return view;
  }

  /** Opens an arena: arenaArray blocks from now on are released by the matching closeArena. */
  openArena(): void {
    this.arenas.push([]);
  }

  /**
   * A Float32Array in the memory (zeroed unless `zeroed` is false: then it holds whatever was
   * there), released when the innermost open arena closes; null when no arena is open or the
   * arenas hold arenaLimit bytes already.
   */
  arenaArray(floats: number, zeroed = true): Float32Array | null {
    const arena = this.arenas[this.arenas.length - 1];
    if (!arena || !this.shared || this.arenaBytes + floats * 4 > this.arenaLimit) return null;
    const [view, p, bytes] = this.allocBlock(floats, zeroed);
    arena.push([p, bytes]);
    this.arenaBytes += bytes;
    this.arenaPeak = Math.max(this.arenaPeak, this.arenaBytes);
    return view;
  }

  /** Bytes the open arenas hold now. */
  get arenaHeld(): number {
    return this.arenaBytes;
  }

  /** Starts a new high-water mark (arenaPeak) from what the arenas hold now. */
  resetArenaPeak(): void {
    this.arenaPeak = this.arenaBytes;
  }

  closeArena(): void {
    const arena = this.arenas.pop();
    if (!arena) throw new Error('wasm runtime: closeArena without openArena');
    for (const [p, bytes] of arena) {
      if (this.poisonReleased) this.view.fill(NaN, p >>> 2, (p + bytes) >>> 2);
      this.arenaBytes -= bytes;
      this.heap.release(p, bytes);
    }
  }

  /** A block of `floats` floats (zeroed unless told not to): the view, its address and its size in bytes. */
  private allocBlock(floats: number, zeroed = true): [Float32Array, number, number] {
    const bytes = alignUp(Math.max(floats, 1) * 4, ALIGN);
    const p = this.heap.alloc(bytes, (end) => this.ensure(end));
    this.top = Math.max(this.top, this.heap.top);
    if (zeroed) this.exports.zero(p, bytes);
    const view = new Float32Array(this.view.buffer, p, floats);
    this.buffers.add(this.view.buffer);
    this.wholeBlocks.add(view);
    return [view, p, bytes];
  }

  /** A resident copy of src (see residentArray). */
  residentCopy(src: Float32Array): Float32Array {
    const r = this.residentArray(src.length);
    r.set(src);
    return r;
  }

  /** True when a lives in this memory (a resident array or a view of one). */
  isResident(a: Float32Array): boolean {
    return this.buffers.has(a.buffer);
  }

  /**
   * The byte address of a's first `count` floats in the memory: a itself when resident, else a
   * fresh copy. A kernel that updates a in place then needs writeBack.
   */
  input(a: Float32Array, count = a.length): number {
    return this.isResident(a) ? a.byteOffset : this.copyIn(a, count);
  }

  /** input(a, count), or 0 (a null pointer to the kernels) when a is null. */
  optionalInput(a: Float32Array | null, count: number): number {
    return a ? this.input(a, count) : 0;
  }

  /**
   * The address a kernel writes `count` floats of a to: a itself when it is a whole resident block
   * (its padding takes a kernel's whole-vector stores past the end), else fresh scratch; then writeBack.
   */
  output(a: Float32Array, count = a.length): number {
    return this.wholeBlocks.has(a) ? a.byteOffset : this.alloc(count);
  }

  /** After a kernel wrote output(a), or updated input(a), at p: copies the result into a unless p is a itself. */
  writeBack(p: number, a: Float32Array, count = a.length, dstOffset = 0): void {
    if (!(dstOffset === 0 && p === a.byteOffset && this.isResident(a))) this.copyOut(p, a, count, dstOffset);
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
    this.f32.set(count === src.length ? src : src.subarray(0, count), p >>> 2);
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
    dst.set(this.f32.subarray(p >>> 2, (p >>> 2) + count), dstOffset);
  }

  /** Reserves `bytesPerThread` of scratch for each of `threads` threads and records it in the control block. */
  scratch(threads: number, bytesPerThread: number): void {
    const stride = alignUp(bytesPerThread, ALIGN);
    const p = this.alloc((stride * threads) / 4);
    this.ctl[SCRATCH] = p;
    this.ctl[SCRATCH_STRIDE] = stride;
  }

  /**
   * Writes a job's parameters into their slots by name: `slots` is the job's parameter enum
   * (slots.ts, which the kernels read too), `values` holds a number for each of its names
   * (addresses, sizes, flags as 0/1), and the names in `floats` go in as f32.
   */
  setParams<S extends object>(slots: S, values: { [K in keyof S]: number }, floats: readonly (keyof S)[] = []): void {
    const slot = slots as unknown as Record<keyof S, number>;
    for (const name in values) this.ctl[PARAMS + slot[name]] = values[name];
    for (const name of floats) this.view[(this.ctlPtr >>> 2) + PARAMS + slot[name]] = values[name];
  }

  /** Which thread ran each of `ntasks` empty tasks (0 = the caller): for tests that workers take part. */
  whoRuns(ntasks: number, threads = this.threads): Int32Array {
    this.reset();
    const slots = this.alloc(ntasks);
    this.setParams(WhoParams, { out: slots });
    this.run(JOB_WHO, ntasks, threads);
    return new Int32Array(this.view.buffer, slots, ntasks).slice();
  }

  /**
   * Resolves once the workers of a job on `threads` threads have started and wait for jobs
   * (Pool.ready); returns the distinct ids of the threads that ran a probe job of 256 empty
   * tasks in which the caller waits for a worker to claim first: a worker's id is always there.
   */
  async waitForWorkers(threads = this.threads): Promise<number[]> {
    await this.pool.ready(threads);
    const workerFirst = this.pool.workerFirst;
    this.pool.workerFirst = true;
    try {
      return [...new Set(this.whoRuns(256, threads))].sort((a, b) => a - b);
    } finally {
      this.pool.workerFirst = workerFirst;
    }
  }

  run(kind: number, ntasks: number, threads: number, phaseEnds?: readonly number[]): void {
    this.pool.run(kind, ntasks, threads, phaseEnds);
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
        throw new Error(`wasm kernels: cannot grow the memory to ${Math.ceil(bytes / 2 ** 20)} MiB (the maximum is ${this.maxBytes / 2 ** 20} MiB)`);
      }
    }
    this.view = new Float32Array(this.memory.buffer);
    this.capacity = this.view.byteLength;
    if (!this.shared && this.ctl) {
      this.ctl = new Int32Array(this.memory.buffer, this.ctlPtr, SLOTS);
      this.pool?.control(this.ctl); // absent while the constructor runs
    }
  }
}

function alignUp(x: number, a: number): number {
  return Math.ceil(x / a) * a;
}
