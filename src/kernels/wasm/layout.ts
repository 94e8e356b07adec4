// Slices, splits and concats (copyAlongAxis) of arrays that both live in the wasm memory: one
// memory.copy (or a vector add loop) per contiguous run instead of a subarray and a set per run
// in JavaScript. Anything else keeps the reference kernel (copying in and out would cost more
// than the copy itself).

import { copyAlongAxis as refCopyAlongAxis, AxisCopy } from '../reference/layout.js';
import { WasmRuntime } from './runtime.js';

/** Below this many floats the reference loop is as fast. */
export const COPY_WASM_MIN = 1 << 12;

export function makeWasmCopyAlongAxis(rt: WasmRuntime) {
  type Rows = (src: number, dst: number, outer: number, block: number, srcStride: number, dstStride: number) => void;
  const ex = rt.exports as unknown as { copyRows: Rows; addRows: Rows };
  return function copyAlongAxis(src: Float32Array, dst: Float32Array, c: AxisCopy): void {
    const block = c.count * c.inner;
    if (c.outer * block < COPY_WASM_MIN || !rt.isResident(src) || !rt.isResident(dst)) return refCopyAlongAxis(src, dst, c);
    (c.add ? ex.addRows : ex.copyRows)(src.byteOffset + c.srcStart * c.inner * 4, dst.byteOffset + c.dstStart * c.inner * 4, c.outer, block, c.srcAxis * c.inner, c.dstAxis * c.inner);
  };
}
