// Attention and the Transformer++ baseline (issue 12), three tables:
//   1. causal attention forward + backward, seconds and peak memory against L (256 … 16k): the
//      fused kernel (wasm, all threads), the same without the causal mask (an encoder: every key
//      for every query, twice the scores), the naive reference that materialises the L×L scores,
//      and PyTorch's attention as transformers' eager Llama computes it (/usr/bin/python3 with
//      torch; skipped with a note where absent). Each figure in a fresh process
//      (bench/attention_probe.ts, bench/torch_llama.py) so that its peak RSS is its own.
//   2. Transformer++ training tokens/s at the PyTorch anchor shapes (../shared/REFERENCE.md:
//      4 layers, ~0.48 M and ~1.8 M parameters, vocab 96, batch 8, L 256; and L 1024, 4096),
//      with a PyTorch model of the same shape measured in the same run.
//   3. generation tokens/s at batch 1 against the context already in the KV cache (0 … 16k),
//      with the cache's bytes.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../src/tensor/random.js';
import { backward } from '../src/autograd/tape.js';
import { withArena } from '../src/kernels/memory.js';
import { initBackend, setThreads } from '../src/kernels/index.js';
import { findProjectRoot } from '../src/kernels/wasm/index.js';
import { TransformerLM } from '../src/models/transformer.js';
import { llamaConfig } from '../src/models/llama_config.js';
import { AdamW, paramGroupsForDecay } from '../src/optim/index.js';
import { BenchContext, registerSection, median } from './sections.js';

const PYTHON = '/usr/bin/python3';
/** The attention table's heads and head size (batch 1): FlashAttention's usual head_dim 64. */
const ATT = { H: 2, d: 64 };
/** Beyond this L the naive reference takes minutes (time ∝ L², f64 scalar loops); its memory too is ∝ L². */
const NAIVE_MAX_L = 2048;
/** PyTorch materialises [H, L, L] scores, probabilities and their gradients: ~5 such arrays. */
const TORCH_MAX_BYTES = 8 * 2 ** 30;

interface Probe {
  seconds: number;
  peakBytes: number;
}

function runJson(cmd: string, args: string[], timeoutMs: number): { ok: true; value: Record<string, unknown> } | { ok: false; why: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 1 << 20 });
  if (r.error) return { ok: false, why: r.error.message };
  if (r.status !== 0) return { ok: false, why: (r.stderr || '').trim().split('\n').pop() ?? `exit ${r.status}` };
  return { ok: true, value: JSON.parse(r.stdout.trim().split('\n').pop()!) };
}

function torchAvailable(): string | null {
  if (!existsSync(PYTHON)) return `${PYTHON} not found`;
  const r = spawnSync(PYTHON, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
  return r.status === 0 ? null : `${PYTHON} has no torch`;
}

const mib = (b: number) => Math.round(b / 2 ** 20);

/** The Transformer++ shapes of the anchors: head_dim 32, F ≈ 3·D (SwiGLU), tied head, vocab 96. */
const TRAIN_SHAPES = [
  { D: 96, H: 3, F: 288 },
  { D: 192, H: 6, F: 512 },
];

function transformer(D: number, H: number, F: number): TransformerLM {
  return new TransformerLM(llamaConfig({ vocab_size: 96, hidden_size: D, intermediate_size: F, num_hidden_layers: 4, num_attention_heads: H, tie_word_embeddings: true }));
}

function trainTokensPerSec(model: TransformerLM, B: number, L: number, steps: number): number {
  const rng = new Rng(1);
  const n = B * L;
  const inputs = Int32Array.from({ length: n }, () => rng.int(96));
  const targets = Int32Array.from({ length: n }, () => rng.int(96));
  const opt = new AdamW(paramGroupsForDecay(model, 0.1), { lr: 1e-3 });
  const step = () => {
    model.zeroGrad();
    withArena(() => backward(model.loss(inputs, targets, B, L)));
    opt.step();
  };
  step();
  const samples: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    step();
    samples.push(n / ((performance.now() - t0) / 1000));
  }
  return median(samples);
}

registerSection({
  name: 'attention',
  description: 'attention fwd+bwd time and memory vs L (fused causal and without the mask, naive, PyTorch); Transformer++ train and generate tokens/s',
  async run(ctx: BenchContext) {
    const root = await findProjectRoot(import.meta.url);
    const noTorch = torchAvailable();
    const notes: string[] = [];
    const data: Record<string, unknown[]> = { attention: [], train: [], generate: [] };

    // 1. The attention op alone.
    const lengths = ctx.quick ? [256, 1024] : [256, 512, 1024, 2048, 4096, 8192, 16384];
    const attRows: (string | number | null)[][] = [];
    for (const L of lengths) {
      const row: (string | number | null)[] = [L];
      const fig: Record<string, unknown> = { L, ...ATT };
      for (const kind of ['fused', 'nomask', 'naive'] as const) {
        if (kind === 'naive' && L > NAIVE_MAX_L) {
          row.push(null, null);
          continue;
        }
        ctx.log(`attention: ${kind} L ${L} ...`);
        const r = runJson(process.execPath, [join(root, 'dist', 'bench', 'attention_probe.js'), kind, String(L), String(ATT.H), String(ATT.d), String(ctx.threads)], 1_800_000);
        if (!r.ok) throw new Error(`attention probe ${kind} L ${L}: ${r.why}`);
        const p = r.value as unknown as Probe;
        row.push(p.seconds * 1000, mib(p.peakBytes));
        fig[kind] = p;
      }
      const torchBytes = 5 * ATT.H * L * L * 4;
      if (noTorch || torchBytes > TORCH_MAX_BYTES) {
        row.push(null, null);
      } else {
        ctx.log(`attention: torch L ${L} ...`);
        const r = runJson(PYTHON, [join(root, 'bench', 'torch_llama.py'), 'attention', String(L), String(ATT.H), String(ATT.d), String(ctx.threads)], 1_800_000);
        if (r.ok) {
          const p = r.value as unknown as Probe;
          row.push(p.seconds * 1000, mib(p.peakBytes));
          fig.torch = p;
        } else {
          row.push(null, null);
          notes.push(`PyTorch attention at L ${L} failed: ${r.why}`);
        }
      }
      const f = fig.fused as Probe, m = fig.nomask as Probe, n = fig.naive as Probe | undefined, t = fig.torch as Probe | undefined;
      row.push(m.seconds / f.seconds, n ? n.seconds / f.seconds : null, t ? t.seconds / f.seconds : null);
      attRows.push(row);
      data.attention.push(fig);
    }

    // 2. Training tokens/s.
    await initBackend('wasm', { threads: ctx.threads });
    setThreads(ctx.threads);
    const trainCases = ctx.quick
      ? [{ ...TRAIN_SHAPES[0], L: 256 }]
      : [{ ...TRAIN_SHAPES[0], L: 256 }, { ...TRAIN_SHAPES[1], L: 256 }, { ...TRAIN_SHAPES[0], L: 1024 }, { ...TRAIN_SHAPES[0], L: 4096 }];
    const trainRows: (string | number | null)[][] = [];
    for (const c of trainCases) {
      ctx.log(`attention: train D ${c.D} L ${c.L} ...`);
      const model = transformer(c.D, c.H, c.F);
      const params = model.parameterCount();
      const ours = trainTokensPerSec(model, 8, c.L, c.L >= 4096 ? 2 : 4);
      let torch: number | null = null;
      // PyTorch keeps [B, H, L, L] scores per layer for its backward: 4 layers × 8 × 3 × 4096² floats is ~6 GiB per saved array.
      if (!noTorch && c.L <= 1024) {
        ctx.log(`attention: torch train D ${c.D} L ${c.L} ...`);
        const r = runJson(PYTHON, [join(root, 'bench', 'torch_llama.py'), 'train', String(c.D), String(c.H), String(c.F), String(c.L), '8', String(ctx.threads)], 1_800_000);
        if (r.ok) torch = r.value.tokensPerSec as number;
        else notes.push(`PyTorch training D ${c.D} L ${c.L} failed: ${r.why}`);
      }
      trainRows.push([`D ${c.D} · ${c.H} heads · F ${c.F} · L ${c.L} · B 8`, (params / 1e6).toFixed(2) + 'M', Math.round(ours), torch === null ? null : Math.round(torch), torch === null ? null : ours / torch]);
      data.train.push({ ...c, B: 8, layers: 4, vocab: 96, params, tokensPerSec: ours, torchTokensPerSec: torch });
    }

    // 3. Generation at batch 1 against the context in the cache.
    const contexts = ctx.quick ? [0, 1024] : [0, 1024, 4096, 16384];
    const genRows: (string | number | null)[][] = [];
    const model = transformer(TRAIN_SHAPES[0].D, TRAIN_SHAPES[0].H, TRAIN_SHAPES[0].F);
    for (const context of contexts) {
      ctx.log(`attention: generate after ${context} tokens ...`);
      const rng = new Rng(2);
      const cache = model.initState(1);
      const t0 = performance.now();
      if (context > 0) withArena(() => void model.forward(Int32Array.from({ length: context }, () => rng.int(96)), 1, context, cache));
      const prefill = (performance.now() - t0) / 1000;
      const steps = 200;
      let token = 1;
      const t1 = performance.now();
      for (let i = 0; i < steps; i++) token = withArena(() => (model.step(Int32Array.of(token), cache).data[0] > 0 ? 2 : 3));
      const perSec = steps / ((performance.now() - t1) / 1000);
      genRows.push([context, Math.round(perSec), context > 0 ? Math.round(context / prefill) : null, mib(model.cacheBytes(cache))]);
      data.generate.push({ context, steps, tokensPerSec: perSec, prefillTokensPerSec: context > 0 ? context / prefill : null, cacheBytes: model.cacheBytes(cache) });
    }
    await initBackend();

    if (noTorch) notes.push(`PyTorch skipped: ${noTorch}.`);
    return {
      title: 'Attention and the Transformer++ baseline',
      table: {
        columns: ['L', 'fused ms', 'fused MiB', 'no mask ms', 'no mask MiB', 'naive ms', 'naive MiB', 'torch ms', 'torch MiB', 'no mask / fused', 'naive / fused', 'torch / fused'],
        rows: attRows,
      },
      extraTables: [
        { title: 'Transformer++ training tokens/s (4 layers, vocab 96, tied head)', table: { columns: ['case', 'params', 'mamba-ts tok/s', 'PyTorch tok/s', 'ratio'], rows: trainRows } },
        { title: `Transformer++ generation at batch 1 (D ${TRAIN_SHAPES[0].D}, 4 layers) against the context in the KV cache`, table: { columns: ['context', 'generate tok/s', 'prefill tok/s', 'KV cache MiB'], rows: genRows } },
      ],
      notes: [
        `attention: batch 1, ${ATT.H} heads of ${ATT.d}, forward + backward of Σ w ⊙ attention(q, k, v) (median of 3 after a warm-up; beyond L 2048 and for the naive kernel one call, no warm-up); MiB: peak RSS of the measuring process above its inputs.`,
        'no mask: the fused kernel with causal: false (every query reads every key: twice the causal scores, so about twice its time).',
        `naive: the reference kernel that materialises the scores (f64 scalar TypeScript), measured up to L ${NAIVE_MAX_L}: beyond, minutes per call.`,
        `torch: softmax(QKᵀ/√d + mask)·V as transformers' eager Llama, PyTorch on ${ctx.threads} threads; skipped where its ~5 [H, L, L] f32 arrays exceed ${TORCH_MAX_BYTES / 2 ** 30} GiB.`,
        'train: forward + backward + AdamW, median tokens/s over steps (random tokens); PyTorch: the same Llama in torch (bench/torch_llama.py), measured up to L 1024 (its saved scores at L 4096 exceed the memory).',
        'generate: 200 steps after a prefill of `context` random tokens; KV cache MiB after them.',
        ...notes,
      ],
      data,
    };
  },
});
