// The Hub shapes we load (docs/results/checkpoints.md): each shape's folder written with random
// weights in the dtype the Hub ships (F32 for state-spaces/mamba-*-hf), then loaded as
// `mamba-ts generate --model DIR` loads it, in a fresh process (bench/checkpoint_probe.ts): load
// time, peak resident memory after the load, and generation tokens/s per weight format with its
// ratio to the roofline (read bandwidth measured around each figure). Shapes whose load would not
// fit are not run: the row says why. A shape's folder is deleted after its row.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { modelConfig, type MambaConfig } from '../src/models/config.js';
import { expectedWeights } from '../src/models/weight_shapes.js';
import { findProjectRoot } from '../src/kernels/wasm/index.js';
import { WEIGHT_FORMATS } from '../src/kernels/weight_format.js';
import { BenchContext, registerSection } from './sections.js';

interface HubShape {
  repo: string;
  dtype: string;
  config: Record<string, unknown>;
}

const MAMBA_HF = (hidden: number, layers: number) => ({ vocab_size: 50280, hidden_size: hidden, num_hidden_layers: layers });
/** config.json values of the Hub repositories (the rest are transformers' defaults, as theirs are). */
export const HUB_SHAPES: HubShape[] = [
  { repo: 'state-spaces/mamba-130m-hf', dtype: 'F32', config: MAMBA_HF(768, 24) },
  { repo: 'state-spaces/mamba-370m-hf', dtype: 'F32', config: MAMBA_HF(1024, 48) },
  { repo: 'state-spaces/mamba-790m-hf', dtype: 'F32', config: MAMBA_HF(1536, 48) },
  { repo: 'state-spaces/mamba-1.4b-hf', dtype: 'F32', config: MAMBA_HF(2048, 48) },
  { repo: 'state-spaces/mamba-2.8b-hf', dtype: 'F32', config: MAMBA_HF(2560, 64) },
  {
    repo: 'tiiuae/falcon-mamba-7b', dtype: 'BF16',
    config: { model_type: 'falcon_mamba', vocab_size: 65024, hidden_size: 4096, num_hidden_layers: 64, intermediate_size: 8192, tie_word_embeddings: false },
  },
];

/** The loader holds every tensor as f32 and then the model's copy: about 8 bytes per parameter at its peak. */
const LOAD_BYTES_PER_PARAMETER = 8;
/** Loads run here only below this peak: the machine's memory is shared with other processes. */
const RUN_BUDGET = 8 * 2 ** 30;
/** The wasm32 memory the kernels read weights from in place: above it, weights are copied in at every call. */
const WASM_BYTES = 4 * 2 ** 30;

function parameters(config: MambaConfig): number {
  let n = 0;
  for (const w of expectedWeights(config).values()) n += w.shape.reduce((a, b) => a * b, 1);
  return n;
}

function runJson(args: string[], timeoutMs: number): Record<string, unknown> {
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`checkpoint_probe ${args.slice(1, 2).join(' ')} failed (${r.status ?? r.signal}): ${r.stderr.slice(-400)}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

const gib = (b: number) => (b / 2 ** 30).toFixed(2);

registerSection({
  name: 'checkpoints',
  description: 'Hub shapes (mamba-130m … 2.8b-hf, falcon-mamba-7b) as folders: load time, peak memory, generation tok/s per format and × roofline',
  async run(ctx: BenchContext) {
    const root = await findProjectRoot();
    const probe = join(root, 'dist', 'bench', 'checkpoint_probe.js');
    const rows: (string | number | null)[][] = [];
    const data: unknown[] = [];
    const tokens = ctx.quick ? 3 : 8;
    for (const shape of ctx.quick ? HUB_SHAPES.slice(0, 1) : HUB_SHAPES) {
      const config = modelConfig(shape.config as never) as MambaConfig;
      const n = parameters(config);
      const shipped = n * (shape.dtype === 'F32' ? 4 : 2);
      const loadPeak = n * LOAD_BYTES_PER_PARAMETER;
      const label = `${shape.repo} (${(n / 1e9).toFixed(2)} B, ${shape.dtype} ${gib(shipped)} GiB)`;
      const skip =
        loadPeak > os.totalmem() ? `not run: the load needs ~${gib(loadPeak)} GiB (f32 tensors, then the model), more than this machine's ${gib(os.totalmem())} GiB`
        : loadPeak > RUN_BUDGET ? `not run here: the load needs ~${gib(loadPeak)} GiB of the machine's ${gib(os.totalmem())} (shared); f32 weights of ${gib(4 * n)} GiB${4 * n > WASM_BYTES ? ' exceed the 4 GiB wasm memory' : ''}`
        : null;
      if (skip) {
        rows.push([label, null, null, ...WEIGHT_FORMATS.map(() => null), skip]);
        data.push({ repo: shape.repo, parameters: n, dtype: shape.dtype, skipped: skip });
        continue;
      }
      const dir = mkdtempSync(join(os.tmpdir(), 'mamba-ts-hub-'));
      try {
        // A shape that fails (out of memory, a loader error) gets its row with the reason; the others still run.
        ctx.log(`checkpoints: writing ${shape.repo} ...`);
        runJson([probe, 'write', dir, JSON.stringify(config)], 1_800_000);
        ctx.log(`checkpoints: loading and generating with ${shape.repo} ...`);
        const r = runJson([probe, 'run', dir, String(ctx.threads), String(tokens)], 1_800_000) as {
          loadSeconds: number; peakBytes: number; formats: { weights: string; tokensPerSec: number; bandwidth: number; bytesPerToken: number }[];
        };
        const cells = r.formats.map((f) => `${f.tokensPerSec.toFixed(1)} (${((f.tokensPerSec * f.bytesPerToken) / f.bandwidth).toFixed(2)}×)`);
        rows.push([label, Number(r.loadSeconds.toFixed(1)), `${gib(r.peakBytes)} GiB`, ...cells, '']);
        data.push({ repo: shape.repo, parameters: n, dtype: shape.dtype, ...r });
      } catch (err) {
        const reason = `failed: ${(err as Error).message.slice(0, 300)}`;
        rows.push([label, null, null, ...WEIGHT_FORMATS.map(() => null), reason]);
        data.push({ repo: shape.repo, parameters: n, dtype: shape.dtype, failed: reason });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
    return {
      title: `Hub shapes as folders: load and generation (${ctx.threads} threads)`,
      table: { columns: ['shape (parameters, shipped size)', 'load s', 'peak RSS after load', ...WEIGHT_FORMATS.map((f) => `${f} tok/s (× roofline)`), 'note'], rows },
      notes: [
        'each folder: config.json and model.safetensors in F32 with random weights, written by the project\'s saver with the Hub\'s tensor names; loaded by loadModelFolder (what mamba-ts generate runs) in a fresh process.',
        `generate: ${tokens} steps after 2 with a state made beforehand; × roofline: tokens/s × bytes a token reads ÷ the read bandwidth measured around the figure (bench/roofline.ts).`,
        'peak RSS: the process\'s maximum resident memory right after the load (before the bf16/int8 copies are made).',
      ],
      data,
    };
  },
});
