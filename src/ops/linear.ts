// linear: y = x · Wᵀ + b, the PyTorch convention (W: [out, in]).
// x: [..., in] → y: [..., out]. Backward: dx = dy · W, dW = dyᵀ · x, db = Σ_rows dy.

import { Tensor, shapeStr } from '../tensor/tensor.js';
import { accumulate, accumulateWith, record, registerOp } from '../autograd/tape.js';
import { kernels } from '../kernels/backend.js';
import { allocArray, allocOutput } from '../kernels/memory.js';

registerOp('linear');

export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  if (weight.ndim !== 2) throw new Error(`linear: weight must be [out, in], got ${shapeStr(weight.shape)}`);
  const [nOut, nIn] = weight.shape;
  if (x.ndim < 1 || x.shape[x.ndim - 1] !== nIn) {
    throw new Error(`linear: input ${shapeStr(x.shape)} does not end in ${nIn} (weight ${shapeStr(weight.shape)})`);
  }
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== nOut)) {
    throw new Error(`linear: bias ${shapeStr(bias.shape)} does not match weight ${shapeStr(weight.shape)}`);
  }
  const rows = x.size / nIn;
  const k = kernels();
  const out = allocOutput(rows * nOut);
  if (bias) for (let r = 0; r < rows; r++) out.set(bias.data, r * nOut);
  k.matmul(x.data, weight.data, out, { batch: 1, m: rows, k: nIn, n: nOut, transA: false, transB: true, strideA: 0, strideB: 0, accumulate: !!bias });

  const parents = bias ? [x, weight, bias] : [x, weight];
  return record('linear', out, [...x.shape.slice(0, -1), nOut], parents, (g) => {
    // g: [rows, out]
    accumulateWith(x, (gx, add) => {
      k.matmul(g, weight.data, gx, { batch: 1, m: rows, k: nOut, n: nIn, transA: false, transB: false, strideA: 0, strideB: 0, accumulate: add });
    });
    accumulateWith(weight, (gw, add) => {
      k.matmul(g, x.data, gw, { batch: 1, m: nOut, k: rows, n: nIn, transA: true, transB: false, strideA: 0, strideB: 0, accumulate: add });
    });
    if (bias && bias.requiresGrad) {
      const gb = allocArray(nOut);
      for (let r = 0; r < rows; r++) for (let j = 0; j < nOut; j++) gb[j] += g[r * nOut + j];
      accumulate(bias, gb, true);
    }
  });
}
