// The LRU mixer: parameter names, ring initialisation and γ, gradient check of the whole mixer
// (every ablation variant), step-by-step equal to the full forward, chunked prefill, every scan
// algorithm in the mixer, and the LanguageModel with mixer 'lru'.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/tensor/random.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { noGrad } from '../../src/autograd/tape.js';
import { modelConfig, type MambaConfig } from '../../src/models/config.js';
import { LanguageModel } from '../../src/models/language_model.js';
import { LRUMixer, LRUOptions } from '../../src/ssm/lru.js';
import { SCAN_ALGORITHMS } from '../../src/kernels/scan/index.js';
import { assertClose, gradCheck, rand } from '../helpers.js';

const tiny = (over: Partial<MambaConfig> = {}): MambaConfig =>
  modelConfig({ vocab_size: 11, hidden_size: 6, num_hidden_layers: 2, mixer: 'lru', ...over });

const VARIANTS: Array<[string, LRUOptions]> = [
  ['the full LRU', {}],
  ['no exponential parameterisation', { stableExpParam: false }],
  ['no ring initialisation', { ringInit: false }],
  ['no γ normalisation', { gammaNorm: false }],
  ['real Λ', { complex: false }],
  ['real Λ without exponential parameterisation', { complex: false, stableExpParam: false }],
];

test('parameter names and shapes: nu_log, theta_log, gamma_log [N], B_re/B_im [N, D], C_re/C_im [D, N], D [D], glu.*', () => {
  const m = new LRUMixer(tiny(), { stateSize: 5 });
  const shapes = Object.fromEntries(m.namedParameters().map(([n, t]) => [n, t.shape]));
  assert.deepEqual(shapes, {
    nu_log: [5], theta_log: [5], gamma_log: [5], B_re: [5, 6], B_im: [5, 6], C_re: [6, 5], C_im: [6, 5], D: [6],
    'glu.out1.weight': [6, 6], 'glu.out1.bias': [6], 'glu.out2.weight': [6, 6], 'glu.out2.bias': [6],
  });
  const names = (o: LRUOptions) => new LRUMixer(tiny(), o).namedParameters().map(([n]) => n).filter((n) => !n.startsWith('glu'));
  assert.deepEqual(names({ stableExpParam: false }), ['lambda_re', 'lambda_im', 'gamma_log', 'B_re', 'B_im', 'C_re', 'C_im', 'D']);
  assert.deepEqual(names({ complex: false, gammaNorm: false }), ['nu_log', 'B_re', 'C_re', 'D']);
  assert.equal(new LRUMixer(tiny()).N, 6, 'N defaults to hidden_size');
});

test('ring initialisation puts |λ| in [rMin, rMax] and phases in [0, maxPhase]; γ = sqrt(1 − |λ|²)', () => {
  const opts = { stateSize: 400, rMin: 0.4, rMax: 0.8, maxPhase: Math.PI / 10, rng: new Rng(2) };
  for (const stableExpParam of [true, false]) {
    const m = new LRUMixer(tiny(), { ...opts, stableExpParam });
    const lam = noGrad(() => m.lambda());
    const mod = Array.from(lam.re.data, (re, n) => Math.hypot(re, lam.im!.data[n]));
    const phase = Array.from(lam.re.data, (re, n) => Math.atan2(lam.im!.data[n], re));
    // f32 parameters: |λ| and the phase are exact to a few 1e-7.
    assert.ok(mod.every((r) => r >= 0.4 - 1e-6 && r <= 0.8 + 1e-6), `|λ| in [${Math.min(...mod)}, ${Math.max(...mod)}]`);
    assert.ok(phase.every((p) => p >= 0 && p <= Math.PI / 10 + 1e-6), `phase in [${Math.min(...phase)}, ${Math.max(...phase)}]`);
    // Uniform by area: |λ|² uniform in [0.16, 0.64], mean 0.4 (400 samples: standard error 0.007).
    const meanSq = mod.reduce((s, r) => s + r * r, 0) / mod.length;
    assert.ok(Math.abs(meanSq - 0.4) < 0.03, `mean |λ|² ${meanSq}`);
    const gamma = Array.from(m.gamma_log!.data, Math.exp);
    assertClose(gamma, mod.map((r) => Math.sqrt(1 - r * r)), 1e-5, 1e-5, 'γ');
  }
});

test('without ring initialisation the eigenvalues fill the unit disk, all phases', () => {
  const m = new LRUMixer(tiny(), { stateSize: 400, ringInit: false, rng: new Rng(3) });
  const lam = noGrad(() => m.lambda());
  const mod = Array.from(lam.re.data, (re, n) => Math.hypot(re, lam.im!.data[n]));
  assert.ok(mod.every((r) => r < 1));
  assert.ok(mod.filter((r) => r < 0.5).length > 60, 'about a quarter of the disk area lies below |λ| = 0.5');
  assert.ok(lam.im!.data.some((v) => v < -0.5), 'phases beyond π');
});

for (const [name, opts] of VARIANTS) {
  test(`${name}: the mixer passes a finite-difference gradient check (input and every parameter)`, () => {
    // rMin 0.5: a state that decays within the short sequence keeps the check well conditioned.
    const mixer = new LRUMixer(tiny({ hidden_size: 4 }), { stateSize: 3, rMin: 0.5, rMax: 0.9, rng: new Rng(1), ...opts });
    const x = rand([2, 5, 4], new Rng(2));
    gradCheck((xx, ...ps) => { void ps; return mixer.forward(xx); }, [x, ...mixer.parameters()], { atol: 3e-3, rtol: 3e-2, maxChecks: 12 });
  });
}

test('step by step equals the full forward, and a prefill in two parts equals one (every variant, ≤ 1e-5)', () => {
  for (const [name, opts] of VARIANTS) {
    const mixer = new LRUMixer(tiny(), { stateSize: 5, rng: new Rng(4), ...opts });
    const [B, L, D] = [2, 9, 6];
    const x = rand([B, L, D], new Rng(5), { grad: false });
    const full = noGrad(() => mixer.forward(x)); // [B, L, D]
    const state = mixer.initState(B);
    for (let t = 0; t < L; t++) {
      const xt = new Float32Array(B * D);
      for (let b = 0; b < B; b++) xt.set(x.data.subarray((b * L + t) * D, (b * L + t + 1) * D), b * D);
      const y = mixer.step(new Tensor(xt, [B, D]), state);
      for (let b = 0; b < B; b++) {
        assertClose(y.data.subarray(b * D, (b + 1) * D), full.data.subarray((b * L + t) * D, (b * L + t + 1) * D), 1e-5, 1e-5, `${name} t=${t} b=${b}`);
      }
    }
    // Prefill the first 4 steps, then the remaining 5 from the state.
    const split = (t0: number, t1: number) => {
      const out = new Float32Array(B * (t1 - t0) * D);
      for (let b = 0; b < B; b++) out.set(x.data.subarray((b * L + t0) * D, (b * L + t1) * D), b * (t1 - t0) * D);
      return new Tensor(out, [B, t1 - t0, D]);
    };
    const s2 = mixer.initState(B);
    const first = noGrad(() => mixer.forward(split(0, 4), s2));
    const second = noGrad(() => mixer.forward(split(4, L), s2));
    for (let b = 0; b < B; b++) {
      assertClose(first.data.subarray(b * 4 * D, (b + 1) * 4 * D), full.data.subarray(b * L * D, (b * L + 4) * D), 1e-5, 1e-5, `${name} prefill part 1`);
      assertClose(second.data.subarray(b * 5 * D, (b + 1) * 5 * D), full.data.subarray((b * L + 4) * D, (b + 1) * L * D), 1e-5, 1e-5, `${name} prefill part 2`);
    }
    assertClose(s2.h_re, state.h_re, 1e-5, 1e-5, `${name} final state`);
  }
});

test('every scan algorithm gives the same mixer output (≤ 1e-5)', () => {
  const x = rand([2, 37, 6], new Rng(6), { grad: false });
  const outs = SCAN_ALGORITHMS.map((algorithm) => noGrad(() => new LRUMixer(tiny(), { rng: new Rng(7), algorithm }).forward(x)).data);
  for (const o of outs) assertClose(o, outs[0], 1e-5, 1e-5);
});

test('a LanguageModel with mixer lru: HF-style names, step-by-step logits equal the full forward', () => {
  const model = new LanguageModel(tiny(), { seed: 3 });
  const names = model.namedParameters().map(([n]) => n);
  assert.ok(names.includes('backbone.layers.1.mixer.nu_log'));
  assert.ok(names.includes('backbone.layers.0.mixer.glu.out2.bias'));
  const L = 7;
  const rng = new Rng(9);
  const ids = Int32Array.from({ length: 2 * L }, () => rng.int(11));
  const full = noGrad(() => model.forward(ids, 2, L));
  const state = model.initState(2);
  for (let t = 0; t < L; t++) {
    const logits = model.step(Int32Array.of(ids[t], ids[L + t]), state);
    for (let b = 0; b < 2; b++) {
      assertClose(logits.data.subarray(b * 11, (b + 1) * 11), full.data.subarray((b * L + t) * 11, (b * L + t + 1) * 11), 1e-4, 1e-4, `t=${t} b=${b}`);
    }
  }
});

test('invalid ring options are rejected with their values', () => {
  assert.throws(() => new LRUMixer(tiny(), { rMin: 0.9, rMax: 0.5 }), /LRUMixer: need 0 ≤ rMin ≤ rMax < 1, got rMin 0.9, rMax 0.5/);
  assert.throws(() => new LRUMixer(tiny(), { rMax: 1 }), /rMax 1/);
  assert.throws(() => new LRUMixer(tiny(), { maxPhase: 0 }), /maxPhase must be > 0/);
});
