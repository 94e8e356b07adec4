// Entry point of kernels.wasm: the kernels the JavaScript side calls directly, and runTask, the
// one function every thread of the pool calls with a task index of the current job.

import {
  JOB_CONV1D_BACKWARD, JOB_CONV1D_FORWARD, JOB_MATMUL, JOB_NOP, JOB_SCAN_BACKWARD, JOB_SCAN_FORWARD,
  JOB_UNARY_BACKWARD, JOB_UNARY_FORWARD, JOB_RMSNORM_FORWARD, JOB_RMSNORM_BACKWARD,
  JOB_CROSS_ENTROPY_FORWARD, JOB_CROSS_ENTROPY_BACKWARD, JOB_BINARY, JOB_MAMBA_STEP, JOB_WHO,
  JOB_LINEAR_SCAN_FORWARD, JOB_LINEAR_SCAN_BACKWARD, JOB_GATE_FORWARD, JOB_GATE_BACKWARD, JOB_ADAMW, JOB_ATTENTION_FORWARD, JOB_ATTENTION_BACKWARD, JOB_ATTENTION_DECODE, JOB_STREAM_READ, JOB_MAT_VEC, JOB_SSD_STEP, JOB_MAMBA_MODEL_STEP, JOB_MAMBA2_STEP, KIND,
  param, scratchOf, WhoParams, MatmulParams,
} from './control';
import { gemmBlock, packBPanels, KC, NR } from './matmul';
import { scanBackwardTask, scanForwardTask } from './scan';
import { gateBackwardTask, gateForwardTask, unaryBackwardTask, unaryForwardTask } from './elementwise';
import { conv1dBackwardTask, conv1dForwardTask } from './conv1d';
import { rmsNormBackwardTask, rmsNormForwardTask } from './norm';
import { crossEntropyBackwardTask, crossEntropyForwardTask } from './cross_entropy';
import { binaryTask } from './binary';
import { mambaModelStepTask, mambaStepTask } from './mamba_step';
import { linearScanBackwardTask, linearScanForwardTask } from './linear_scan';
import { adamwTask } from './adamw';
import { attentionBackwardTask, attentionDecodeTask, attentionForwardTask } from './attention';
import { streamReadTask } from './bandwidth';
import { matVecTask } from './mat_vec';
import { ssdStepTask } from './ssd_step';
import { mamba2StepTask } from './mamba2_step';

export { packedBSize, gemmFewRows, transposeInto, MR, NR, KC, MC } from './matmul';
export { scanStep, sumRows } from './scan';
export { mapExp, mapExp2, mapExpFull, mapSoftplus, mapSigmoid } from './simd_math';
export { UNARY_SIGMOID, UNARY_SILU, UNARY_SOFTPLUS, UNARY_EXP, UNARY_NEG, UNARY_CHUNK } from './elementwise';

/** 1 in the relaxed-SIMD builds (fused multiply-adds), 0 in the plain ones. */
export function relaxedSimd(): i32 {
  return ASC_FEATURE_RELAXED_SIMD ? 1 : 0;
}

/** Zeroes `bytes` bytes at p (one memory.fill: TypedArray.fill on a shared memory is several times slower). */
export function zero(p: usize, bytes: usize): void {
  memory.fill(p, 0, bytes);
}

/**
 * For o in [0, outer): copies `block` floats from src + o·srcStride to dst + o·dstStride (floats;
 * byte addresses): slices, splits and concats of arrays in the memory, one memory.copy per run.
 */
export function copyRows(src: usize, dst: usize, outer: i32, block: i32, srcStride: i32, dstStride: i32): void {
  const bytes = <usize>block << 2;
  for (let o = 0; o < outer; o++) {
    memory.copy(dst + ((<usize>o * dstStride) << 2), src + ((<usize>o * srcStride) << 2), bytes);
  }
}

/** As copyRows, adding into dst instead (a piece's gradient into its place in the whole). */
export function addRows(src: usize, dst: usize, outer: i32, block: i32, srcStride: i32, dstStride: i32): void {
  for (let o = 0; o < outer; o++) {
    const s = src + ((<usize>o * srcStride) << 2), d = dst + ((<usize>o * dstStride) << 2);
    let i = 0;
    for (; i + 4 <= block; i += 4) v128.store(d + (<usize>i << 2), f32x4.add(v128.load(d + (<usize>i << 2)), v128.load(s + (<usize>i << 2))));
    for (; i < block; i++) store<f32>(d + (<usize>i << 2), load<f32>(d + (<usize>i << 2)) + load<f32>(s + (<usize>i << 2)));
  }
}

/** First byte after the module's static data: the JavaScript side places its regions above. */
export function heapBase(): usize {
  return __heap_base;
}

/**
 * A matmul job has two phases: tasks 0..packTasks−1 pack op(B) of every batch entry (its panels
 * split evenly), then one gemmBlock task per (batch entry, row block, column chunk), in row-major
 * order. Parameters: MatmulParams.
 */
function matmulTask(ctl: usize, task: i32, tid: i32): void {
  const m = param(ctl, MatmulParams.m), k = param(ctl, MatmulParams.k), n = param(ctl, MatmulParams.n);
  const packTasks = param(ctl, MatmulParams.packTasks);
  if (task < packTasks) {
    const perEntry = ((k + KC - 1) / KC) * ((n + NR - 1) / NR);
    const total = param(ctl, MatmulParams.bEntries) * perEntry;
    const per = (total + packTasks - 1) / packTasks;
    for (let u = task * per; u < min(total, task * per + per); ) {
      const bi = u / perEntry;
      const u1 = min(min(total, task * per + per), (bi + 1) * perEntry); // within one batch entry
      const b = <usize>param(ctl, MatmulParams.b) + ((<usize>bi * param(ctl, MatmulParams.strideB)) << 2);
      const dst = <usize>param(ctl, MatmulParams.packedB) + ((<usize>bi * param(ctl, MatmulParams.packedStride)) << 2);
      packBPanels(b, k, n, param(ctl, MatmulParams.transB) != 0, dst, u - bi * perEntry, u1 - bi * perEntry);
      u = u1;
    }
    return;
  }
  const t = task - packTasks;
  const mc = param(ctl, MatmulParams.rowsPerBlock), rowBlocks = param(ctl, MatmulParams.rowBlocks);
  const colChunk = param(ctl, MatmulParams.colsPerChunk), colChunks = param(ctl, MatmulParams.colChunks);
  const perBatch = rowBlocks * colChunks;
  const bi = t / perBatch;
  const rb = (t % perBatch) / colChunks;
  const cc = t % colChunks;
  const i0 = rb * mc;
  const j0 = cc * colChunk;
  const a = <usize>param(ctl, MatmulParams.a) + ((<usize>bi * param(ctl, MatmulParams.strideA)) << 2);
  const pb = <usize>param(ctl, MatmulParams.packedB) + ((<usize>bi * param(ctl, MatmulParams.packedStride)) << 2);
  const c = <usize>param(ctl, MatmulParams.c) + ((<usize>bi * m * n) << 2);
  gemmBlock(a, pb, c, m, k, n, param(ctl, MatmulParams.transA) != 0, param(ctl, MatmulParams.accumulate) != 0, i0, min(m, i0 + mc), j0, min(n, j0 + colChunk), scratchOf(ctl, tid));
}

export function runTask(ctl: usize, t: i32, tid: i32): void {
  const kind = load<i32>(ctl + (KIND << 2));
  if (kind == JOB_MATMUL) matmulTask(ctl, t, tid);
  else if (kind == JOB_SCAN_FORWARD) scanForwardTask(ctl, t, tid);
  else if (kind == JOB_SCAN_BACKWARD) scanBackwardTask(ctl, t, tid);
  else if (kind == JOB_UNARY_FORWARD) unaryForwardTask(ctl, t, tid);
  else if (kind == JOB_UNARY_BACKWARD) unaryBackwardTask(ctl, t, tid);
  else if (kind == JOB_CONV1D_FORWARD) conv1dForwardTask(ctl, t, tid);
  else if (kind == JOB_CONV1D_BACKWARD) conv1dBackwardTask(ctl, t, tid);
  else if (kind == JOB_RMSNORM_FORWARD) rmsNormForwardTask(ctl, t, tid);
  else if (kind == JOB_RMSNORM_BACKWARD) rmsNormBackwardTask(ctl, t, tid);
  else if (kind == JOB_CROSS_ENTROPY_FORWARD) crossEntropyForwardTask(ctl, t, tid);
  else if (kind == JOB_CROSS_ENTROPY_BACKWARD) crossEntropyBackwardTask(ctl, t, tid);
  else if (kind == JOB_BINARY) binaryTask(ctl, t, tid);
  else if (kind == JOB_MAMBA_STEP) mambaStepTask(ctl, t, tid);
  else if (kind == JOB_MAMBA_MODEL_STEP) mambaModelStepTask(ctl, t, tid);
  else if (kind == JOB_LINEAR_SCAN_FORWARD) linearScanForwardTask(ctl, t, tid);
  else if (kind == JOB_LINEAR_SCAN_BACKWARD) linearScanBackwardTask(ctl, t, tid);
  else if (kind == JOB_GATE_FORWARD) gateForwardTask(ctl, t, tid);
  else if (kind == JOB_GATE_BACKWARD) gateBackwardTask(ctl, t, tid);
  else if (kind == JOB_ADAMW) adamwTask(ctl, t, tid);
  else if (kind == JOB_ATTENTION_FORWARD) attentionForwardTask(ctl, t, tid);
  else if (kind == JOB_ATTENTION_BACKWARD) attentionBackwardTask(ctl, t, tid);
  else if (kind == JOB_ATTENTION_DECODE) attentionDecodeTask(ctl, t, tid);
  else if (kind == JOB_STREAM_READ) streamReadTask(ctl, t);
  else if (kind == JOB_MAT_VEC) matVecTask(ctl, t, tid);
  else if (kind == JOB_SSD_STEP) ssdStepTask(ctl, t);
  else if (kind == JOB_MAMBA2_STEP) mamba2StepTask(ctl, t, tid);
  else if (kind == JOB_WHO) store<i32>(<usize>param(ctl, WhoParams.out) + (<usize>t << 2), tid);
  else if (kind != JOB_NOP) unreachable();
}
