// crossEntropy: mean over rows of −log softmax(logits)[target], fused and stable.
// logits: [..., V], targets: one per row (the product of the leading axes) → scalar [].
// Backward: (softmax − onehot) / count on the counted rows, zero on ignored ones.

import { Tensor, shapeStr } from '../tensor/tensor.js';
import { accumulate, record, registerOp } from '../autograd/tape.js';
import { kernels } from '../kernels/backend.js';
import { allocArray, allocOutput } from '../kernels/memory.js';

registerOp('crossEntropy');

export interface CrossEntropyOptions {
  /** Rows whose target equals this are left out of the mean (PyTorch's ignore_index). */
  ignoreIndex?: number;
}

export function crossEntropy(logits: Tensor, targets: Int32Array, opts: CrossEntropyOptions = {}): Tensor {
  if (logits.ndim < 1) throw new Error(`crossEntropy: logits must be [..., V], got ${shapeStr(logits.shape)}`);
  const V = logits.shape[logits.ndim - 1];
  const rows = logits.size / V;
  if (targets.length !== rows) {
    throw new Error(`crossEntropy: ${targets.length} targets for logits ${shapeStr(logits.shape)} (${rows} rows)`);
  }
  const ignore = opts.ignoreIndex;
  let count = 0;
  for (let r = 0; r < rows; r++) {
    const t = targets[r];
    if (t === ignore) continue;
    if (!(t >= 0 && t < V)) throw new Error(`crossEntropy: target ${t} at row ${r} is outside [0, ${V})`);
    count++;
  }
  // Every target is now either valid or the ignore index; −1 never matches a valid target.
  const ignoreIndex = ignore ?? -1;
  const k = kernels();
  const lse = allocArray(rows); // log-sum-exp per row, kept for backward
  const total = k.crossEntropyForward(logits.data, targets, lse, rows, V, ignoreIndex);
  const loss = count > 0 ? total / count : 0;
  return record('crossEntropy', new Float32Array([loss]), [], [logits], (g) => {
    const gl = allocOutput(logits.size);
    if (count > 0) k.crossEntropyBackward(logits.data, targets, lse, g[0] / count, gl, rows, V, ignoreIndex);
    accumulate(logits, gl, true);
  });
}
