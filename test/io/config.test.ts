import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readConfig, writeConfig } from '../../src/io/config.js';
import { modelConfig, parseConfig, type MambaConfig } from '../../src/models/config.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mamba-ts-config-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));

/** The keys of state-spaces/mamba-130m-hf's config.json, extra HF keys included. */
const hf130m = {
  architectures: ['MambaForCausalLM'],
  bos_token_id: 0,
  conv_kernel: 4,
  eos_token_id: 0,
  expand: 2,
  hidden_act: 'silu',
  hidden_size: 768,
  initializer_range: 0.1,
  intermediate_size: 1536,
  layer_norm_epsilon: 1e-5,
  model_type: 'mamba',
  num_hidden_layers: 24,
  pad_token_id: 0,
  rescale_prenorm_residual: false,
  residual_in_fp32: true,
  state_size: 16,
  time_step_rank: 48,
  use_bias: false,
  use_conv_bias: true,
  vocab_size: 50280,
};

test('modelConfig fills the paper and Hugging Face defaults', () => {
  const c = modelConfig({ vocab_size: 96, hidden_size: 72, num_hidden_layers: 4 });
  assert.deepEqual(c, {
    model_type: 'mamba',
    architectures: ['MambaForCausalLM'],
    vocab_size: 96,
    hidden_size: 72,
    state_size: 16,
    num_hidden_layers: 4,
    intermediate_size: 144,
    conv_kernel: 4,
    time_step_rank: 5, // ceil(72 / 16)
    expand: 2,
    layer_norm_epsilon: 1e-5,
    use_bias: false,
    use_conv_bias: true,
    tie_word_embeddings: true,
    mixer: 'mamba',
  });
});

test('expand sets the inner size, "auto" time_step_rank is ceil(D/16), explicit values win', () => {
  const c = modelConfig({ vocab_size: 10, hidden_size: 32, num_hidden_layers: 1, expand: 3, time_step_rank: 'auto', state_size: 8, mixer: 'lru' });
  assert.equal(c.intermediate_size, 96);
  assert.equal(c.time_step_rank, 2);
  assert.equal(c.state_size, 8);
  assert.equal(c.mixer, 'lru');
});

test("an official Hugging Face config.json parses, keeping its sizes and ignoring keys we do not use", () => {
  const c = parseConfig(hf130m) as MambaConfig;
  assert.equal(c.hidden_size, 768);
  assert.equal(c.intermediate_size, 1536);
  assert.equal(c.time_step_rank, 48);
  assert.equal(c.tie_word_embeddings, true);
  assert.equal((c as unknown as Record<string, unknown>).hidden_act, undefined);
  assert.equal((parseConfig({ ...hf130m, time_step_rank: 'auto' }) as MambaConfig).time_step_rank, 48);
});

const invalid: Array<[string, Record<string, unknown>, RegExp]> = [
  ['a string where an integer belongs', { state_size: '16' }, /^Error: config\.json: state_size must be a positive integer, got "16"$/],
  ['a zero layer count', { num_hidden_layers: 0 }, /config\.json: num_hidden_layers must be a positive integer, got 0/],
  ['a fractional width', { hidden_size: 7.5 }, /config\.json: hidden_size must be a positive integer, got 7\.5/],
  ['a string boolean', { use_bias: 'false' }, /config\.json: use_bias must be true or false, got "false"/],
  ['a negative epsilon', { layer_norm_epsilon: -1 }, /config\.json: layer_norm_epsilon must be a positive number, got -1/],
  ['an unknown model type', { model_type: 'rwkv' }, /^Error: config\.json: model_type is "rwkv"; supported: "mamba", "falcon_mamba", "mamba2", "llama"$/],
  ['a model type that is not a string', { model_type: 7 }, /config\.json: model_type is 7; supported: "mamba"/],
  ['an unknown mixer', { mixer: 'rnn' }, /config\.json: mixer must be one of "mamba", "lru", "s4d", got "rnn"/],
  ['the attention placeholder (no such mixer)', { mixer: 'attention' }, /mixer must be one of "mamba", "lru", "s4d", got "attention"/],
  ['a bad time_step_rank', { time_step_rank: 'big' }, /config\.json: time_step_rank must be a positive integer, got "big"/],
];

for (const [what, change, expected] of invalid) {
  test(`parseConfig rejects ${what}`, () => {
    assert.throws(() => parseConfig({ ...hf130m, ...change }), (err: Error) => {
      assert.match(String(err), expected);
      return true;
    });
  });
}

test("a config.json without sizes takes transformers' MambaConfig defaults (50280, 768, 32)", () => {
  const { vocab_size: _v, hidden_size: _h, num_hidden_layers: _n, intermediate_size: _i, time_step_rank: _r, ...rest } = hf130m;
  const c = parseConfig(rest) as MambaConfig;
  assert.deepEqual([c.vocab_size, c.hidden_size, c.num_hidden_layers, c.intermediate_size, c.time_step_rank], [50280, 768, 32, 1536, 48]);
});

test('a hidden_act other than silu is refused naming the key', () => {
  assert.throws(() => parseConfig({ ...hf130m, hidden_act: 'gelu' }), /config\.json: hidden_act "gelu" is not supported/);
});

test('the original mamba_ssm keys are recognised and refused with advice', () => {
  assert.throws(() => parseConfig({ d_model: 768, n_layer: 24, vocab_size: 50277 }), /original mamba_ssm keys .* "-hf"/);
});

test('writeConfig then readConfig round-trips, and errors name the file', () => {
  const file = path.join(root, 'config.json');
  const c = modelConfig({ vocab_size: 65, hidden_size: 48, num_hidden_layers: 2, mixer: 's4d' });
  writeConfig(file, c);
  assert.deepEqual(readConfig(file), c);
  assert.equal(JSON.parse(fs.readFileSync(file, 'utf8')).model_type, 'mamba');
  fs.writeFileSync(file, '{ "vocab_size": ');
  assert.throws(() => readConfig(file), /config\.json: invalid JSON/);
  assert.throws(() => readConfig(path.join(root, 'nope.json')), /nope\.json: file not found/);
});

test('config.json keeps its bytes: the keys come out in one order whatever the input order', () => {
  const file = path.join(root, 'bytes.json');
  const expected = `{
  "model_type": "mamba",
  "architectures": [
    "MambaForCausalLM"
  ],
  "state_size": 8,
  "conv_kernel": 4,
  "expand": 2,
  "intermediate_size": 128,
  "time_step_rank": 4,
  "layer_norm_epsilon": 0.00001,
  "use_bias": false,
  "use_conv_bias": true,
  "tie_word_embeddings": true,
  "mixer": "mamba",
  "vocab_size": 96,
  "hidden_size": 64,
  "num_hidden_layers": 2
}
`;
  writeConfig(file, modelConfig({ vocab_size: 96, hidden_size: 64, num_hidden_layers: 2, state_size: 8, mixer: 'mamba' }));
  assert.equal(fs.readFileSync(file, 'utf8'), expected);
  writeConfig(file, parseConfig({ num_hidden_layers: 2, mixer: 'mamba', hidden_size: 64, state_size: 8, vocab_size: 96 }));
  assert.equal(fs.readFileSync(file, 'utf8'), expected);
});

test('a config without model_type is a Mamba config, as transformers writes every MambaConfig with it', () => {
  const { model_type, ...rest } = hf130m;
  assert.equal(model_type, 'mamba');
  assert.deepEqual(parseConfig(rest), parseConfig(hf130m));
  assert.equal(parseConfig(rest).model_type, 'mamba');
});
