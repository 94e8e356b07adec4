// Gradient clipping by the global L2 norm, as torch.nn.utils.clip_grad_norm_.

import { Tensor } from '../tensor/tensor.js';

/**
 * Scales every gradient by maxNorm / total when the total L2 norm exceeds maxNorm, and returns
 * the norm before clipping. A non-finite norm (a NaN or Inf gradient) is returned as it is and
 * nothing is scaled, so the caller can see it and skip the step.
 */
export function clipGradNorm(params: Tensor[], maxNorm: number): number {
  let sq = 0;
  for (const p of params) {
    if (p.grad === null) continue;
    for (let i = 0; i < p.grad.length; i++) sq += p.grad[i] * p.grad[i];
  }
  const total = Math.sqrt(sq);
  if (!Number.isFinite(total)) return total;
  // The 1e-6 matches PyTorch and keeps the scale finite for tiny norms.
  const scale = maxNorm / (total + 1e-6);
  if (scale < 1) {
    for (const p of params) {
      if (p.grad === null) continue;
      for (let i = 0; i < p.grad.length; i++) p.grad[i] *= scale;
    }
  }
  return total;
}
