// Validation: mean next-token loss over consecutive, non-overlapping windows (deterministic), and
// the same loss as bits per token and bits per character of the text.

import { noGrad } from '../autograd/tape.js';
import type { CausalLM } from '../models/causal_lm.js';
import type { Tokenizer } from '../data/tokenizer.js';
import { evalBatches } from '../data/batches.js';
import { withArena } from '../kernels/memory.js';

type EvalOptions = { batchSize: number; contextLength: number; maxBatches?: number };

/** Mean loss in nats per token. */
export function evaluate(model: CausalLM, tokens: Int32Array, opts: EvalOptions): number {
  return lossOverWindows(model, tokens, opts).loss;
}

export interface TextEval {
  /** Mean loss, nats per token. */
  loss: number;
  bitsPerToken: number;
  /**
   * Total bits ÷ characters (Unicode code points) of the predicted text: comparable across
   * tokenizers, unlike bits per token (a byte tokenizer spends 2–4 tokens on a non-ASCII character).
   */
  bitsPerChar: number;
  tokens: number;
  characters: number;
}

/** evaluate() reported per token and per character of the decoded text it predicted. */
export function evaluateText(model: CausalLM, tokenizer: Tokenizer, tokens: Int32Array, opts: EvalOptions): TextEval {
  const { loss, windows } = lossOverWindows(model, tokens, opts);
  // Window k predicts tokens k·L + 1 … k·L + L: together, tokens 1 … windows·L.
  const count = windows * opts.contextLength;
  const characters = [...tokenizer.decode(tokens.subarray(1, count + 1))].length;
  const bits = (loss * count) / Math.LN2;
  return { loss, bitsPerToken: bits / count, bitsPerChar: bits / Math.max(1, characters), tokens: count, characters };
}

function lossOverWindows(model: CausalLM, tokens: Int32Array, opts: EvalOptions): { loss: number; windows: number } {
  return noGrad(() => {
    let total = 0;
    let count = 0;
    for (const { inputs, targets } of evalBatches(tokens, opts)) {
      const batch = inputs.length / opts.contextLength;
      total += withArena(() => model.loss(inputs, targets, batch, opts.contextLength).item()) * batch;
      count += batch;
    }
    if (count === 0) throw new Error(`evaluate: the validation split (${tokens.length} tokens) is shorter than one window of ${opts.contextLength + 1}`);
    return { loss: total / count, windows: count };
  });
}
