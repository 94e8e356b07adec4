// The WebAssembly matmul: same signature and semantics as the reference kernel
// (src/kernels/reference/matmul.ts). Copies A and B into the shared memory, packs op(B) once per
// batch entry, then runs (batch × row block × column chunk) tasks of gemmBlock on the pool.

import type { MatmulDims } from '../reference/matmul.js';
import type { MatVecArgs } from '../reference/mat_vec.js';
import { STEP_PARALLEL_MIN } from './mamba_step.js';
import { JOB_MATMUL, MatmulParams } from './control.js';
import { WasmRuntime } from './runtime.js';

/**
 * Below this many multiply-adds a matmul runs on the calling thread only. Measured (bench pool
 * section, 2 threads): 1M multiply-adds (16×256×256) ran 0.74× as fast in parallel, 2M (128³)
 * 1.17×, 6.75M 1.5×: the wake-up, the serial copies and packing eat the gain below ~2M.
 */
export const PARALLEL_MIN_MACS = 1 << 21;

/**
 * n/m from which a product is computed transposed. Serial packing of op(B) (k·n floats) and
 * row blocks of few rows made 48 × 2048 × 512 (op(A) transposed) run at 18–41 GFLOP/s on two
 * threads, its transpose 512 × 2048 × 48 at 78 (timed by hand; docs/results/kernels.md, Matmul).
 */
export const SWAP_RATIO = 4;

/** `matVec`: the matrix-vector job (./mat_vec.ts), which x·Wᵀ of one row runs on (see below). */
export function makeWasmMatmul(rt: WasmRuntime, matVec: (a: MatVecArgs) => void) {
  const ex = rt.exports;
  const MR = ex.MR.value as number;
  const NR = ex.NR.value as number;
  const KC = ex.KC.value as number;
  const MC = ex.MC.value as number;

  /**
   * C [m, n] (+)= op(A) · op(B) for batch entries at strides, all operands already in the memory
   * (byte addresses): a phased job that packs op(B) once per batch entry, then runs (batch × row
   * block × column chunk) tasks of gemmBlock.
   */
  function gemm(pa: number, pb: number, pc: number, d: MatmulDims): void {
    const { batch, m, k, n, transA, transB, strideA, strideB, accumulate } = d;
    const bBatches = strideB === 0 ? 1 : batch;
    const packed = ex.packedBSize(k, n);
    const pPacked = rt.alloc(packed * bBatches);

    const threads = batch * m * n * k >= PARALLEL_MIN_MACS ? rt.threads : 1;
    // Row blocks of at most MC rows (a multiple of MR); with too few of them for the threads,
    // smaller blocks, then column chunks (multiples of NR). The split never changes results.
    // Four tasks per thread: claimed dynamically, they even out a thread that starts late or
    // shares its core with another process.
    const want = threads > 1 ? 4 * threads : 1;
    let rowBlocks = Math.ceil(m / MC);
    if (batch * rowBlocks < want) rowBlocks = Math.min(Math.ceil(m / MR), Math.ceil(want / batch));
    const mc = Math.ceil(Math.ceil(m / rowBlocks) / MR) * MR;
    rowBlocks = Math.ceil(m / mc);
    let colChunks = 1;
    if (batch * rowBlocks < want) colChunks = Math.min(Math.ceil(n / NR), Math.ceil(want / (batch * rowBlocks)));
    const colChunk = Math.ceil(Math.ceil(n / colChunks) / NR) * NR;
    colChunks = Math.ceil(n / colChunk);

    // The job packs op(B) first, split over the threads (one thread packing 4 MB of activations
    // for a weight gradient left the other idle: 12 ms of a 420 ms d 256 training step), then
    // multiplies once every panel is packed.
    const packTasks = threads;
    const tasks = batch * rowBlocks * colChunks;
    rt.scratch(threads, (MC * KC + MR * NR) * 4);
    rt.setParams(MatmulParams, {
      a: pa, packedB: pPacked, c: pc, m, k, n, transA: transA ? 1 : 0, accumulate: accumulate ? 1 : 0, strideA,
      packedStride: strideB === 0 ? 0 : packed, rowsPerBlock: mc, rowBlocks, colsPerChunk: colChunk, colChunks,
      b: pb, transB: transB ? 1 : 0, strideB, bEntries: bBatches, packTasks,
    });
    rt.run(JOB_MATMUL, packTasks + tasks, threads, [packTasks, packTasks + tasks]);
  }

  return function matmul(a: Float32Array, b: Float32Array, c: Float32Array, d: MatmulDims): void {
    const { batch, m, k, n, transA, transB, strideA, strideB, accumulate } = d;
    const sizeC = batch * m * n;
    if (sizeC === 0) return;
    if (k === 0) {
      if (!accumulate) c.fill(0, 0, sizeC);
      return;
    }
    if (m < MR && batch === 1 && !transA && transB && !accumulate && rt.threads > 1 && m * k * n >= STEP_PARALLEL_MIN) {
      // A linear layer at generation (x·Wᵀ for a token per sequence): the rows of W split over
      // the threads, where gemmFewRows would stream all of W on the calling thread.
      matVec({ m, k, n, x: a, w: b, weights: 'f32', out: c });
      return;
    }
    rt.reset();
    const pa = rt.input(a, strideA * (batch - 1) + m * k);
    const bBatches = strideB === 0 ? 1 : batch;
    const pb = rt.input(b, strideB * (bBatches - 1) + k * n);
    const pc = accumulate ? rt.input(c, sizeC) : rt.output(c, sizeC);
    if (m < MR) {
      const row = rt.alloc(k);
      for (let bi = 0; bi < batch; bi++) {
        ex.gemmFewRows(pa + bi * strideA * 4, pb + bi * strideB * 4, pc + bi * m * n * 4, m, k, n, transA ? 1 : 0, transB ? 1 : 0, accumulate ? 1 : 0, row);
      }
    } else if (batch === 1 && n >= SWAP_RATIO * m) {
      // Short and wide (x_proj's weight gradient, 48 × 2048 × 512): Cᵀ = op(B)ᵀ·op(A)ᵀ packs the
      // small operand instead of the large one, then Cᵀ is transposed into C.
      const pt = rt.alloc(n * m);
      gemm(pb, pa, pt, { batch: 1, m: n, k, n: m, transA: !transB, transB: !transA, strideA: 0, strideB: 0, accumulate: false });
      ex.transposeInto(pt, pc, n, m, accumulate ? 1 : 0);
    } else {
      gemm(pa, pb, pc, d);
    }
    rt.writeBack(pc, c, sizeC);
  };
}
