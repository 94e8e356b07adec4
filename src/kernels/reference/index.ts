// The reference backend: every kernel as plain, obviously correct TypeScript.

import { matmul } from './matmul.js';
import { binary, reduceBroadcast, addInto } from './binary.js';
import { embeddingForward, embeddingBackward } from './embedding.js';
import { rmsNormForward, rmsNormBackward, layerNormForward, layerNormBackward } from './norm.js';
import { conv1dForward, conv1dBackward, conv1dStep } from './conv1d.js';
import { softmaxForward, softmaxBackward } from './softmax.js';
import { crossEntropyForward, crossEntropyBackward } from './cross_entropy.js';
import { dropoutApply } from './dropout.js';
import { unaryForward, unaryBackward, powForward, powBackward, affine } from './unary.js';
import { reduceSum, reduceSumBackward, reduceMax, reduceMaxBackward } from './reduce.js';
import { permute, copyAlongAxis } from './layout.js';
import {
  selectiveScanForward, selectiveScanBackward, selectiveScanNaiveForward, selectiveScanNaiveBackward, selectiveScanStep,
} from './selective_scan.js';
import { trigForward, trigBackward } from './trig.js';
import { linearScanForward, linearScanBackward } from './linear_scan.js';
import { mambaModelStep, mambaStep } from './mamba_step.js';
import { matVec } from './mat_vec.js';
import { mamba2Step } from './mamba2_step.js';
import { gateForward, gateBackward } from './gate.js';
import { adamwStep } from './adamw.js';
import { attentionForward, attentionBackward, attentionNaiveForward, attentionNaiveBackward } from './attention.js';
import { ropeForward } from './rope.js';
import { ssdNaiveForward, ssdNaiveBackward, ssdStep } from './ssd.js';
import { ssdChunkedForward, ssdChunkedBackward } from './ssd_chunked.js';

// Where arrays live (see src/kernels/memory.ts). A fast backend keeps long-lived arrays
// (residentCopy) and a training step's arrays (arenas) in its own memory, so that its kernels
// read and write them without copies; here plain arrays are already where the kernels work.

function residentCopy(a: Float32Array): Float32Array {
  return a;
}

function openArena(): void {}

function closeArena(): void {}

/** null: no arena here, the caller allocates a plain array. */
function arenaArray(_floats: number, _zeroed = true): Float32Array | null {
  return null;
}

export const referenceKernels = {
  residentCopy, openArena, closeArena, arenaArray,
  matmul,
  adamwStep,
  binary,
  reduceBroadcast,
  addInto,
  embeddingForward, embeddingBackward,
  rmsNormForward, rmsNormBackward, layerNormForward, layerNormBackward,
  conv1dForward, conv1dBackward, conv1dStep,
  softmaxForward, softmaxBackward,
  crossEntropyForward, crossEntropyBackward,
  dropoutApply,
  unaryForward, unaryBackward, powForward, powBackward, affine,
  gateForward, gateBackward,
  reduceSum, reduceSumBackward, reduceMax, reduceMaxBackward,
  permute, copyAlongAxis,
  selectiveScanForward, selectiveScanBackward, selectiveScanNaiveForward, selectiveScanNaiveBackward, selectiveScanStep,
  trigForward, trigBackward,
  linearScanForward, linearScanBackward,
  mambaStep, mambaModelStep, mamba2Step,
  matVec,
  attentionForward, attentionBackward, attentionNaiveForward, attentionNaiveBackward,
  ropeForward,
  ssdChunkedForward, ssdChunkedBackward, ssdNaiveForward, ssdNaiveBackward, ssdStep,
};
