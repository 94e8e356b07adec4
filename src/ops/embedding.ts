// embedding: rows of a table picked by integer ids. weight: [V, D], ids: idsShape → [...idsShape, D].
// Backward scatter-adds the output gradient into the picked rows (repeated ids sum).

import { Tensor, sizeOf, shapeStr } from '../tensor/tensor.js';
import { accumulate, record, registerOp } from '../autograd/tape.js';
import { kernels } from '../kernels/backend.js';
import { allocArray, allocOutput } from '../kernels/memory.js';

registerOp('embedding');

export function embedding(weight: Tensor, ids: Int32Array, idsShape: number[]): Tensor {
  if (weight.ndim !== 2) throw new Error(`embedding: weight must be [V, D], got ${shapeStr(weight.shape)}`);
  const [V, D] = weight.shape;
  const n = sizeOf(idsShape);
  if (ids.length !== n) throw new Error(`embedding: ${ids.length} ids do not match ids shape ${shapeStr(idsShape)}`);
  for (let i = 0; i < n; i++) {
    if (!(ids[i] >= 0 && ids[i] < V)) throw new Error(`embedding: id ${ids[i]} at position ${i} is outside the vocabulary [0, ${V})`);
  }
  const k = kernels();
  const out = allocOutput(n * D);
  k.embeddingForward(weight.data, ids, out, n, D);
  return record('embedding', out, [...idsShape, D], [weight], (g) => {
    const gw = allocArray(weight.size);
    k.embeddingBackward(g, ids, gw, n, D);
    accumulate(weight, gw, true);
  });
}
