// The Hub shapes we load (docs/results/checkpoints.md): each shape's folder written with random
// weights in the dtype the Hub ships (F32 for state-spaces/mamba-*-hf), then loaded as
// `mamba-ts generate --model DIR --weights W` loads it, in a fresh process per format
// (bench/checkpoint_probe.ts; bf16 and int8 pack each matrix as it streams in): load time, peak
// resident memory after the load, the wasm memory, and generation tokens/s with its ratio to the
// roofline (read bandwidth measured around each figure). A shape or format that would not fit is
// not run: the row says why. A shape's folder is deleted after its rows.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { modelConfig, type MambaConfig } from '../src/models/config.js';
import { expectedWeights } from '../src/models/weight_shapes.js';
import { findProjectRoot } from '../src/kernels/wasm/index.js';
import { WEIGHT_FORMATS, type WeightFormat } from '../src/kernels/weight_format.js';
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

/** Bytes per parameter at a load's peak (the model, streamed into; f32 also its random initialisation, garbage once loaded). */
const LOAD_BYTES_PER_PARAMETER: Record<WeightFormat, number> = { f32: 6, bf16: 2, int8: 1.1 };
/** Bytes per parameter the kept model holds in the wasm memory. */
const KEPT_BYTES_PER_PARAMETER: Record<WeightFormat, number> = { f32: 4, bf16: 2, int8: 1.05 };
/** Writing a folder holds the f32 model (4 bytes per parameter); writes and loads run here only below this: the machine's memory is shared with other processes. */
const RUN_BUDGET = 16 * 2 ** 30;
/** The wasm32 memory the kernels read weights from in place, less room for scratch, state and per-call copies. */
const WASM_ROOM = 3.5 * 2 ** 30;

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
      const label = `${shape.repo} (${(n / 1e9).toFixed(2)} B, ${shape.dtype} ${gib(shipped)} GiB)`;
      const skipped = (weights: string, why: string) => {
        rows.push([label, weights, null, null, null, null, why]);
        data.push({ repo: shape.repo, parameters: n, dtype: shape.dtype, weights, skipped: why });
      };
      if (4 * n > RUN_BUDGET) {
        skipped('all', `not run: writing its folder here holds the f32 model, ${gib(4 * n)} GiB, above the ${gib(RUN_BUDGET)} GiB this shared machine allows a run`);
        continue;
      }
      const dir = mkdtempSync(join(os.tmpdir(), 'mamba-ts-hub-'));
      try {
        ctx.log(`checkpoints: writing ${shape.repo} ...`);
        runJson([probe, 'write', dir, JSON.stringify(config)], 1_800_000);
        for (const weights of WEIGHT_FORMATS) {
          const kept = KEPT_BYTES_PER_PARAMETER[weights] * n;
          if (kept > WASM_ROOM) {
            skipped(weights, `not run: its ${weights} weights, ${gib(kept)} GiB, do not fit the 4 GiB wasm memory with room for the rest`);
            continue;
          }
          if (LOAD_BYTES_PER_PARAMETER[weights] * n > RUN_BUDGET) {
            skipped(weights, `not run: the load needs ~${gib(LOAD_BYTES_PER_PARAMETER[weights] * n)} GiB`);
            continue;
          }
          // A load that fails (out of memory, a loader error) gets its row with the reason; the others still run.
          try {
            ctx.log(`checkpoints: ${shape.repo} in ${weights} ...`);
            const r = runJson([probe, 'run', dir, String(ctx.threads), String(tokens), weights], 1_800_000) as {
              loadSeconds: number; peakBytes: number; wasmBytes: number; tokensPerSec: number; bandwidth: number; bytesPerToken: number;
            };
            const roofline = (r.tokensPerSec * r.bytesPerToken) / r.bandwidth;
            rows.push([label, weights, Number(r.loadSeconds.toFixed(1)), `${gib(r.peakBytes)} GiB`, `${gib(r.wasmBytes)} GiB`, `${r.tokensPerSec.toFixed(2)} (${roofline.toFixed(2)}×)`, '']);
            data.push({ repo: shape.repo, parameters: n, dtype: shape.dtype, weights, ...r });
          } catch (err) {
            const reason = `failed: ${(err as Error).message.slice(0, 300)}`;
            rows.push([label, weights, null, null, null, null, reason]);
            data.push({ repo: shape.repo, parameters: n, dtype: shape.dtype, weights, failed: reason });
          }
        }
      } catch (err) {
        skipped('all', `failed writing the folder: ${(err as Error).message.slice(0, 300)}`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
    return {
      title: `Hub shapes as folders: load and generation (${ctx.threads} threads)`,
      table: { columns: ['shape (parameters, shipped size)', 'weights', 'load s', 'peak RSS after load', 'wasm memory', 'tok/s (× roofline)', 'note'], rows },
      notes: [
        'each folder: config.json and model.safetensors in F32 (above 5 GB, shards and an index, as transformers 4.x wrote the Hub\'s) with random weights, written by the project\'s saver with the Hub\'s tensor names; loaded by loadModelFolder (what mamba-ts generate --weights runs).',
        `generate: ${tokens} steps after 2 with a state made beforehand; × roofline: tokens/s × bytes a token reads ÷ the read bandwidth measured around the figure (bench/roofline.ts).`,
        'one fresh process per format: the weights stream into the model (matrices by blocks of rows); bf16 and int8 build the model packed and pack each block as it comes (src/nn/packed.ts).',
        'peak RSS: the process\'s maximum resident memory right after the load; wasm memory: its size then (grown by quarters).',
      ],
      data,
    };
  },
});
