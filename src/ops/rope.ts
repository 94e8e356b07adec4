// rope: rotary position embeddings (Su et al., 2021, "RoFormer") in Hugging Face Llama's
// rotate-half convention: x' = x·cos + rotate_half(x)·sin with rotate_half(x) = [−x₂, x₁]
// (x₁, x₂ the halves of a head), the angle of dimension pair (i, i + d/2) at position p being
// p·θ^(−2i/d). x: [B, L, H, d] → [B, L, H, d]; row t is at position offset + t (a generation
// step continues the positions of the cache), or offset[b] + t with an offset per batch entry. A rotation's backward is the opposite rotation.
// Kernel ropeForward (src/kernels/reference/rope.ts).

import { Tensor, shapeStr } from '../tensor/tensor.js';
import { accumulate, record, registerOp } from '../autograd/tape.js';
import { kernels } from '../kernels/backend.js';
import { allocOutput } from '../kernels/memory.js';

registerOp('rope');

export function rope(x: Tensor, theta: number, offset: number | Int32Array = 0): Tensor {
  if (x.ndim !== 4) throw new Error(`rope: input must be [B, L, H, d], got ${shapeStr(x.shape)}`);
  const [B, L, H, d] = x.shape;
  if (d % 2 !== 0) throw new Error(`rope: head_dim ${d} of input ${shapeStr(x.shape)} must be even (dimension i pairs with i + d/2)`);
  if (!(theta > 0)) throw new Error(`rope: rope_theta must be positive, got ${theta}`);
  if (typeof offset !== 'number' && offset.length !== B) throw new Error(`rope: ${offset.length} offsets for input ${shapeStr(x.shape)} (one per batch entry)`);
  if (typeof offset !== 'number') offset = offset.slice(); // the backward's, should the caller's array move on
  const k = kernels();
  const out = allocOutput(x.size);
  k.ropeForward(x.data, out, B, L, H, d, theta, offset, false);
  return record('rope', out, x.shape, [x], (g) => {
    const gx = allocOutput(x.size);
    k.ropeForward(g, gx, B, L, H, d, theta, offset, true);
    accumulate(x, gx, true);
  });
}
