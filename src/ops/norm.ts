// rmsNorm and layerNorm over the last axis, fused: one kernel forward, one backward.
// x: [..., D], weight: [D], bias: [D] | null.

import { Tensor, shapeStr } from '../tensor/tensor.js';
import { accumulate, record, registerOp } from '../autograd/tape.js';
import { kernels } from '../kernels/backend.js';
import { allocArray, allocOutput } from '../kernels/memory.js';

registerOp('rmsNorm');
registerOp('layerNorm');

function check(op: string, x: Tensor, weight: Tensor, bias: Tensor | null): number {
  if (x.ndim < 1) throw new Error(`${op}: input must have at least one axis, got ${shapeStr(x.shape)}`);
  const D = x.shape[x.ndim - 1];
  if (weight.ndim !== 1 || weight.shape[0] !== D) {
    throw new Error(`${op}: weight ${shapeStr(weight.shape)} does not match the last axis ${D} of input ${shapeStr(x.shape)}`);
  }
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== D)) {
    throw new Error(`${op}: bias ${shapeStr(bias.shape)} does not match the last axis ${D} of input ${shapeStr(x.shape)}`);
  }
  return D;
}

/** y = x / sqrt(mean(x²) + eps) ⊙ weight, per row. */
export function rmsNorm(x: Tensor, weight: Tensor, eps = 1e-5): Tensor {
  const D = check('rmsNorm', x, weight, null);
  const rows = x.size / D;
  const k = kernels();
  const out = allocOutput(x.size);
  const rstd = allocOutput(rows); // 1/sqrt(mean(x²) + eps), kept for backward
  k.rmsNormForward(x.data, weight.data, out, rstd, rows, D, eps);
  return record('rmsNorm', out, x.shape, [x, weight], (g) => {
    const gx = x.requiresGrad ? allocOutput(x.size) : null;
    const gw = weight.requiresGrad ? allocArray(D) : null;
    k.rmsNormBackward(g, x.data, weight.data, rstd, gx, gw, rows, D);
    if (gx) accumulate(x, gx, true);
    if (gw) accumulate(weight, gw, true);
  });
}

/** y = (x − mean) / sqrt(var + eps) ⊙ weight + bias, per row (biased variance, as PyTorch). */
export function layerNorm(x: Tensor, weight: Tensor, bias: Tensor | null, eps = 1e-5): Tensor {
  const D = check('layerNorm', x, weight, bias);
  const rows = x.size / D;
  const k = kernels();
  const out = allocArray(x.size);
  const mean = allocArray(rows);
  const rstd = allocArray(rows);
  k.layerNormForward(x.data, weight.data, bias ? bias.data : null, out, mean, rstd, rows, D, eps);
  const parents = bias ? [x, weight, bias] : [x, weight];
  return record('layerNorm', out, x.shape, parents, (g) => {
    const gx = x.requiresGrad ? allocArray(x.size) : null;
    const gw = weight.requiresGrad ? allocArray(D) : null;
    const gb = bias && bias.requiresGrad ? allocArray(D) : null;
    k.layerNormBackward(g, x.data, weight.data, mean, rstd, gx, gw, gb, rows, D);
    if (gx) accumulate(x, gx, true);
    if (gw) accumulate(weight, gw, true);
    if (gb && bias) accumulate(bias, gb, true);
  });
}
