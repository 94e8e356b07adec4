// Mamba-2 (Mamba2ForCausalLM, model_type "mamba2"): logits of a folder written by an independent
// implementation (scripts/golden/mamba2.py), step and chunked prefill equal the forward, the
// config read as transformers reads it (its defaults, time_step_limit with Infinity in both
// spellings, the tie key), the tensor layout (checked before allocating: AntonV/mamba2-130m-hf's
// shapes from a header alone), mamba_ssm's initialisation, a folder round trip, and learning.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { modelConfig, parseConfig, type Mamba2Config, type Mamba2ConfigInput } from '../../src/models/config.js';
import { createModel } from '../../src/models/create.js';
import { expectedWeights } from '../../src/models/weight_shapes.js';
import { checkWeightsFitConfig } from '../../src/io/weights_check.js';
import { saveCheckpoint } from '../../src/io/checkpoint.js';
import { loadModelFolder } from '../../src/io/model_folder.js';
import { parsePythonJson } from '../../src/io/config.js';
import { LanguageModel } from '../../src/models/language_model.js';
import { Mamba2Mixer } from '../../src/ssm/mamba2.js';
import { AdamW } from '../../src/optim/index.js';
import { StateLayout } from '../../src/serve/batch_state.js';
import { asStepModel, type RowState } from '../../src/serve/step_model.js';
import type { CausalLM } from '../../src/models/causal_lm.js';
import { backward, noGrad } from '../../src/autograd/tape.js';
import { Rng } from '../../src/tensor/random.js';
import { assertClose } from '../helpers.js';

const GOLDEN_DIR = path.join(process.cwd(), 'test', 'fixtures', 'golden', 'mamba2-tiny');

const tiny = (extra: Partial<Mamba2ConfigInput> = {}): Mamba2Config =>
  modelConfig({
    model_type: 'mamba2', vocab_size: 11, hidden_size: 8, num_hidden_layers: 2,
    num_heads: 4, head_dim: 4, n_groups: 2, state_size: 3, chunk_size: 3, ...extra,
  } as Mamba2ConfigInput & { model_type: 'mamba2' }) as Mamba2Config;

function randomIds(n: number, vocab: number, seed: number): Int32Array {
  const rng = new Rng(seed);
  return Int32Array.from({ length: n }, () => rng.int(vocab));
}

test('a tiny Mamba-2 folder from the independent implementation gives its logits (config.json with Infinity, 2 groups, clamp, forward and step)', () => {
  const { model } = loadModelFolder(GOLDEN_DIR, { requireTokenizer: false });
  assert.deepEqual((model.config as Mamba2Config).time_step_limit, [0.05, Infinity]);
  const golden = JSON.parse(fs.readFileSync(path.join(GOLDEN_DIR, 'logits.json'), 'utf8')) as { ids: number[][]; logits: number[][][] };
  const [B, L] = [golden.ids.length, golden.ids[0].length];
  const expected = golden.logits.flat(2);
  // f32 here against f64 there, logits up to ~5.5: 1e-4 absolute.
  const logits = noGrad(() => model.forward(Int32Array.from(golden.ids.flat()), B, L));
  assertClose(logits.data, expected, 1e-4, 1e-4, 'forward logits');
  const state = model.initState(B);
  const V = model.config.vocab_size;
  for (let t = 0; t < L; t++) {
    const step = model.step(Int32Array.from(golden.ids, (seq) => seq[t]), state);
    const want = Float32Array.from({ length: B * V }, (_, i) => expected[(Math.floor(i / V) * L + t) * V + (i % V)]);
    assertClose(step.data, want, 1e-4, 1e-4, `step ${t}`);
  }
});

test('the gated RMSNorm normalises within each group: the golden logits change when the groups are one', () => {
  const { model } = loadModelFolder(GOLDEN_DIR, { requireTokenizer: false });
  const golden = JSON.parse(fs.readFileSync(path.join(GOLDEN_DIR, 'logits.json'), 'utf8')) as { ids: number[][]; logits: number[][][] };
  const ids = Int32Array.from(golden.ids[0]);
  for (const block of (model as LanguageModel).backbone.layers.items) {
    const norm = (block.mixer as Mamba2Mixer).norm;
    Object.assign(norm, { G: 1 }); // the whole-width norm of transformers' torch path
  }
  const whole = noGrad(() => model.forward(ids, 1, ids.length)).data;
  assert.ok(whole.some((v, i) => Math.abs(v - golden.logits[0].flat()[i]) > 1e-2), 'a whole-width norm gives other logits');
});

test('step by step, and a prefill in two calls through the state followed by steps, equal the full forward', () => {
  const config = tiny({ time_step_limit: [0, 0.5], use_bias: true });
  const model = createModel(config, { seed: 3 });
  const [B, L] = [2, 10];
  const ids = randomIds(B * L, config.vocab_size, 5);
  const full = noGrad(() => model.forward(ids, B, L)).data;
  const V = config.vocab_size;
  const rows = (from: number, to: number) => Int32Array.from({ length: B * (to - from) }, (_, i) => ids[Math.floor(i / (to - from)) * L + from + (i % (to - from))]);
  const at = (t: number) => Float32Array.from({ length: B * V }, (_, i) => full[(Math.floor(i / V) * L + t) * V + (i % V)]);
  const stepped = model.initState(B);
  for (let t = 0; t < L; t++) assertClose(model.step(rows(t, t + 1), stepped).data, at(t), 1e-5, 1e-4, `step ${t}`);
  const state = model.initState(B);
  const first = noGrad(() => model.forward(rows(0, 4), B, 4, state)).data; // 4 tokens: a chunk of 3 and one more
  assertClose(first, Float32Array.from({ length: B * 4 * V }, (_, i) => full[(Math.floor(i / (4 * V)) * L) * V + (i % (4 * V))]), 1e-5, 1e-4, 'prefill 0..4');
  const second = noGrad(() => model.forward(rows(4, 7), B, 3, state)).data;
  assertClose(second, Float32Array.from({ length: B * 3 * V }, (_, i) => full[(Math.floor(i / (3 * V)) * L + 4) * V + (i % (3 * V))]), 1e-5, 1e-4, 'prefill 4..7');
  for (let t = 7; t < L; t++) assertClose(model.step(rows(t, t + 1), state).data, at(t), 1e-5, 1e-4, `step ${t} after the prefill`);
});

test("config.json is read as transformers' Mamba2Config: defaults, time_step_limit with Infinity in both spellings, the tie key", () => {
  const sizes = { vocab_size: 50288, hidden_size: 768, num_hidden_layers: 24, num_heads: 24, head_dim: 64, n_groups: 1 };
  const v4 = parseConfig(parsePythonJson(`{"model_type": "mamba2", "time_step_limit": [0.0, Infinity], "tie_word_embeddings": true, ${JSON.stringify(sizes).slice(1, -1)}}`, 'v4')) as Mamba2Config;
  const v5 = parseConfig({ model_type: 'mamba2', time_step_limit: [0.0, { __float__: 'Infinity' }], ...sizes }) as Mamba2Config;
  assert.deepEqual(v4.time_step_limit, [0, Infinity]);
  assert.deepEqual(v5.time_step_limit, [0, Infinity]);
  assert.equal(v4.tie_word_embeddings, true, 'converted checkpoints write the key: read it');
  assert.equal(v5.tie_word_embeddings, false, "absent: Mamba2Config's default, untied");
  assert.deepEqual(
    [v5.state_size, v5.expand, v5.conv_kernel, v5.chunk_size, v5.layer_norm_epsilon, v5.use_bias, v5.use_conv_bias],
    [128, 2, 4, 256, 1e-5, false, true],
  );
  const fileDefaults = parseConfig({ model_type: 'mamba2' }) as Mamba2Config;
  assert.deepEqual([fileDefaults.vocab_size, fileDefaults.hidden_size, fileDefaults.num_hidden_layers, fileDefaults.num_heads, fileDefaults.head_dim, fileDefaults.n_groups], [32768, 4096, 64, 128, 64, 8]);
  // Strings with the words inside are left alone.
  assert.deepEqual(parsePythonJson('{"a": "Infinity NaN", "b": [-Infinity, NaN]}', 'x'), { a: 'Infinity NaN', b: [{ __float__: '-Infinity' }, { __float__: 'NaN' }] });
  assert.throws(() => parseConfig({ model_type: 'mamba2', ...sizes, num_heads: 12 }), /num_heads 12 × head_dim 64 = 768 must equal expand 2 × hidden_size 768 = 1536/);
  assert.throws(() => parseConfig({ model_type: 'mamba2', ...sizes, n_groups: 5 }), /num_heads 24 must be a multiple of n_groups 5/);
  assert.throws(() => parseConfig({ model_type: 'mamba2', ...sizes, time_step_limit: [0.1] }), /time_step_limit must be \[min, max\]/);
  // state-spaces/mamba2-130m's own config: the Mamba-2 conversion script is named.
  assert.throws(
    () => parseConfig({ d_model: 768, n_layer: 24, vocab_size: 50277, ssm_cfg: { layer: 'Mamba2' }, tie_embeddings: true }),
    /original mamba_ssm Mamba-2 config .*convert_mamba2_ssm_checkpoint_to_pytorch\.py/,
  );
});

test("AntonV/mamba2-130m-hf's tensors, from a header alone, fit its config.json (129 M parameters, nothing allocated); a wrong shape names its keys", () => {
  const config = parseConfig(parsePythonJson(`{
    "architectures": ["Mamba2ForCausalLM"], "bos_token_id": 0, "chunk_size": 256, "conv_kernel": 4, "eos_token_id": 0, "expand": 2,
    "head_dim": 64, "hidden_act": "silu", "hidden_size": 768, "initializer_range": 0.1, "layer_norm_epsilon": 1e-05, "model_type": "mamba2",
    "n_groups": 1, "norm_before_gate": false, "num_heads": 24, "num_hidden_layers": 24, "pad_token_id": 0, "rescale_prenorm_residual": false,
    "residual_in_fp32": true, "rms_norm": true, "state_size": 128, "tie_word_embeddings": true, "time_step_floor": 0.0001,
    "time_step_limit": [0.0, Infinity], "time_step_max": 0.1, "time_step_min": 0.001, "time_step_rank": 48, "torch_dtype": "float16",
    "use_bias": false, "use_cache": true, "use_conv_bias": true, "vocab_size": 50288
  }`, 'config.json'), 'config.json');
  // The names and shapes as transformers saves a Mamba2ForCausalLM (in_proj: z 1536 | xBC 1536 + 2·128 | dt 24).
  const header = new Map<string, { shape: number[] }>([['backbone.embeddings.weight', { shape: [50288, 768] }], ['backbone.norm_f.weight', { shape: [768] }]]);
  for (let i = 0; i < 24; i++) {
    const p = `backbone.layers.${i}.`;
    for (const [name, shape] of [
      ['norm.weight', [768]], ['mixer.A_log', [24]], ['mixer.D', [24]], ['mixer.dt_bias', [24]], ['mixer.conv1d.weight', [1792, 1, 4]],
      ['mixer.conv1d.bias', [1792]], ['mixer.in_proj.weight', [3352, 768]], ['mixer.norm.weight', [1536]], ['mixer.out_proj.weight', [768, 1536]],
    ] as const) header.set(p + name, { shape: [...shape] });
  }
  const parameters = checkWeightsFitConfig(config, header, 'model.safetensors', 'config.json');
  assert.equal(parameters, 50288 * 768 + 768 + 24 * (768 + 3 * 24 + 1792 * 5 + 3352 * 768 + 1536 + 768 * 1536));
  assert.ok(parameters > 128e6 && parameters < 130e6, `${parameters}`);
  header.set('backbone.layers.3.mixer.in_proj.weight', { shape: [3352 + 128, 768] });
  assert.throws(() => checkWeightsFitConfig(config, header, 'model.safetensors', 'config.json'), /backbone\.layers\.3\.mixer\.in_proj\.weight .*num_heads, head_dim, n_groups, state_size/);
});

for (const extra of [{}, { use_bias: true, use_conv_bias: false, tie_word_embeddings: true }, { n_groups: 1, num_heads: 2, head_dim: 8 }] as Array<Partial<Mamba2ConfigInput>>) {
  test(`the expected tensors of Mamba-2 ${JSON.stringify(extra)} are the built model's, name for name and shape for shape`, () => {
    const config = tiny(extra);
    const built = [...createModel(config).weights()].map(([name, t]) => [name, t.shape]);
    assert.deepEqual([...expectedWeights(config)].map(([name, e]) => [name, e.shape]), built);
  });
}

test("initialisation as mamba_ssm's: A = −U[1, 16] per head, softplus(dt_bias) in [1e-3, 1e-1], D and the norm weight 1", () => {
  const model = createModel(tiny({ num_heads: 8, head_dim: 2, n_groups: 1, num_hidden_layers: 4 }), { seed: 1 }) as LanguageModel;
  const mixers = model.backbone.layers.items.map((b) => b.mixer as Mamba2Mixer);
  const A = mixers.flatMap((m) => Array.from(m.A_log.data, (v) => Math.exp(v)));
  assert.ok(A.every((a) => a >= 1 && a <= 16) && Math.max(...A) - Math.min(...A) > 5, `A spread over [1, 16]: ${A.map((a) => a.toFixed(1))}`);
  const dt = mixers.flatMap((m) => Array.from(m.dt_bias.data, (b) => Math.log1p(Math.exp(b))));
  assert.ok(dt.every((d) => d >= 0.99e-3 && d <= 0.101), `Δ at init: ${dt}`);
  assert.ok(mixers.every((m) => m.Dskip.data.every((v) => v === 1) && m.norm.weight.data.every((v) => v === 1)));
  const decayed = new Set(model.decayedParameters());
  assert.ok(mixers.every((m) => !decayed.has(m.A_log) && !decayed.has(m.dt_bias) && !decayed.has(m.Dskip)), 'A_log, dt_bias and D are not decayed');
});

test('a saved Mamba-2 folder is valid JSON with Mamba2ForCausalLM names and loads to the same logits', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mamba-ts-mamba2-'));
  try {
    for (const [name, config] of [['default-limit', tiny()], ['finite-limit', tiny({ time_step_limit: [0.01, Infinity], tie_word_embeddings: true })]] as const) {
      const dir = path.join(root, name);
      const model = createModel(config, { seed: 2 });
      saveCheckpoint(dir, { config, weights: model.weights() });
      const json = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
      assert.equal(json.architectures[0], 'Mamba2ForCausalLM');
      assert.deepEqual(json.time_step_limit, name === 'default-limit' ? undefined : [0.01, { __float__: 'Infinity' }]);
      const loaded = loadModelFolder(dir, { requireTokenizer: false }).model;
      assert.deepEqual(loaded.config, config);
      const ids = randomIds(6, config.vocab_size, 1);
      assert.deepEqual(Array.from(loaded.forward(ids, 1, 6).data), Array.from(model.forward(ids, 1, 6).data));
    }
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('a small Mamba-2 learns: 40 AdamW steps on a repeating sequence bring the loss from ln V to below a third of it', () => {
  const config = tiny({ num_hidden_layers: 2, vocab_size: 7 });
  const model = createModel(config, { seed: 4 });
  const opt = new AdamW(model.parameters(), { lr: 1e-2, weightDecay: 0 });
  const [B, L] = [2, 12];
  const ids = Int32Array.from({ length: B * (L + 1) }, (_, i) => (i * 3) % 7);
  const inputs = Int32Array.from({ length: B * L }, (_, i) => ids[Math.floor(i / L) * (L + 1) + (i % L)]);
  const targets = Int32Array.from({ length: B * L }, (_, i) => ids[Math.floor(i / L) * (L + 1) + (i % L) + 1]);
  let first = 0;
  let last = 0;
  for (let s = 0; s < 40; s++) {
    opt.zeroGrad();
    const loss = model.loss(inputs, targets, B, L);
    if (s === 0) first = loss.item();
    last = loss.item();
    backward(loss);
    opt.step();
  }
  assert.ok(Math.abs(first - Math.log(7)) < 0.5, `initial loss ${first} near ln 7`);
  assert.ok(last < first / 3, `loss ${first} → ${last}`);
});

test("the server's StateLayout batches a Mamba-2 state (conv and ssm rows per layer, A shared): a batched step equals each sequence alone", () => {
  const config = tiny({ time_step_limit: [0, 0.7] });
  const model = asStepModel(createModel(config, { seed: 6 })) as unknown as CausalLM<RowState>;
  const layout = new StateLayout(model);
  assert.deepEqual(layout.names(), ['layers.0.conv', 'layers.0.ssm', 'layers.1.conv', 'layers.1.ssm']);
  const [I, GN, K, H, P, N] = [16, 6, 4, 4, 4, 3]; // conv over I + 2·G·N channels
  assert.equal(layout.rowFloats, 2 * ((I + 2 * GN) * (K - 1) + H * P * N));
  const prompts = [[1, 2, 3], [4], [5, 6, 7, 8, 9]];
  const singles = prompts.map((p) => {
    const s = model.initState(1);
    noGrad(() => model.forward(Int32Array.from(p), 1, p.length, s));
    return s;
  });
  const batch = model.initState(3);
  singles.forEach((s, i) => layout.move(s, 0, batch, i));
  const next = [10, 0, 4];
  const batched = model.step(Int32Array.from(next), batch).data;
  singles.forEach((s, i) => {
    const alone = model.step(Int32Array.of(next[i]), s).data;
    assertClose(batched.subarray(i * 11, i * 11 + 11), alone, 1e-5, 1e-5, `logits of sequence ${i}`);
  });
});
