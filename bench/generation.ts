// Batch-1 generation of models of the shapes of state-spaces/mamba-130m-hf and
// AntonV/mamba2-130m-hf (random weights) in each weight format on 1 and 2 threads, beside
// llama.cpp's figures on this machine kind (../shared/REFERENCE.md, "Inference anchors") and
// beside the roofline: the read bandwidth measured just before and after each figure, over the
// bytes a token reads. Then prefill of 512- and 2,048-token prompts through the chunked forward
// (chunks of 512, the server's default), the head at the prompt's last position only.

import { Rng } from '../src/tensor/random.js';
import { noGrad } from '../src/autograd/tape.js';
import { withArena } from '../src/kernels/memory.js';
import { LanguageModel, type ModelState } from '../src/models/language_model.js';
import { modelConfig, type BackboneConfig, type MambaConfigInput, type Mamba2ConfigInput } from '../src/models/config.js';
import { initBackend, setThreads, wasmRuntime } from '../src/kernels/index.js';
import { WEIGHT_FORMATS, type WeightFormat } from '../src/kernels/weight_format.js';
import { BenchContext, median, registerSection } from './sections.js';
import { makeBandwidthProbe, modelStepBytes } from './roofline.js';

/** llama.cpp v0.5.0 (AVX-512), mamba-130m shape, random weights, tokens/s on [1 thread, 2 threads] (REFERENCE.md). */
export const LLAMA_CPP = {
  generate: { f32: [33.2, 49.3], bf16: [62.1, 86.6], int8: [82.3, 108.7] } as Record<WeightFormat, [number, number]>,
  prefill512: [170, 310] as [number, number],
};
const LLAMA_CPP_NAMES: Record<WeightFormat, string> = { f32: 'F32', bf16: 'BF16', int8: 'Q8_0' };

export const MAMBA_130M: MambaConfigInput = { vocab_size: 50280, hidden_size: 768, num_hidden_layers: 24 };
/** AntonV/mamba2-130m-hf's shape: heads of 64, state 128, one group. */
export const MAMBA2_130M: Mamba2ConfigInput = { model_type: 'mamba2', vocab_size: 50288, hidden_size: 768, num_hidden_layers: 24, num_heads: 24, head_dim: 64, n_groups: 1, state_size: 128, expand: 2 };

/** Steps per second with a state made beforehand: 5 warm-up steps, then the median of `runs` runs of `tokens`. */
export function stepsPerSec(model: LanguageModel, state: ModelState, tokens: number, runs = 3): number {
  const V = model.config.vocab_size;
  const go = (n: number, from: number) => {
    for (let i = 0; i < n; i++) withArena(() => void model.step(Int32Array.of((from + 7919 * i) % V), state));
  };
  go(5, 0);
  const samples: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    go(tokens, 100 * r);
    samples.push(tokens / ((performance.now() - t0) / 1000));
  }
  return median(samples);
}

/** Prompt tokens per second of a prefill of `length` tokens in chunks of `chunk` (a fresh state each run; logits of each chunk's last position). */
function prefillPerSec(model: LanguageModel, length: number, chunk: number, runs: number): number {
  const rng = new Rng(length);
  const ids = Int32Array.from({ length }, () => rng.int(model.config.vocab_size));
  const once = () => noGrad(() => {
    const state = model.initState(1);
    for (let t = 0; t < length; t += chunk) {
      const n = Math.min(chunk, length - t);
      withArena(() => void model.prefill(ids.subarray(t, t + n), 1, n, state));
    }
  });
  once(); // warm-up
  const samples: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    once();
    samples.push(length / ((performance.now() - t0) / 1000));
  }
  return median(samples);
}

const round1 = (x: number) => Math.round(x * 10) / 10;
const ratio = (x: number) => Math.round(x * 100) / 100;

registerSection({
  name: 'generation',
  description: 'mamba-130m shape: batch-1 generation tok/s per weight format on 1 and 2 threads vs llama.cpp and the roofline; prefill 512 / 2,048',
  async run(ctx: BenchContext) {
    await initBackend('wasm', { threads: Math.max(2, ctx.threads) });
    const rt = wasmRuntime()!;
    const bandwidth = makeBandwidthProbe(rt);
    const tokens = ctx.quick ? 10 : 40;
    const rows: (string | number | null)[][] = [];
    const data: unknown[] = [];
    const models = [
      { name: 'mamba-130m', config: modelConfig(MAMBA_130M) as BackboneConfig },
      { name: 'mamba2-130m', config: modelConfig(MAMBA2_130M) as BackboneConfig },
    ];
    for (const m of models) {
      const model = new LanguageModel(m.config, { seed: 0 }); // parameters resident in the wasm memory
      const states = new Map<WeightFormat, ModelState>();
      for (const f of WEIGHT_FORMATS) states.set(f, model.initState(1, { weights: f }));
      for (const threads of [1, 2]) {
        setThreads(threads);
        for (const f of WEIGHT_FORMATS) {
          ctx.log(`generation: ${m.name} ${f}, ${threads} thread(s) ...`);
          const before = bandwidth(threads);
          const perSec = stepsPerSec(model, states.get(f)!, tokens);
          const after = bandwidth(threads);
          const bw = (before + after) / 2;
          const bytes = modelStepBytes(model, states.get(f)!);
          const roofline = bw / bytes;
          const peer = m.name === 'mamba-130m' ? LLAMA_CPP.generate[f][threads - 1] : null;
          ctx.log(`generation: ${m.name} ${f}, ${threads} thread(s): ${round1(perSec)} tok/s (${ratio(perSec / roofline)}× roofline${peer === null ? '' : `, ${ratio(perSec / peer)}× llama.cpp`})`);
          rows.push([`${m.name} generate`, String(threads), f, round1(perSec), peer === null ? null : `${peer} (${LLAMA_CPP_NAMES[f]})`, peer === null ? null : ratio(perSec / peer), round1(bw / 1e9), round1(roofline), ratio(perSec / roofline), peer === null ? null : ratio(peer / roofline)]);
          data.push({ model: m.name, kind: 'generate', threads, weights: f, tokensPerSec: perSec, llamaCpp: peer, bandwidthBefore: before, bandwidthAfter: after, bytesPerToken: bytes, roofline });
        }
        for (const length of ctx.quick ? [512] : [512, 2048]) {
          ctx.log(`generation: ${m.name} prefill ${length}, ${threads} thread(s) ...`);
          const peer = m.name === 'mamba-130m' ? LLAMA_CPP.prefill512[threads - 1] : null;
          let perSec: number;
          try {
            perSec = prefillPerSec(model, length, 512, ctx.quick ? 1 : 2);
          } catch (err) {
            // A failed point (the 4 GiB wasm memory running out) is recorded, not fatal: the rows before it stand.
            const reason = (err as Error).message;
            ctx.log(`generation: ${m.name} prefill ${length} failed: ${reason}`);
            rows.push([`${m.name} prefill ${length}`, String(threads), 'f32', `failed: ${reason}`, null, null, null, null, null, null]);
            data.push({ model: m.name, kind: 'prefill', length, chunk: 512, threads, error: reason });
            continue;
          }
          ctx.log(`generation: ${m.name} prefill ${length}, ${threads} thread(s): ${round1(perSec)} tok/s`);
          rows.push([`${m.name} prefill ${length}`, String(threads), 'f32', round1(perSec), peer === null ? null : `${peer} (F32, 512)`, peer === null ? null : ratio(perSec / peer), null, null, null, null]);
          data.push({ model: m.name, kind: 'prefill', length, chunk: 512, threads, tokensPerSec: perSec, llamaCpp: peer });
        }
      }
    }
    await initBackend();
    return {
      title: 'Generation at batch 1: mamba-130m shape (24 × d 768, V 50,280, 129 M parameters) and mamba2-130m shape (24 × d 768, 24 heads of 64, N 128)',
      table: { columns: ['what', 'threads', 'weights', 'tok/s', 'llama.cpp', '× llama.cpp', 'read GB/s', 'roofline tok/s', '× roofline', 'llama.cpp × roofline'], rows },
      notes: [
        `generate: LanguageModel.step with a state made beforehand (packing is not timed), median of 3 runs of ${tokens} tokens after 5.`,
        'llama.cpp: v0.5.0 built natively (AVX-512) on this machine kind, random weights, six alternating rounds (REFERENCE.md); its 8-bit format is Q8_0 (blocks of 32 with an f16 scale), ours int8 rows.',
        'read GB/s: every thread streams its share of a 256 MiB array once (assembly/bandwidth.ts), best of 5, mean of the probes just before and after the figure.',
        'roofline: read GB/s over the bytes a token reads (every weight of the step in its format, the small f32 tensors, the state read and written: bench/roofline.ts).',
        'mamba2-130m: its step multiplies with packed in_proj, out_proj and head (Mixer.packLinears); llama.cpp has no figure here for it; its state (24 heads × 64 × 128 per layer) is read and written at every token.',
        'prefill: LanguageModel.prefill over the prompt in chunks of 512 with the state carried (fresh state per run), logits at each chunk\'s last position; median of 2 runs after a warm-up. llama.cpp figure: a 512-token prompt.',
      ],
      data,
    };
  },
});
