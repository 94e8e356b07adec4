// add, sub, mul, div with numpy broadcasting.
// Backward: the local derivative times the output gradient, summed over broadcast axes.

import { Tensor } from '../tensor/tensor.js';
import { accumulate, record, registerOp } from '../autograd/tape.js';
import { kernels } from '../kernels/backend.js';
import type { BinaryOp } from '../kernels/reference/binary.js';
import { broadcastPlan, sameShape } from './broadcast.js';
import { allocArray, allocOutput } from '../kernels/memory.js';

for (const op of ['add', 'sub', 'mul', 'div']) registerOp(op);

function binaryOp(op: BinaryOp, a: Tensor, b: Tensor): Tensor {
  const plan = broadcastPlan(op, a.shape, b.shape);
  const k = kernels();
  const out = allocOutput(plan.outShape.reduce((x, y) => x * y, 1));
  k.binary(op, a.data, b.data, out, plan);
  return record(op, out, plan.outShape, [a, b], (g) => {
    // Gradient w.r.t. the broadcast output, then summed back to each input's shape. g itself is
    // free once this backward returns (autograd drops an output's gradient after propagating
    // it), so the first input that takes g as it is adopts it; a second one copies it.
    let gTaken = false;
    const toInput = (t: Tensor, local: Float32Array, strides: number[]) => {
      if (sameShape(t.shape, plan.outShape)) {
        const owned = local !== g || !gTaken;
        if (local === g) gTaken = true;
        return accumulate(t, local, owned);
      }
      const reduced = allocArray(t.size);
      k.reduceBroadcast(local, reduced, plan.outShape, strides);
      accumulate(t, reduced, true);
    };
    const n = out.length;
    if (a.requiresGrad) {
      let ga = g;
      if (op === 'mul' || op === 'div') {
        // d(a·b)/da = b ; d(a/b)/da = 1/b
        const bb = allocArray(n);
        k.binary(op === 'mul' ? 'mul' : 'div', g, b.data, bb, { outShape: plan.outShape, stridesA: contiguous(plan.outShape), stridesB: plan.stridesB });
        ga = bb;
      }
      toInput(a, ga, plan.stridesA);
    }
    if (b.requiresGrad) {
      let gb: Float32Array;
      if (op === 'add') gb = g;
      else if (op === 'sub') gb = g.map((v) => -v);
      else if (op === 'mul') {
        gb = allocArray(n);
        k.binary('mul', g, a.data, gb, { outShape: plan.outShape, stridesA: contiguous(plan.outShape), stridesB: plan.stridesA });
      } else {
        // d(a/b)/db = -a/b² = -out/b
        gb = allocArray(n);
        k.binary('div', out, b.data, gb, { outShape: plan.outShape, stridesA: contiguous(plan.outShape), stridesB: plan.stridesB });
        for (let i = 0; i < n; i++) gb[i] = -gb[i] * g[i];
      }
      toInput(b, gb, plan.stridesB);
    }
  });
}

function contiguous(shape: number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = shape[i] === 1 ? 0 : s;
    s *= shape[i];
  }
  return strides;
}

export const add = (a: Tensor, b: Tensor): Tensor => binaryOp('add', a, b);
export const sub = (a: Tensor, b: Tensor): Tensor => binaryOp('sub', a, b);
export const mul = (a: Tensor, b: Tensor): Tensor => binaryOp('mul', a, b);
export const div = (a: Tensor, b: Tensor): Tensor => binaryOp('div', a, b);
