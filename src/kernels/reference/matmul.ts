// Reference matmul: C[b] = op(A[b]) · op(B[b]) (+ C[b] when accumulate), op = transpose or not.
// Plain loops in i-k-j order (contiguous inner loop); the specification for the fast kernels.

export interface MatmulDims {
  batch: number;
  m: number;
  k: number;
  n: number;
  transA: boolean; // A[b] is stored [k, m] instead of [m, k]
  transB: boolean; // B[b] is stored [n, k] instead of [k, n]
  /** Element stride between batches of A and B; 0 broadcasts one matrix over the batch. */
  strideA: number;
  strideB: number;
  accumulate: boolean;
}

export function matmul(a: Float32Array, b: Float32Array, c: Float32Array, d: MatmulDims): void {
  const { m, k, n, transA, transB } = d;
  for (let bi = 0; bi < d.batch; bi++) {
    const oa = bi * d.strideA;
    const ob = bi * d.strideB;
    const oc = bi * m * n;
    if (!d.accumulate) c.fill(0, oc, oc + m * n);
    for (let i = 0; i < m; i++) {
      const ci = oc + i * n;
      for (let p = 0; p < k; p++) {
        const aip = transA ? a[oa + p * m + i] : a[oa + i * k + p];
        if (transB) {
          for (let j = 0; j < n; j++) c[ci + j] += aip * b[ob + j * k + p];
        } else {
          const bp = ob + p * n;
          for (let j = 0; j < n; j++) c[ci + j] += aip * b[bp + j];
        }
      }
    }
  }
}
