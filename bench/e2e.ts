// End to end: training tokens/s (forward + backward + AdamW) and generation tokens/s (batch 1,
// one step per token after a prefill) of the Mamba language model, on the wasm backend with all
// threads and with one thread, and on the reference backend for the smallest configuration.
// Shapes from the kernels issue: 4 layers, vocab 96, batch 8, N 16; d_model 128 and 256 at
// L 256, and d_model 128 at L 1024 and 4096. Then generation alone for a model of the shape of
// state-spaces/mamba-130m (random weights), whose 0.5 GB of f32 weights stream from memory.

import { Rng } from '../src/tensor/random.js';
import { backward } from '../src/autograd/tape.js';
import { withArena } from '../src/kernels/memory.js';
import { LanguageModel } from '../src/models/language_model.js';
import { modelConfig } from '../src/models/config.js';
import { generate } from '../src/models/generate.js';
import { AdamW, paramGroupsForDecay } from '../src/optim/index.js';
import { initBackend, setThreads } from '../src/kernels/index.js';
import type { WeightFormat } from '../src/kernels/weight_format.js';
import { BenchContext, registerSection, median } from './sections.js';

interface Case {
  dModel: number;
  length: number;
  batch: number;
}

interface Variant {
  label: string;
  backend: 'wasm' | 'ref';
  threads: number;
}

/** Tokens per generation run (the reference and --quick runs generate 100). */
const GENERATED = 1000;

function trainTokensPerSec(model: LanguageModel, c: Case, steps: number): number {
  const rng = new Rng(1);
  const V = model.config.vocab_size;
  const n = c.batch * c.length;
  const inputs = Int32Array.from({ length: n }, () => rng.int(V));
  const targets = Int32Array.from({ length: n }, () => rng.int(V));
  const opt = new AdamW(paramGroupsForDecay(model, 0.1), { lr: 1e-3 });
  const step = () => {
    model.zeroGrad();
    withArena(() => backward(model.loss(inputs, targets, c.batch, c.length))); // as the trainer's step
    opt.step();
  };
  step(); // warm-up: compilation, first allocations
  const samples: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    step();
    samples.push(n / ((performance.now() - t0) / 1000));
  }
  return median(samples);
}

/** Generation runs per figure (median): runs of a process differ by up to ~20 % on this shared host. */
const GENERATE_RUNS = 5;

function generateTokensPerSec(model: LanguageModel, tokens: number, weights: WeightFormat): number {
  const prompt = Int32Array.of(1, 2, 3, 4);
  // Warm-up: the first few hundred tokens of a process run up to 1.5× slower (JIT tiers, the
  // pool's workers starting); measured with 1, 10, 100, 400 and 1000-token runs in a row.
  generate(model, prompt, { maxTokens: Math.min(tokens, 500), temperature: 1, seed: 0, weights });
  const samples: number[] = [];
  for (let r = 0; r < GENERATE_RUNS; r++) {
    const t0 = performance.now();
    generate(model, prompt, { maxTokens: tokens, temperature: 1, seed: r, weights });
    samples.push(tokens / ((performance.now() - t0) / 1000));
  }
  return median(samples);
}

/** Steps per second of a model with a state made beforehand (not timed), and how long making it took. */
function stepTokensPerSec(model: LanguageModel, weights: WeightFormat, tokens: number): { perSec: number; stateMs: number } {
  const t0 = performance.now();
  const state = model.initState(1, { weights });
  const stateMs = performance.now() - t0;
  const run = (n: number, from: number) => {
    for (let i = 0; i < n; i++) withArena(() => void model.step(Int32Array.of((from + i) % model.config.vocab_size), state));
  };
  run(5, 0); // warm-up
  const samples: number[] = [];
  for (let r = 0; r < 3; r++) {
    const t1 = performance.now();
    run(tokens, 100 * r);
    samples.push(tokens / ((performance.now() - t1) / 1000));
  }
  return { perSec: median(samples), stateMs };
}

registerSection({
  name: 'e2e',
  description: 'Mamba LM training and generation tokens/s (wasm N threads, 1 thread, reference)',
  async run(ctx: BenchContext) {
    const cases: Case[] = ctx.quick
      ? [{ dModel: 128, length: 256, batch: 8 }]
      : [
          { dModel: 128, length: 256, batch: 8 },
          { dModel: 256, length: 256, batch: 8 },
          { dModel: 128, length: 1024, batch: 8 },
          { dModel: 128, length: 4096, batch: 8 },
        ];
    const variants: Variant[] = [
      { label: `wasm ${ctx.threads} threads`, backend: 'wasm', threads: ctx.threads },
      { label: 'wasm 1 thread', backend: 'wasm', threads: 1 },
      { label: 'reference', backend: 'ref', threads: 1 },
    ];
    const rows: (string | number | null)[][] = [];
    const data: unknown[] = [];
    for (const c of cases) {
      // Parameters are placed where the backend selected at construction keeps them (wasm memory
      // for 'wasm'), so the model is built with the wasm backend selected, as the CLI does.
      await initBackend('wasm', { threads: ctx.threads });
      const model = new LanguageModel(modelConfig({ vocab_size: 96, hidden_size: c.dModel, num_hidden_layers: 4 }), { seed: 0 });
      const params = model.parameterCount();
      for (const v of variants) {
        // The reference backend is measured on the smallest case only: it is the baseline, not a target.
        if (v.backend === 'ref' && (c.dModel !== 128 || c.length !== 256)) continue;
        await initBackend(v.backend, { threads: v.threads });
        if (v.backend === 'wasm') setThreads(v.threads);
        const longest = c.length >= 4096;
        const steps = ctx.quick || v.backend === 'ref' || longest ? 2 : 4;
        ctx.log(`e2e: d ${c.dModel} L ${c.length} ${v.label} ...`);
        const train = trainTokensPerSec(model, c, steps);
        const tokens = ctx.quick || v.backend === 'ref' ? 100 : GENERATED;
        const gen = c.length === 256 ? generateTokensPerSec(model, tokens, 'f32') : null;
        // bf16 weights are a generation option of the fast kernels; the reference would unpack them at every token.
        const genBf16 = c.length === 256 && v.backend === 'wasm' ? generateTokensPerSec(model, tokens, 'bf16') : null;
        const round = (x: number | null) => (x === null ? null : Math.round(x));
        rows.push([`d ${c.dModel} · L ${c.length} · B ${c.batch}`, v.label, (params / 1e6).toFixed(2) + 'M', Math.round(train), round(gen), round(genBf16)]);
        data.push({ ...c, layers: 4, vocab: 96, params, variant: v, trainTokensPerSec: train, generateTokensPerSec: gen, generateBf16TokensPerSec: genBf16 });
      }
    }
    if (!ctx.quick) {
      // mamba-130m's shape (24 layers, d 768, vocab 50,280): 129 M parameters, generation only.
      await initBackend('wasm', { threads: ctx.threads });
      ctx.log('e2e: mamba-130m shape, generation ...');
      const big = new LanguageModel(modelConfig({ vocab_size: 50280, hidden_size: 768, num_hidden_layers: 24 }), { seed: 0 });
      const f32 = stepTokensPerSec(big, 'f32', 40);
      const bf16 = stepTokensPerSec(big, 'bf16', 40);
      const params = big.parameterCount();
      rows.push(['mamba-130m shape (24 × d 768, V 50,280)', `wasm ${ctx.threads} threads`, (params / 1e6).toFixed(0) + 'M', null, Math.round(f32.perSec), Math.round(bf16.perSec)]);
      data.push({ case: 'mamba-130m shape', layers: 24, dModel: 768, vocab: 50280, params, threads: ctx.threads, stepTokensPerSec: f32.perSec, stepBf16TokensPerSec: bf16.perSec, bf16StateMs: bf16.stateMs });
    }
    await initBackend();
    return {
      title: 'End to end: Mamba LM tokens/s (4 layers, vocab 96, N 16)',
      table: { columns: ['case', 'backend', 'params', 'train tok/s', 'generate tok/s (B 1)', 'generate, bf16 weights'], rows },
      notes: [
        'train: median over steps of batch·length / seconds for forward + backward + AdamW step (random tokens).',
        `generate: batch 1, prompt of 4 tokens, median of ${GENERATE_RUNS} runs of ${ctx.quick ? 100 : GENERATED} tokens (100 on the reference) after a warm-up of up to 500; prefill + one fused step per layer and token.`,
        'generate, bf16 weights: the same with generate({ weights: "bf16" }): in_proj, x_proj and out_proj as bfloat16 in the step (f32 arithmetic).',
        'generation is the same per-token work at every L (constant-time steps), so it is measured at L 256 only.',
        'mamba-130m shape: random weights, steps only (median of 3 runs of 40 steps after 5, the state made beforehand: packing the bf16 copies takes ~1 s at this size).',
      ],
      data,
    };
  },
});
