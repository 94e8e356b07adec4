// Reference reductions over any set of axes. The op passes the input shape and, per input axis,
// the stride of the output (0 on a reduced axis), so that every input element knows the output
// element it reduces into.

/** For each input element (row-major), the offset of the output element it reduces into. */
function outputOffsets(shape: readonly number[], outStrides: readonly number[], size: number): Int32Array {
  const offsets = new Int32Array(size);
  const nd = shape.length;
  const index = new Array<number>(nd).fill(0);
  let o = 0;
  for (let i = 0; i < size; i++) {
    offsets[i] = o;
    // Odometer increment of the input multi-index, tracking the output offset.
    for (let ax = nd - 1; ax >= 0; ax--) {
      index[ax]++;
      o += outStrides[ax];
      if (index[ax] < shape[ax]) break;
      o -= outStrides[ax] * shape[ax];
      index[ax] = 0;
    }
  }
  return offsets;
}

/** out = scale · Σ x over the reduced axes (scale = 1/count gives the mean); sums in double. */
export function reduceSum(x: Float32Array, out: Float32Array, shape: readonly number[], outStrides: readonly number[], scale: number): void {
  const offsets = outputOffsets(shape, outStrides, x.length);
  const acc = new Float64Array(out.length);
  for (let i = 0; i < x.length; i++) acc[offsets[i]] += x[i];
  for (let o = 0; o < out.length; o++) out[o] = acc[o] * scale;
}

/** out = max of x over the reduced axes; argmax = the input offset of the first maximal element. */
export function reduceMax(x: Float32Array, out: Float32Array, argmax: Int32Array, shape: readonly number[], outStrides: readonly number[]): void {
  const offsets = outputOffsets(shape, outStrides, x.length);
  argmax.fill(-1);
  for (let i = 0; i < x.length; i++) {
    const o = offsets[i];
    if (argmax[o] < 0 || x[i] > out[o]) {
      out[o] = x[i];
      argmax[o] = i;
    }
  }
}

/** Adjoint of reduceSum: gradX = scale · gradOut copied back along the reduced axes. */
export function reduceSumBackward(gradOut: Float32Array, gradX: Float32Array, shape: readonly number[], outStrides: readonly number[], scale: number): void {
  const offsets = outputOffsets(shape, outStrides, gradX.length);
  for (let i = 0; i < gradX.length; i++) gradX[i] = gradOut[offsets[i]] * scale;
}

/** Adjoint of reduceMax: each output gradient goes to its first maximal input, the rest get 0. */
export function reduceMaxBackward(gradOut: Float32Array, argmax: Int32Array, gradX: Float32Array): void {
  gradX.fill(0);
  for (let o = 0; o < gradOut.length; o++) gradX[argmax[o]] += gradOut[o];
}
