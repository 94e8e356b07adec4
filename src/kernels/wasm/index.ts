// The 'wasm' backend: the reference kernels with the fast WebAssembly ones swapped in.

import type { Backend } from '../backend.js';
import { referenceKernels } from '../reference/index.js';
import { makeWasmMatmul } from './matmul.js';
import { makeWasmScan } from './selective_scan.js';
import { makeWasmAddInto, makeWasmBinary, makeWasmUnary, reduceBroadcast } from './elementwise.js';
import { makeWasmConv1d } from './conv1d.js';
import { makeWasmNorm } from './norm.js';
import { makeWasmCrossEntropy } from './cross_entropy.js';
import { makeWasmMambaStep } from './mamba_step.js';
import { makeWasmMatVec } from './mat_vec.js';
import { makeWasmMambaModelStep } from './mamba_model_step.js';
import { makeWasmSsdStep } from './ssd_step.js';
import { makeWasmMamba2Step } from './mamba2_step.js';
import { makeWasmLinearScan } from './linear_scan.js';
import { makeWasmCopyAlongAxis } from './layout.js';
import { makeWasmAdamW } from './adamw.js';
import { makeWasmAttention } from './attention.js';
import { makeWasmSsd } from './ssd.js';
import { WasmRuntime } from './runtime.js';

export function createWasmBackend(rt: WasmRuntime): Backend {
  const { matVec } = makeWasmMatVec(rt);
  const matmul = makeWasmMatmul(rt, matVec);
  const { mambaStep } = makeWasmMambaStep(rt);
  return {
    name: 'wasm',
    kernels: {
      ...referenceKernels,
      residentCopy: (a: Float32Array) => rt.residentCopy(a),
      openArena: () => rt.openArena(),
      closeArena: () => rt.closeArena(),
      arenaArray: (floats: number, zeroed = true) => rt.arenaArray(floats, zeroed),
      matmul,
      ...makeWasmScan(rt),
      ...makeWasmUnary(rt),
      ...makeWasmConv1d(rt),
      ...makeWasmNorm(rt),
      ...makeWasmCrossEntropy(rt),
      mambaStep,
      ...makeWasmMambaModelStep(rt, mambaStep),
      matVec,
      ...makeWasmLinearScan(rt),
      ...makeWasmAdamW(rt),
      ...makeWasmAttention(rt),
      ...makeWasmSsd(matmul),
      ...makeWasmSsdStep(rt),
      ...makeWasmMamba2Step(rt),
      binary: makeWasmBinary(rt),
      addInto: makeWasmAddInto(rt),
      copyAlongAxis: makeWasmCopyAlongAxis(rt),
      reduceBroadcast,
    },
  };
}

export { WasmRuntime } from './runtime.js';
export { createWasmRuntime, simdSupported, findKernelsWasm, findProjectRoot, defaultThreads } from './load.js';
export type { SimdLevel, WasmSource } from './load.js';
