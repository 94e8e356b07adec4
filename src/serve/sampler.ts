// One choice's token sampler: OpenAI's logit adjustments (logit_bias, presence and frequency
// penalties over the tokens generated so far), then the project's sampler (temperature, top-k,
// top-p; src/models/generate.ts) with the choice's own seeded generator.

import { Rng } from '../tensor/random.js';
import { sampleToken } from '../models/generate.js';
import type { SamplingParams } from './protocol.js';

export class Sampler {
  private readonly rng: Rng;
  /** How often each token id was generated (for the penalties). */
  private readonly counts = new Map<number, number>();
  private readonly adjusts: boolean;

  constructor(
    private readonly params: SamplingParams,
    seed: number,
    /** Only ids below this are drawn: the tokenizer's ids (checkpoints pad the vocabulary). */
    private readonly vocabLimit: number,
  ) {
    this.rng = new Rng(seed);
    this.adjusts = params.logitBias.size > 0 || params.presencePenalty !== 0 || params.frequencyPenalty !== 0;
  }

  /** Draws the next token from logits [V] (left unchanged) and remembers it. */
  next(logits: Float32Array): number {
    const p = this.params;
    let l = logits;
    if (this.adjusts) {
      l = logits.slice();
      for (const [id, bias] of p.logitBias) if (id < l.length) l[id] += bias;
      for (const [id, count] of this.counts) l[id] -= p.presencePenalty + p.frequencyPenalty * count;
    }
    const token = sampleToken(l, { temperature: p.temperature, topK: p.topK, topP: p.topP, vocabLimit: this.vocabLimit }, this.rng);
    this.counts.set(token, (this.counts.get(token) ?? 0) + 1);
    return token;
  }
}
