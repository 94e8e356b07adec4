// Initialisation of the Transformer++ baseline, the GPT-2 scheme (Radford et al., 2019; as
// nanoGPT): every Linear and Embedding weight from N(0, 0.02²), the projections that write
// into the residual stream (o_proj, down_proj) from N(0, (0.02 / sqrt(2·layers))²) so that the
// stream's variance does not grow with depth; RMSNorm weights 1. (Hugging Face Llama draws all
// of them from N(0, 0.02²) unscaled.)

import { randn } from '../tensor/tensor.js';
import { Rng } from '../tensor/random.js';
import { Linear } from '../nn/linear.js';

/** The std of the residual output projections for a model of `layers` blocks. */
export function residualStd(layers: number): number {
  return 0.02 / Math.sqrt(2 * layers);
}

/** A Linear without bias, weight [out, in] drawn from N(0, std²). */
export function normalLinear(inFeatures: number, outFeatures: number, std: number, rng: Rng): Linear {
  const lin = new Linear(inFeatures, outFeatures, { bias: false, rng });
  lin.weight.data.set(randn([outFeatures, inFeatures], { std, rng }).data);
  return lin;
}
