// conv1d: causal depthwise convolution over time, channels last (the Mamba block's short conv).
// x: [B, L, C], weight: [C, 1, K] (PyTorch layout), bias: [C] | null → [B, L, C].
//   y[b, t, c] = bias[c] + Σ_{j<K} weight[c, 0, j] · x[b, t − (K−1) + j, c], zero before t = 0.
// Generation uses the kernel-level conv1dStep (src/kernels/reference/conv1d.ts) on a rolling state.

import { Tensor, shapeStr } from '../tensor/tensor.js';
import { accumulate, record, registerOp } from '../autograd/tape.js';
import { kernels } from '../kernels/backend.js';
import { allocArray, allocOutput } from '../kernels/memory.js';

registerOp('conv1d');

export function conv1d(x: Tensor, weight: Tensor, bias: Tensor | null): Tensor {
  if (x.ndim !== 3) throw new Error(`conv1d: input must be [B, L, C], got ${shapeStr(x.shape)}`);
  const [B, L, C] = x.shape;
  if (weight.ndim !== 3 || weight.shape[0] !== C || weight.shape[1] !== 1 || weight.shape[2] < 1) {
    throw new Error(`conv1d: weight ${shapeStr(weight.shape)} does not match channels ${C} of input ${shapeStr(x.shape)} (expected [${C}, 1, K])`);
  }
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== C)) {
    throw new Error(`conv1d: bias ${shapeStr(bias.shape)} does not match channels ${C} of input ${shapeStr(x.shape)}`);
  }
  const K = weight.shape[2];
  const k = kernels();
  const out = allocOutput(x.size);
  k.conv1dForward(x.data, weight.data, bias ? bias.data : null, out, B, L, C, K);
  const parents = bias ? [x, weight, bias] : [x, weight];
  return record('conv1d', out, x.shape, parents, (g) => {
    const gx = x.requiresGrad ? allocOutput(x.size) : null;
    const gw = weight.requiresGrad ? allocArray(weight.size) : null;
    const gb = bias && bias.requiresGrad ? allocArray(C) : null;
    k.conv1dBackward(g, x.data, weight.data, gx, gw, gb, B, L, C, K);
    if (gx) accumulate(x, gx, true);
    if (gw) accumulate(weight, gw, true);
    if (gb && bias) accumulate(bias, gb, true);
  });
}
