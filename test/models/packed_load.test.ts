// Loading a folder in the precision it will be kept in (loadModelFolder with weights 'bf16' or
// 'int8', src/nn/packed.ts): each big matrix is packed as it streams from the file and no f32
// copy of it is kept. The packed model must compute exactly what the f32 model computes with
// those matrices rounded through the format and a state in that format: its forward sees the same
// f32 values in the same kernels, its steps read the same packed rows; for Mamba (fused step),
// Falcon Mamba and Mamba-2 (steps with ops), a prefill by forward with a state then steps.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { saveCheckpoint } from '../../src/io/checkpoint.js';
import { loadModelFolder } from '../../src/io/model_folder.js';
import { modelConfig, type BackboneConfig } from '../../src/models/config.js';
import { LanguageModel } from '../../src/models/language_model.js';
import { createModel } from '../../src/models/create.js';
import { noGrad } from '../../src/autograd/tape.js';
import { withArena } from '../../src/kernels/memory.js';
import { packRowsAs, unpackRowsAs } from '../../src/kernels/weight_format.js';
import { packedWeight, type PackedFormat } from '../../src/nn/packed.js';
import { AdamW } from '../../src/optim/adamw.js';
import { ByteTokenizer } from '../../src/data/tokenizer.js';
import { assertGenerates } from '../helpers.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mamba-ts-packed-'));
test.after(() => fs.rmSync(root, { recursive: true, force: true }));

const CONFIGS: Record<string, BackboneConfig> = {
  mamba: modelConfig({ vocab_size: 40, hidden_size: 16, num_hidden_layers: 2, state_size: 4 }) as BackboneConfig,
  falcon_mamba: modelConfig({ model_type: 'falcon_mamba', vocab_size: 40, hidden_size: 16, num_hidden_layers: 2, state_size: 4, tie_word_embeddings: false } as never) as BackboneConfig,
  mamba2: modelConfig({ model_type: 'mamba2', vocab_size: 40, hidden_size: 16, num_hidden_layers: 2, num_heads: 4, head_dim: 8, n_groups: 1, state_size: 8, expand: 2, chunk_size: 8 }) as BackboneConfig,
};
/** The matrices a packed model keeps packed (dt_proj stays f32: the fused step reads it so). */
const PACKED = /(in_proj|x_proj|out_proj)\.weight$|^backbone\.embeddings\.weight$|^lm_head\.weight$/;
const FORMATS: PackedFormat[] = ['bf16', 'int8'];

/** A folder of a random model of `kind`, written once. */
const folders = new Map<string, string>();
function folder(kind: string): string {
  if (!folders.has(kind)) {
    const dir = path.join(root, kind);
    const model = new LanguageModel(CONFIGS[kind], { seed: 7 });
    saveCheckpoint(dir, { config: CONFIGS[kind], weights: model.weights() });
    folders.set(kind, dir);
  }
  return folders.get(kind)!;
}

const load = (dir: string, weights: 'f32' | PackedFormat) => loadModelFolder(dir, { requireTokenizer: false, weights }).model as LanguageModel;

/** The f32 model with each matrix a packed model keeps replaced by its rounding through `format`. */
function rounded(dir: string, format: PackedFormat): LanguageModel {
  const m = load(dir, 'f32');
  for (const [name, t] of m.namedParameters()) {
    if (!PACKED.test(name)) continue;
    const [rows, cols] = t.shape;
    t.data.set(unpackRowsAs(format, packRowsAs(format, t.data, rows, cols), rows, cols));
  }
  return m;
}

/** Logits of 19 tokens fed as chunks of 11 and 8 with the state carried, then of 5 steps. */
function run(model: LanguageModel, state = model.initState(1)): { forward: Float32Array[]; steps: Float32Array[] } {
  const ids = Int32Array.from({ length: 19 }, (_, i) => (i * 13 + 5) % 40);
  return noGrad(() => ({
    forward: [ids.subarray(0, 11), ids.subarray(11)].map((c) => withArena(() => model.forward(c, 1, c.length, state).data.slice())),
    steps: [3, 31, 0, 17, 39].map((t) => withArena(() => model.step(Int32Array.of(t), state).data.slice())),
  }));
}

for (const kind of Object.keys(CONFIGS)) {
  for (const format of FORMATS) {
    test(`${kind} loaded in ${format} keeps exactly its big matrices packed and computes what the f32 model with those matrices rounded computes`, () => {
      const dir = folder(kind);
      const packed = load(dir, format);
      assert.equal(packed.weightFormat, format);
      for (const [name, t] of packed.namedParameters()) {
        assert.equal(packedWeight(t)?.format, PACKED.test(name) ? format : undefined, name);
      }
      const got = run(packed);
      // Packing a rounded matrix again gives the same rows (bf16: exact values; int8: the same q and
      // scales). Against the f32 load with a packed state the one difference is the embedding rows a
      // step looks up: rounded here (the table is kept packed), f32 there.
      const reference = rounded(dir, format);
      const want = run(reference, reference.initState(1, { weights: format }));
      got.forward.forEach((l, i) => assert.deepEqual(l, want.forward[i], `forward chunk ${i}`));
      got.steps.forEach((l, i) => assert.deepEqual(l, want.steps[i], `step ${i}`));
    });
  }
}

test('a packed model refuses training, saving and a state in another format, naming the format', () => {
  const model = load(folder('mamba'), 'int8');
  assert.throws(() => new AdamW(model.parameters()), /kept in int8 .*loaded with weights: 'int8'.*--weights f32/);
  assert.throws(() => model.weights(), /keeps its matrices in int8 .*load it in f32 to save it/);
  assert.throws(() => model.initState(1, { weights: 'bf16' }), /keeps its matrices in int8 .*a state with weights 'bf16'/);
});

test('a non-finite weight is refused by a packed load, naming the tensor and its rows', () => {
  const config = CONFIGS.mamba;
  const weights = new LanguageModel(config, { seed: 3 }).weights();
  weights.get('backbone.layers.1.mixer.in_proj.weight')!.data[5 * 16 + 2] = NaN; // row 5 of [2E, D]
  const dir = path.join(root, 'nan');
  saveCheckpoint(dir, { config, weights });
  assert.throws(() => load(dir, 'int8'), /model\.safetensors: tensor backbone\.layers\.1\.mixer\.in_proj\.weight \(rows 0…63\) holds 1 non-finite value \(the first, NaN, at index 82/);
});

test('a Transformer++ folder is refused in a packed format, naming config.json and the model_type', () => {
  const dir = path.join(root, 'llama');
  const config = modelConfig({ model_type: 'llama', vocab_size: 16, hidden_size: 8, intermediate_size: 16, num_hidden_layers: 1, num_attention_heads: 2 });
  saveCheckpoint(dir, { config, weights: createModel(config, { seed: 1 }).weights() });
  assert.throws(() => load(dir, 'bf16'), /config\.json: model_type "llama" loads with weights f32 only/);
});

test('mamba-ts generate --weights int8 and bf16 run on a folder as a user would point them at one', () => {
  const config = modelConfig({ vocab_size: 256, hidden_size: 8, num_hidden_layers: 2, state_size: 4 });
  const dir = path.join(root, 'cli');
  saveCheckpoint(dir, { config, weights: new LanguageModel(config as BackboneConfig, { seed: 1 }).weights(), tokenizer: new ByteTokenizer().toJSON() });
  for (const weights of FORMATS) {
    assertGenerates(dir, '--weights', weights);
  }
});
