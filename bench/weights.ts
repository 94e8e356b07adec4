// What each weight format costs in accuracy on a trained model: the model folder in
// MAMBA_TS_MODEL (default runs/start, the folder `npm start` writes) steps through windows of its
// validation split (the split `mamba-ts eval` uses) with each format's generation state, and each
// step's logits are compared with the f32 step's. Two more rows round the same matrices in f32
// arithmetic (weights only): int8 with a scale per row, the kept format, against a scale per 32
// weights (llama.cpp's Q8_0 blocks), to see what finer scales would buy. No timings.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { noGrad } from '../src/autograd/tape.js';
import { withArena } from '../src/kernels/memory.js';
import { loadModelFolder } from '../src/io/model_folder.js';
import { LanguageModel } from '../src/models/language_model.js';
import type { MambaConfig } from '../src/models/config.js';
import { splitTrainVal } from '../src/data/split.js';
import { loadRunCorpus } from '../src/cli/resume.js';
import { initBackend } from '../src/kernels/index.js';
import { WEIGHT_FORMATS, type WeightFormat } from '../src/kernels/weight_format.js';
import { packInt8Rows, unpackInt8Rows } from '../src/kernels/int8.js';
import { BenchContext, registerSection } from './sections.js';

/** w [rows, cols] rounded to int8 with one scale (max|w| / 127) per `block` consecutive weights of a row. */
function roundInt8Blocks(w: Float32Array, rows: number, cols: number, block: number): Float32Array {
  const out = new Float32Array(w.length);
  for (let r = 0; r < rows; r++) {
    for (let c0 = 0; c0 < cols; c0 += block) {
      const c1 = Math.min(cols, c0 + block);
      let max = 0;
      for (let c = c0; c < c1; c++) max = Math.max(max, Math.abs(w[r * cols + c]));
      const s = Math.fround(max / 127);
      for (let c = c0; c < c1; c++) out[r * cols + c] = s === 0 ? 0 : Math.round(w[r * cols + c] / s) * s;
    }
  }
  return out;
}

/** The same model, untied, with in_proj, x_proj, out_proj and the head rounded by `round` (the embedding lookup stays exact, as in a packed state). */
function roundedModel(model: LanguageModel, round: (w: Float32Array, rows: number, cols: number) => Float32Array): LanguageModel {
  const cfg = model.config;
  const weights = model.weights();
  const rounded = (name: string) => {
    const { shape, data } = weights.get(name)!;
    return { shape, data: round(data, shape[0], shape[1]) };
  };
  for (let i = 0; i < cfg.num_hidden_layers; i++) {
    for (const m of ['in_proj', 'x_proj', 'out_proj']) weights.set(`backbone.layers.${i}.mixer.${m}.weight`, rounded(`backbone.layers.${i}.mixer.${m}.weight`));
  }
  weights.set('lm_head.weight', rounded(cfg.tie_word_embeddings ? 'backbone.embeddings.weight' : 'lm_head.weight'));
  const out = new LanguageModel({ ...cfg, tie_word_embeddings: false } as MambaConfig);
  out.loadWeights(weights);
  return out;
}

interface Scored {
  nats: number;
  logits: Float32Array[];
}

/** Next-token loss of every position of `windows` windows of `length + 1` tokens, stepping from a fresh state per window. */
function stepScore(model: LanguageModel, val: Int32Array, windows: number, length: number, weights: WeightFormat): Scored {
  let nats = 0;
  const logits: Float32Array[] = [];
  noGrad(() => {
    for (let w = 0; w < windows; w++) {
      const state = model.initState(1, { weights });
      for (let t = 0; t < length; t++) {
        const at = w * length + t;
        const l = withArena(() => model.step(Int32Array.of(val[at]), state).data.slice());
        let max = -Infinity;
        for (const v of l) max = Math.max(max, v);
        let sum = 0;
        for (const v of l) sum += Math.exp(v - max);
        nats += max + Math.log(sum) - l[val[at + 1]];
        logits.push(l);
      }
    }
  });
  return { nats: nats / (windows * length), logits };
}

registerSection({
  name: 'weights',
  description: 'accuracy of each weight format on a trained model (MAMBA_TS_MODEL, default runs/start): bits per token, logit error vs f32',
  async run(ctx: BenchContext) {
    const dir = process.env.MAMBA_TS_MODEL ?? 'runs/start';
    if (!existsSync(join(dir, 'model.safetensors'))) throw new Error(`bench weights: no model in ${dir} (run npm start, or set MAMBA_TS_MODEL to a trained run folder)`);
    await initBackend('wasm', { threads: ctx.threads });
    const { model, tokenizer } = loadModelFolder(dir, { requireTokenizer: true });
    if (!(model instanceof LanguageModel)) throw new Error(`bench weights: ${dir} is not a Mamba model`);
    const trainer = JSON.parse(readFileSync(join(dir, 'trainer_state.json'), 'utf8'));
    const { text } = loadRunCorpus(dir, trainer.options?.corpus, undefined, 'bench weights', 'the figures would be for other text');
    const { val } = splitTrainVal(tokenizer!.encode(text));
    const length = trainer.options?.contextLength ?? 256;
    const windows = ctx.quick ? 2 : 16;
    const f32 = stepScore(model, val, windows, length, 'f32');
    const variants: { label: string; score: Scored }[] = WEIGHT_FORMATS.map((f) => ({ label: `${f} (the step's ${f === 'f32' ? 'weights' : 'format'})`, score: f === 'f32' ? f32 : stepScore(model, val, windows, length, f) }));
    variants.push({ label: 'int8, a scale per row (weights only, f32 arithmetic)', score: stepScore(roundedModel(model, (w, r, c) => unpackInt8Rows(packInt8Rows(w, r, c), r, c)), val, windows, length, 'f32') });
    variants.push({ label: 'int8, a scale per 32 weights (Q8_0 blocks; weights only)', score: stepScore(roundedModel(model, (w, r, c) => roundInt8Blocks(w, r, c, 32)), val, windows, length, 'f32') });
    const rows: (string | number)[][] = [];
    const data: unknown[] = [];
    for (const v of variants) {
      let maxErr = 0, sq = 0, n = 0, top1 = 0;
      v.score.logits.forEach((l, i) => {
        const ref = f32.logits[i];
        let a = 0, b = 0;
        for (let j = 0; j < l.length; j++) {
          const d = l[j] - ref[j];
          maxErr = Math.max(maxErr, Math.abs(d));
          sq += d * d;
          n++;
          if (l[j] > l[a]) a = j;
          if (ref[j] > ref[b]) b = j;
        }
        if (a === b) top1++;
      });
      const bits = v.score.nats / Math.LN2;
      rows.push([v.label, bits.toFixed(4), (bits - f32.nats / Math.LN2).toFixed(4), maxErr.toExponential(2), Math.sqrt(sq / n).toExponential(2), `${((100 * top1) / v.score.logits.length).toFixed(2)} %`]);
      data.push({ variant: v.label, bitsPerToken: bits, maxLogitError: maxErr, rmsLogitError: Math.sqrt(sq / n), top1Agreement: top1 / v.score.logits.length });
    }
    await initBackend();
    return {
      title: `Weight formats on a trained model (${dir}: ${model.config.num_hidden_layers} × d ${model.config.hidden_size}, vocab ${model.config.vocab_size})`,
      table: { columns: ['weights', 'bits per token', 'Δ vs f32', 'max |Δ logit|', 'rms Δ logit', 'same top-1'], rows },
      notes: [
        `${windows} windows of ${length} tokens from the start of the validation split (the split mamba-ts eval uses), each stepped from a fresh state; ${windows * length} predictions.`,
        'Δ logit: against the f32 step at the same position. The step formats round in_proj, x_proj, out_proj and the head; int8 also rounds each activation row to 16 bits.',
      ],
      data,
    };
  },
});
