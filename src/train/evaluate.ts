// Validation: mean next-token loss over consecutive, non-overlapping windows (deterministic).

import { noGrad } from '../autograd/tape.js';
import type { CausalLM } from '../models/causal_lm.js';
import { evalBatches } from '../data/batches.js';
import { withArena } from '../kernels/memory.js';

export function evaluate(
  model: CausalLM,
  tokens: Int32Array,
  opts: { batchSize: number; contextLength: number; maxBatches?: number },
): number {
  return noGrad(() => {
    let total = 0;
    let count = 0;
    for (const { inputs, targets } of evalBatches(tokens, opts)) {
      const batch = inputs.length / opts.contextLength;
      total += withArena(() => model.loss(inputs, targets, batch, opts.contextLength).item()) * batch;
      count += batch;
    }
    if (count === 0) throw new Error(`evaluate: the validation split (${tokens.length} tokens) is shorter than one window of ${opts.contextLength + 1}`);
    return total / count;
  });
}
