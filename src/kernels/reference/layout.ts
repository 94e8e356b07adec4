// Reference layout kernels: moving data between row-major arrays without arithmetic.

/**
 * out = x with its axes reordered: output axis i is input axis dims[i]. x has the given shape;
 * out has shape dims.map((d) => shape[d]).
 */
export function permute(x: Float32Array, out: Float32Array, shape: readonly number[], dims: readonly number[]): void {
  const nd = shape.length;
  const inStrides = new Array<number>(nd);
  for (let ax = nd - 1, s = 1; ax >= 0; ax--) {
    inStrides[ax] = s;
    s *= shape[ax];
  }
  const outShape = dims.map((d) => shape[d]);
  const strides = dims.map((d) => inStrides[d]); // input stride of each output axis
  const index = new Array<number>(nd).fill(0);
  let src = 0;
  for (let i = 0; i < out.length; i++) {
    out[i] = x[src];
    for (let ax = nd - 1; ax >= 0; ax--) {
      index[ax]++;
      src += strides[ax];
      if (index[ax] < outShape[ax]) break;
      src -= strides[ax] * outShape[ax];
      index[ax] = 0;
    }
  }
}

/** One block copy along the middle axis of two arrays viewed as [outer, axis length, inner]. */
export interface AxisCopy {
  outer: number;
  inner: number;
  count: number; // positions copied
  srcAxis: number; // axis length of src
  srcStart: number;
  dstAxis: number; // axis length of dst
  dstStart: number;
  /** Add into dst instead of overwriting it (a piece's gradient into its place in the whole). */
  add?: boolean;
}

/**
 * Copies positions [srcStart, srcStart + count) of src's axis to [dstStart, ...) of dst's axis;
 * the rest of dst is left as it is. Slice, split and concat, forward and backward, are this copy.
 */
export function copyAlongAxis(src: Float32Array, dst: Float32Array, c: AxisCopy): void {
  const block = c.count * c.inner; // contiguous run per outer index
  for (let o = 0; o < c.outer; o++) {
    const from = (o * c.srcAxis + c.srcStart) * c.inner;
    const to = (o * c.dstAxis + c.dstStart) * c.inner;
    if (c.add) for (let i = 0; i < block; i++) dst[to + i] += src[from + i];
    else dst.set(src.subarray(from, from + block), to);
  }
}
