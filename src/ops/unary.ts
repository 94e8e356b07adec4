// Element-wise functions of one tensor, each with its derivative in the kernels table
// (src/kernels/reference/unary.ts): y = f(x), dx = dy ⊙ f'(x).
// Numerics: sigmoid and softplus never overflow (softplus(x) = x beyond 20, e^x below −20);
// gelu is the exact x·Φ(x) with erfc to a fractional error below 1.2e−7.

import { Tensor } from '../tensor/tensor.js';
import { accumulate, record, registerOp } from '../autograd/tape.js';
import { kernels } from '../kernels/backend.js';
import type { UnaryOp } from '../kernels/reference/unary.js';
import { allocArray, allocOutput } from '../kernels/memory.js';

const UNARY_OPS: UnaryOp[] = ['exp', 'log', 'sqrt', 'neg', 'silu', 'sigmoid', 'softplus', 'tanh', 'gelu', 'relu'];
for (const op of UNARY_OPS) registerOp(op);
registerOp('pow');

function unary(op: UnaryOp, x: Tensor): Tensor {
  const k = kernels();
  const out = allocOutput(x.size);
  k.unaryForward(op, x.data, out);
  return record(op, out, x.shape, [x], (g) => {
    const gx = allocOutput(x.size);
    k.unaryBackward(op, x.data, out, g, gx);
    accumulate(x, gx, true);
  });
}

export const exp = (x: Tensor): Tensor => unary('exp', x);
export const log = (x: Tensor): Tensor => unary('log', x);
export const sqrt = (x: Tensor): Tensor => unary('sqrt', x);
export const neg = (x: Tensor): Tensor => unary('neg', x);
/** x·σ(x), also called swish. */
export const silu = (x: Tensor): Tensor => unary('silu', x);
export const sigmoid = (x: Tensor): Tensor => unary('sigmoid', x);
/** log(1 + e^x), the positive map Mamba applies to Δ. */
export const softplus = (x: Tensor): Tensor => unary('softplus', x);
export const tanh = (x: Tensor): Tensor => unary('tanh', x);
/** Exact GELU x·Φ(x), as PyTorch's default (approximate = 'none'). */
export const gelu = (x: Tensor): Tensor => unary('gelu', x);
export const relu = (x: Tensor): Tensor => unary('relu', x);

/** x^p element-wise, for a constant exponent p; dx = dy ⊙ p·x^(p−1). */
export function pow(x: Tensor, p: number): Tensor {
  if (!Number.isFinite(p)) throw new Error(`pow: exponent must be a finite number, got ${p}`);
  const k = kernels();
  const out = allocArray(x.size);
  k.powForward(x.data, p, out);
  return record('pow', out, x.shape, [x], (g) => {
    const gx = allocArray(x.size);
    k.powBackward(x.data, p, g, gx);
    accumulate(x, gx, true);
  });
}
