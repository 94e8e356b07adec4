// Element-wise binary kernels with broadcasting. The op layer computes the broadcast strides
// (0 along a broadcast axis); the kernel walks the output in row-major order.

export type BinaryOp = 'add' | 'sub' | 'mul' | 'div';

export interface BroadcastPlan {
  outShape: number[];
  stridesA: number[]; // per output axis, 0 where A is broadcast
  stridesB: number[];
}

function apply(op: BinaryOp, x: number, y: number): number {
  switch (op) {
    case 'add':
      return x + y;
    case 'sub':
      return x - y;
    case 'mul':
      return x * y;
    case 'div':
      return x / y;
  }
}

export function binary(op: BinaryOp, a: Float32Array, b: Float32Array, out: Float32Array, plan: BroadcastPlan): void {
  const { outShape, stridesA, stridesB } = plan;
  const nd = outShape.length;
  const index = new Array<number>(nd).fill(0);
  let ia = 0;
  let ib = 0;
  for (let i = 0; i < out.length; i++) {
    out[i] = apply(op, a[ia], b[ib]);
    // Odometer increment of the multi-index, updating both input offsets.
    for (let ax = nd - 1; ax >= 0; ax--) {
      index[ax]++;
      ia += stridesA[ax];
      ib += stridesB[ax];
      if (index[ax] < outShape[ax]) break;
      ia -= stridesA[ax] * outShape[ax];
      ib -= stridesB[ax] * outShape[ax];
      index[ax] = 0;
    }
  }
}

/**
 * Sums a gradient of the output shape down to an input that was broadcast with the given
 * strides (0 = broadcast axis): the adjoint of broadcasting.
 */
export function reduceBroadcast(g: Float32Array, out: Float32Array, outShape: number[], strides: number[]): void {
  const nd = outShape.length;
  const index = new Array<number>(nd).fill(0);
  let io = 0;
  out.fill(0);
  for (let i = 0; i < g.length; i++) {
    out[io] += g[i];
    for (let ax = nd - 1; ax >= 0; ax--) {
      index[ax]++;
      io += strides[ax];
      if (index[ax] < outShape[ax]) break;
      io -= strides[ax] * outShape[ax];
      index[ax] = 0;
    }
  }
}

/** dst += src element-wise (gradient accumulation): the f32 sum, as every binary add. */
export function addInto(dst: Float32Array, src: Float32Array): void {
  for (let i = 0; i < dst.length; i++) dst[i] += src[i];
}
