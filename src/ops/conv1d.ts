// conv1d: causal depthwise convolution over time, channels last (the Mamba block's short conv).
// x: [B, L, C], weight: [C, 1, K] (PyTorch layout), bias: [C] | null → [B, L, C].
//   y[b, t, c] = bias[c] + Σ_{j<K} weight[c, 0, j] · x[b, t − (K−1) + j, c], zero before t = 0.
// With { activation: 'silu' }, SiLU(y) in the same kernels (Mamba's causal_conv1d_fn): one pass
// over the activations instead of two, forward and backward.
// Generation uses the kernel-level conv1dStep (src/kernels/reference/conv1d.ts) on a rolling state.

import { Tensor, shapeStr } from '../tensor/tensor.js';
import { accumulate, record, registerOp } from '../autograd/tape.js';
import { kernels } from '../kernels/backend.js';
import { allocArray, allocOutput } from '../kernels/memory.js';

registerOp('conv1d');

export function conv1d(x: Tensor, weight: Tensor, bias: Tensor | null, opts: { activation?: 'silu' } = {}): Tensor {
  if (x.ndim !== 3) throw new Error(`conv1d: input must be [B, L, C], got ${shapeStr(x.shape)}`);
  const [B, L, C] = x.shape;
  if (weight.ndim !== 3 || weight.shape[0] !== C || weight.shape[1] !== 1 || weight.shape[2] < 1) {
    throw new Error(`conv1d: weight ${shapeStr(weight.shape)} does not match channels ${C} of input ${shapeStr(x.shape)} (expected [${C}, 1, K])`);
  }
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== C)) {
    throw new Error(`conv1d: bias ${shapeStr(bias.shape)} does not match channels ${C} of input ${shapeStr(x.shape)}`);
  }
  if (opts.activation !== undefined && opts.activation !== 'silu') {
    throw new Error(`conv1d: activation '${opts.activation}' is not supported (only 'silu', or none)`);
  }
  const K = weight.shape[2];
  const k = kernels();
  const out = allocOutput(x.size);
  const pre = opts.activation === 'silu' ? allocOutput(x.size) : null; // the conv before SiLU, for the backward
  k.conv1dForward(x.data, weight.data, bias ? bias.data : null, out, B, L, C, K, pre);
  const parents = bias ? [x, weight, bias] : [x, weight];
  return record('conv1d', out, x.shape, parents, (g) => {
    const gx = x.requiresGrad ? allocOutput(x.size) : null;
    const gw = weight.requiresGrad ? allocArray(weight.size) : null;
    const gb = bias && bias.requiresGrad ? allocArray(C) : null;
    k.conv1dBackward(g, x.data, weight.data, gx, gw, gb, B, L, C, K, pre);
    if (gx) accumulate(x, gx, true);
    if (gw) accumulate(weight, gw, true);
    if (gb && bias) accumulate(bias, gb, true);
  });
}
