// matmul: [..., M, K] · [..., K, N] → [..., M, N], with optional transposes of the last two axes.
// Batch axes must match, or one side is a plain matrix shared across the batch.
// Backward: dA = dC · op(B)ᵀ, dB = op(A)ᵀ · dC (then transposed back when the input was).

import { Tensor, sizeOf, shapeStr } from '../tensor/tensor.js';
import { accumulate, record, registerOp } from '../autograd/tape.js';
import { kernels } from '../kernels/backend.js';
import { allocOutput } from '../kernels/memory.js';

registerOp('matmul');

export interface MatmulOptions {
  transA?: boolean;
  transB?: boolean;
}

export function matmul(a: Tensor, b: Tensor, opts: MatmulOptions = {}): Tensor {
  const transA = opts.transA ?? false;
  const transB = opts.transB ?? false;
  const fail = (why: string) => {
    throw new Error(`matmul: ${why}: ${shapeStr(a.shape)}${transA ? 'ᵀ' : ''} x ${shapeStr(b.shape)}${transB ? 'ᵀ' : ''}`);
  };
  if (a.ndim < 2 || b.ndim < 2) fail('both inputs need at least 2 dimensions');
  const [ar, ac] = a.shape.slice(-2);
  const [br, bc] = b.shape.slice(-2);
  const m = transA ? ac : ar;
  const k = transA ? ar : ac;
  const kb = transB ? bc : br;
  const n = transB ? br : bc;
  if (k !== kb) fail('inner dimensions differ');
  const batchA = a.shape.slice(0, -2);
  const batchB = b.shape.slice(0, -2);
  let batchShape: number[];
  if (batchA.length > 0 && batchB.length > 0) {
    if (shapeStr(batchA) !== shapeStr(batchB)) fail('batch dimensions differ');
    batchShape = batchA;
  } else {
    batchShape = batchA.length > 0 ? batchA : batchB;
  }
  const batch = sizeOf(batchShape);
  const strideA = batchA.length > 0 ? m * k : 0;
  const strideB = batchB.length > 0 ? k * n : 0;

  const out = allocOutput(batch * m * n);
  kernels().matmul(a.data, b.data, out, { batch, m, k, n, transA, transB, strideA, strideB, accumulate: false });

  return record('matmul', out, [...batchShape, m, n], [a, b], (g) => {
    // g: [batch, m, n]
    const mm = kernels().matmul;
    // A matrix shared across the batch sums its gradient over the batch: one kernel call per
    // batch entry, accumulating; otherwise one batched call.
    const at = (x: Float32Array, stride: number, bi: number) => (bi === 0 ? x : x.subarray(bi * stride));
    if (a.requiresGrad) {
      const ga = allocOutput(a.size); // the first call overwrites, later ones accumulate
      const shared = strideA === 0 && batch > 1;
      const calls = shared ? batch : 1;
      for (let bi = 0; bi < calls; bi++) {
        const count = shared ? 1 : batch;
        const gb = at(g, m * n, bi);
        const bb = at(b.data, strideB, bi);
        const acc = bi > 0;
        // transA: dA[k, m] = op(B) · gᵀ ; else dA[m, k] = g · op(B)ᵀ
        if (transA) mm(bb, gb, ga, { batch: count, m: k, k: n, n: m, transA: transB, transB: true, strideA: strideB, strideB: m * n, accumulate: acc });
        else mm(gb, bb, ga, { batch: count, m, k: n, n: k, transA: false, transB: !transB, strideA: m * n, strideB, accumulate: acc });
      }
      accumulate(a, ga, true);
    }
    if (b.requiresGrad) {
      const gB = allocOutput(b.size);
      const shared = strideB === 0 && batch > 1;
      const calls = shared ? batch : 1;
      for (let bi = 0; bi < calls; bi++) {
        const count = shared ? 1 : batch;
        const gb = at(g, m * n, bi);
        const ab = at(a.data, strideA, bi);
        const acc = bi > 0;
        // transB: dB[n, k] = gᵀ · op(A) ; else dB[k, n] = op(A)ᵀ · g
        if (transB) mm(gb, ab, gB, { batch: count, m: n, k: m, n: k, transA: true, transB: transA, strideA: m * n, strideB: strideA, accumulate: acc });
        else mm(ab, gb, gB, { batch: count, m: k, k: m, n, transA: !transA, transB: false, strideA, strideB: m * n, accumulate: acc });
      }
      accumulate(b, gB, true);
    }
  });
}
