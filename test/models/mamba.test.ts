// The Mamba block and language model: HF parameter layout, gradients of the whole block,
// step-by-step generation equal to the full forward, chunked prefill, and learning.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/tensor/random.js';
import { backward, noGrad } from '../../src/autograd/tape.js';
import { modelConfig, type BackboneConfig, type MambaConfig } from '../../src/models/config.js';
import { LanguageModel } from '../../src/models/language_model.js';
import { MambaMixer } from '../../src/ssm/mamba.js';
import { packRowsAs, unpackRowsAs } from '../../src/kernels/weight_format.js';
import { AdamW } from '../../src/optim/index.js';
import { assertClose, gradCheck, rand } from '../helpers.js';

const tiny = (over: Partial<MambaConfig> = {}): MambaConfig =>
  modelConfig({ vocab_size: 11, hidden_size: 8, num_hidden_layers: 2, state_size: 4, ...over });

function randomIds(n: number, V: number, seed: number): Int32Array {
  const rng = new Rng(seed);
  return Int32Array.from({ length: n }, () => rng.int(V));
}

test('parameter names and shapes follow Hugging Face MambaForCausalLM', () => {
  const cfg = modelConfig({ vocab_size: 50, hidden_size: 32, num_hidden_layers: 2 });
  assert.equal(cfg.intermediate_size, 64);
  assert.equal(cfg.time_step_rank, 2);
  const shapes = Object.fromEntries(new LanguageModel(cfg).namedParameters().map(([n, t]) => [n, t.shape]));
  const E = 64, D = 32, N = 16, R = 2, K = 4;
  assert.deepEqual(shapes['backbone.embeddings.weight'], [50, D]);
  assert.deepEqual(shapes['backbone.layers.1.norm.weight'], [D]);
  assert.deepEqual(shapes['backbone.layers.0.mixer.in_proj.weight'], [2 * E, D]);
  assert.deepEqual(shapes['backbone.layers.0.mixer.conv1d.weight'], [E, 1, K]);
  assert.deepEqual(shapes['backbone.layers.0.mixer.conv1d.bias'], [E]);
  assert.deepEqual(shapes['backbone.layers.0.mixer.x_proj.weight'], [R + 2 * N, E]);
  assert.deepEqual(shapes['backbone.layers.0.mixer.dt_proj.weight'], [E, R]);
  assert.deepEqual(shapes['backbone.layers.0.mixer.dt_proj.bias'], [E]);
  assert.deepEqual(shapes['backbone.layers.0.mixer.A_log'], [E, N]);
  assert.deepEqual(shapes['backbone.layers.0.mixer.D'], [E]);
  assert.deepEqual(shapes['backbone.layers.0.mixer.out_proj.weight'], [D, E]);
  assert.deepEqual(shapes['backbone.norm_f.weight'], [D]);
  assert.equal(shapes['lm_head.weight'], undefined, 'tied head is not a separate parameter');
  const untied = new LanguageModel({ ...cfg, tie_word_embeddings: false });
  assert.deepEqual(untied.stateDict().get('lm_head.weight')?.shape, [50, D]);
});

test('initialisation follows the paper: A_log = log(1..N), D = 1, softplus(dt bias) in [1e-3, 0.1]', () => {
  const m = new MambaMixer(tiny(), { rng: new Rng(3) });
  const N = 4;
  for (let n = 0; n < N; n++) assert.ok(Math.abs(m.A_log.data[5 * N + n] - Math.log(n + 1)) < 1e-6);
  assert.ok(m.Dskip.data.every((v) => v === 1));
  for (const b of m.dt_proj.bias!.data) {
    const dt = Math.log1p(Math.exp(b));
    assert.ok(dt >= 1e-3 * 0.999 && dt <= 0.1 * 1.001, `dt ${dt}`);
  }
});

for (const selective of [true, false]) {
  test(`the whole ${selective ? 'Mamba (S6)' : 'S4D-style'} block passes a finite-difference gradient check`, () => {
    const cfg = tiny({ hidden_size: 5, intermediate_size: 7, state_size: 3, time_step_rank: 2 });
    const mixer = new MambaMixer(cfg, { rng: new Rng(1), selective });
    const params = mixer.parameters();
    const x = rand([2, 6, 5], new Rng(2));
    // L = Σ w ⊙ mixer(x) checked w.r.t. the input and every parameter (f32: eps 1e-2, rtol 3e-2).
    gradCheck((xx, ...ps) => { void ps; return mixer.forward(xx); }, [x, ...params], { atol: 3e-3, rtol: 3e-2, maxChecks: 12 });
  });
}

test('step-by-step logits equal the full-forward logits (≤ 1e-4)', () => {
  for (const selective of [true, false]) {
    const model = new LanguageModel(tiny({ mixer: selective ? 'mamba' : 's4d' }), { seed: 5 });
    const L = 13;
    const ids = randomIds(2 * L, 11, 9);
    const full = noGrad(() => model.forward(ids, 2, L)); // [2, L, V]
    const state = model.initState(2);
    for (let t = 0; t < L; t++) {
      const logits = model.step(Int32Array.of(ids[t], ids[L + t]), state);
      for (let b = 0; b < 2; b++) {
        assertClose(logits.data.subarray(b * 11, (b + 1) * 11), full.data.subarray((b * L + t) * 11, (b * L + t + 1) * 11), 1e-4, 1e-4, `t=${t} b=${b}`);
      }
    }
  }
});

// Each architecture's step keeps its own matrices packed: the fused Mamba step in_proj, x_proj and
// out_proj; the steps with ops (S4D, Falcon Mamba, Mamba-2) in_proj and out_proj; all the head.
const packedModels: Array<{ name: string; cfg: BackboneConfig; matrices: string[] }> = [
  { name: 'Mamba', cfg: tiny({ hidden_size: 16, num_hidden_layers: 2, state_size: 4 }), matrices: ['in_proj', 'x_proj', 'out_proj'] },
  { name: 'the S4D ablation', cfg: tiny({ hidden_size: 16, mixer: 's4d' }), matrices: ['in_proj', 'out_proj'] },
  { name: 'Falcon Mamba', cfg: modelConfig({ model_type: 'falcon_mamba', vocab_size: 11, hidden_size: 16, num_hidden_layers: 2, state_size: 4 } as never) as unknown as BackboneConfig, matrices: ['in_proj', 'out_proj'] },
  {
    name: 'Mamba-2',
    cfg: modelConfig({ model_type: 'mamba2', vocab_size: 11, hidden_size: 16, num_hidden_layers: 2, num_heads: 4, head_dim: 8, n_groups: 2, state_size: 4, chunk_size: 4 } as never) as unknown as BackboneConfig,
    matrices: ['in_proj', 'out_proj'],
  },
];

// A bf16 state's steps multiply with bf16-rounded matrices, so they must give the logits of a model
// with exactly those values (≤ 1e-4: summation order); int8 also rounds each activation row to
// 16 bits (relative 2⁻¹⁵ of its largest element), hence 1e-3.
for (const { name, cfg, matrices } of packedModels) for (const [format, tol, most] of [['bf16', 1e-4, 0.05], ['int8', 1e-3, 0.1]] as const) {
  test(`${name}: ${format === 'int8' ? 'an' : 'a'} ${format} state steps with ${matrices.join(', ')} and the head rounded to ${format}: the logits of those rounded weights in f32 (≤ ${tol}), not of the exact ones`, () => {
    const model = new LanguageModel(cfg, { seed: 8 });
    // The same weights with those matrices rounded, in f32. A tied head is the embedding, which the
    // state keeps exact for the lookup: the rounded model has its own, rounded, head.
    const weights = model.weights();
    const rounded = (name: string) => {
      const { shape, data } = weights.get(name)!;
      return { shape, data: unpackRowsAs(format, packRowsAs(format, data, shape[0], shape[1]), shape[0], shape[1]) };
    };
    for (let i = 0; i < cfg.num_hidden_layers; i++) {
      for (const m of matrices) weights.set(`backbone.layers.${i}.mixer.${m}.weight`, rounded(`backbone.layers.${i}.mixer.${m}.weight`));
    }
    weights.set('lm_head.weight', rounded(cfg.tie_word_embeddings ? 'backbone.embeddings.weight' : 'lm_head.weight'));
    const roundedModel = new LanguageModel({ ...cfg, tie_word_embeddings: false }, { seed: 8 });
    roundedModel.loadWeights(weights);
    const ids = randomIds(9, 11, 3);
    const packed = model.initState(1, { weights: format });
    const f32Rounded = roundedModel.initState(1);
    assert.equal(packed.head?.format, format, 'the state holds the packed head');
    const f32 = model.initState(1);
    let largest = 0;
    for (const id of ids) {
      const got = model.step(Int32Array.of(id), packed).data;
      assertClose(got, roundedModel.step(Int32Array.of(id), f32Rounded).data, tol, tol, `token ${id}`);
      const exact = model.step(Int32Array.of(id), f32).data;
      for (let i = 0; i < got.length; i++) largest = Math.max(largest, Math.abs(got[i] - exact[i]));
    }
    assert.ok(largest > 1e-5 && largest < most, `${format} against exact f32 logits: largest difference ${largest}`);
  });
}

test('prefill in chunks with carried state equals one full forward, and steps continue from it', () => {
  const model = new LanguageModel(tiny(), { seed: 6 });
  const ids = randomIds(20, 11, 4);
  const full = noGrad(() => model.forward(ids, 1, 20));
  const state = model.initState(1);
  const a = noGrad(() => model.forward(ids.subarray(0, 7), 1, 7, state));
  const b = noGrad(() => model.forward(ids.subarray(7, 19), 1, 12, state));
  assertClose(a.data, full.data.subarray(0, 7 * 11), 1e-4, 1e-4, 'chunk 1');
  assertClose(b.data, full.data.subarray(7 * 11, 19 * 11), 1e-4, 1e-4, 'chunk 2');
  const last = model.step(Int32Array.of(ids[19]), state);
  assertClose(last.data, full.data.subarray(19 * 11), 1e-4, 1e-4, 'step after prefill');
});

test('a tiny Mamba overfits a short text (loss falls below 0.1 nats)', () => {
  const text = 'the whale swam. the whale dove. ';
  const vocab = [...new Set(text)].sort();
  const ids = Int32Array.from([...text].map((c) => vocab.indexOf(c)));
  const model = new LanguageModel(modelConfig({ vocab_size: vocab.length, hidden_size: 16, num_hidden_layers: 2, state_size: 4 }), { seed: 1 });
  const opt = new AdamW(model.parameters(), { lr: 1e-2, weightDecay: 0 });
  const L = ids.length - 1;
  const inputs = ids.subarray(0, L);
  const targets = ids.subarray(1);
  let loss = Infinity;
  for (let step = 0; step < 300 && loss > 0.05; step++) {
    model.zeroGrad();
    const l = model.loss(inputs, targets, 1, L);
    loss = l.item();
    backward(l);
    opt.step();
  }
  assert.ok(loss < 0.1, `final loss ${loss}`);
});

test('forward rejects ids that do not match batch × length', () => {
  const model = new LanguageModel(tiny());
  assert.throws(() => model.forward(new Int32Array(5), 2, 3), /5 ids for batch 2 × length 3/);
  assert.throws(() => model.forward(Int32Array.of(1, 99), 1, 2), /embedding/);
});

