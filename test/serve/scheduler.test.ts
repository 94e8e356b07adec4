// The scheduler alone (no HTTP): prompts submitted together are prefilled together, in passes of
// the same number of tokens for each, and every sequence gets the greedy tokens it gets alone, for
// recurrent states (Mamba, Mamba-2) and a KV cache; in small prefill chunks, and continuing from
// cached prefixes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LanguageModel } from '../../src/models/language_model.js';
import { modelConfig, type Mamba2Config, type Mamba2ConfigInput } from '../../src/models/config.js';
import { TransformerLM } from '../../src/models/transformer.js';
import { llamaConfig } from '../../src/models/llama_config.js';
import { Rng } from '../../src/tensor/random.js';
import { Scheduler, type SchedulerOptions } from '../../src/serve/scheduler.js';
import type { Sampler } from '../../src/serve/sampler.js';
import { asStepModel } from '../../src/serve/step_model.js';

const V = 13;
const models = {
  mamba: asStepModel(new LanguageModel(modelConfig({ vocab_size: V, hidden_size: 16, num_hidden_layers: 2, state_size: 4 }), { seed: 2 })),
  mamba2: asStepModel(new LanguageModel(modelConfig({ model_type: 'mamba2', vocab_size: V, hidden_size: 16, num_hidden_layers: 2, num_heads: 4, head_dim: 8, n_groups: 2, state_size: 4, chunk_size: 8 } as Mamba2ConfigInput & { model_type: 'mamba2' }) as Mamba2Config, { seed: 2 })),
  transformer: asStepModel(new TransformerLM(llamaConfig({ vocab_size: V, hidden_size: 16, intermediate_size: 24, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2 }), { seed: 2 })),
};

const greedy = { next: (l: Float32Array) => l.indexOf(Math.max(...l)) } as unknown as Sampler;

/** Runs the prompts submitted at once; resolves to each one's tokens. */
function run(s: Scheduler, prompts: Int32Array[], maxTokens: number): Promise<number[][]> {
  return Promise.all(
    prompts.map(
      (prompt) =>
        new Promise<number[]>((resolve, reject) => {
          const out: number[] = [];
          s.submit([{ prompt, maxTokens, sampler: greedy, onToken: (t) => (out.push(t), false), onDone: () => resolve(out), onError: reject }]);
        }),
    ),
  );
}

const rng = new Rng(4);
const prompts = Array.from({ length: 10 }, (_, i) => Int32Array.from({ length: 3 + 4 * i }, () => Math.floor(rng.next() * V))); // 3 … 39 tokens
const options: SchedulerOptions = { maxBatch: 16, maxQueue: 64, prefillChunk: 512, cacheBytes: 0 };

for (const [arch, model] of Object.entries(models)) {
  test(`prompts of ${arch} submitted together are prefilled together and each gets its tokens alone`, async () => {
    const alone: number[][] = [];
    for (const p of prompts) alone.push((await run(new Scheduler(model, options), [p], 6))[0]);
    const s = new Scheduler(model, options);
    assert.deepEqual(await run(s, prompts, 6), alone);
    // 210 prompt tokens in one budget: pass k runs the 11 − k prompts left, n = 3 or 4 tokens each.
    assert.equal(s.counters.prefillPasses, 10);
    assert.equal(s.counters.prefillRows, 55);
    assert.equal(s.counters.prefilled, prompts.reduce((a, p) => a + p.length, 0));

    const one = new Scheduler(model, { ...options, prefillBatch: 1 });
    assert.deepEqual(await run(one, prompts, 6), alone);
    assert.equal(one.counters.prefillRows, prompts.length);

    // Chunks of 7 tokens per turn (passes of a token or two each), and half the prompts cached first.
    const small = new Scheduler(model, { ...options, prefillChunk: 7, cacheBytes: 1 << 24 });
    await run(small, prompts.slice(0, 5).map((p) => p.subarray(0, p.length - 2)), 1);
    assert.deepEqual(await run(small, prompts, 6), alone);
    assert.ok(small.counters.cachedPromptTokens > 0);
  });
}
