// The config key `lru`: the LRU mixer's options in config.json (snake_case), validated with clear
// errors, kept through write/read and through a checkpoint, and reaching the LRUMixer.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readConfig, writeConfig } from '../../src/io/config.js';
import { saveCheckpoint, loadCheckpoint } from '../../src/io/checkpoint.js';
import { modelConfig, parseConfig, type MambaConfig } from '../../src/models/config.js';
import { LanguageModel } from '../../src/models/language_model.js';
import { LRUMixer } from '../../src/ssm/lru.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mamba-ts-config-lru-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));

const base = { vocab_size: 12, hidden_size: 8, num_hidden_layers: 1, mixer: 'lru' as const };
const ablated = { state_size: 6, r_min: 0.5, r_max: 0.9, max_phase: 0.3, stable_exp_param: false, ring_init: true, gamma_norm: false, complex: false };

test('the lru options round-trip through config.json and a checkpoint folder', () => {
  const c = modelConfig({ ...base, lru: ablated });
  assert.deepEqual(c.lru, ablated);
  const file = path.join(root, 'config.json');
  writeConfig(file, c);
  assert.deepEqual(JSON.parse(fs.readFileSync(file, 'utf8')).lru, ablated);
  assert.deepEqual(readConfig(file), c);

  const model = new LanguageModel(modelConfig({ ...base, lru: ablated }));
  const dir = path.join(root, 'run');
  saveCheckpoint(dir, { config: model.config, weights: model.weights() });
  const loaded = loadCheckpoint(dir) as { config: MambaConfig; weights: ReturnType<typeof loadCheckpoint>['weights'] };
  assert.deepEqual(loaded.config.lru, ablated);
  new LanguageModel(loaded.config).loadWeights(loaded.weights);
});

test('createMixer passes the lru options to the LRUMixer; absent ones keep its defaults', () => {
  const mixer = (lru?: object) => new LanguageModel(modelConfig({ ...base, lru })).backbone.layers.items[0].mixer as LRUMixer;
  const m = mixer(ablated);
  assert.deepEqual([m.N, m.stableExpParam, m.ringInit, m.gammaNorm, m.complex], [6, false, true, false, false]);
  // Real λ without the exp parameterisation: lambda_re is |λ|, drawn in [r_min, r_max].
  for (const v of m.lambda_re!.data) assert.ok(v >= 0.5 - 1e-6 && v <= 0.9 + 1e-6, `|λ| ${v} in [0.5, 0.9]`);
  const d = mixer();
  assert.deepEqual([d.N, d.stableExpParam, d.ringInit, d.gammaNorm, d.complex], [8, true, true, true, true]);
  assert.equal(mixer({ ring_init: false }).ringInit, false);
});

test('a config without lru stays without it (Hugging Face files unchanged)', () => {
  assert.equal('lru' in modelConfig(base), false);
  assert.equal('lru' in modelConfig({ ...base, lru: undefined }), false);
});

const invalid: Array<[string, Record<string, unknown>, RegExp]> = [
  ['an lru that is not an object', { lru: [0.9] }, /^Error: config\.json: lru must be an object of LRU options \(known: state_size, r_min, .*complex\), got \[0\.9\]$/],
  ['an unknown lru option', { lru: { rmin: 0.5 } }, /config\.json: lru\.rmin is not an LRU option \(known: state_size, r_min/],
  ['camelCase instead of snake_case', { lru: { ringInit: false } }, /lru\.ringInit is not an LRU option/],
  ['r_max at 1', { lru: { r_max: 1 } }, /config\.json: lru\.r_max must be a number in \[0, 1\), got 1/],
  ['a negative r_min', { lru: { r_min: -0.1 } }, /lru\.r_min must be a number in \[0, 1\), got -0\.1/],
  ['r_min above r_max', { lru: { r_min: 0.95, r_max: 0.9 } }, /lru\.r_min 0\.95 is above lru\.r_max 0\.9/],
  ['r_min above the default r_max', { lru: { r_min: 0.9995 } }, /lru\.r_min 0\.9995 is above lru\.r_max 0\.999 \(absent ones default/],
  ['a zero max_phase', { lru: { max_phase: 0 } }, /lru\.max_phase must be a positive number, got 0/],
  ['a fractional state_size', { lru: { state_size: 2.5 } }, /lru\.state_size must be a positive integer, got 2\.5/],
  ['a string switch', { lru: { complex: 'no' } }, /lru\.complex must be true or false, got "no"/],
  ['lru options on another mixer', { mixer: 'mamba', lru: { complex: false } }, /lru options are given but mixer is "mamba"; set "mixer": "lru"/],
  ['lru options without a mixer', { mixer: undefined, lru: {} }, /lru options are given but mixer is "mamba"/],
];

for (const [what, change, expected] of invalid) {
  test(`parseConfig rejects ${what}`, () => {
    assert.throws(() => parseConfig({ ...base, ...change }), (err: Error) => {
      assert.match(String(err), expected);
      return true;
    });
  });
}
