// dropout: inverted dropout, each element kept with probability 1 − p and scaled by 1/(1 − p),
// so that the expected activation is unchanged and evaluation needs no rescaling.
// Identity (the same tensor) when not training or p = 0.

import { Tensor } from '../tensor/tensor.js';
import { Rng } from '../tensor/random.js';
import { accumulate, record, registerOp } from '../autograd/tape.js';
import { kernels } from '../kernels/backend.js';
import { allocArray } from '../kernels/memory.js';

registerOp('dropout');

export function dropout(x: Tensor, p: number, rng: Rng, training = true): Tensor {
  if (!(p >= 0 && p < 1)) throw new Error(`dropout: p must be in [0, 1), got ${p}`);
  if (!training || p === 0) return x;
  const keep = new Uint8Array(x.size);
  for (let i = 0; i < keep.length; i++) keep[i] = rng.next() >= p ? 1 : 0;
  const scale = 1 / (1 - p);
  const k = kernels();
  const out = allocArray(x.size);
  k.dropoutApply(x.data, keep, scale, out);
  return record('dropout', out, x.shape, [x], (g) => {
    const gx = allocArray(x.size);
    k.dropoutApply(g, keep, scale, gx);
    accumulate(x, gx, true);
  });
}
