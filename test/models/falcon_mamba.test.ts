// Falcon Mamba (FalconMambaForCausalLM, issue 19 item 4): Mamba-1 with a weightless RMS norm on
// dt_low, B and C after x_proj, checked against a scalar loop written from the definition, and
// loaded through config.json as transformers reads falcon-mamba-7b's.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { modelConfig, parseConfig, type FalconMambaConfig, type MambaConfig } from '../../src/models/config.js';
import { createModel } from '../../src/models/create.js';
import { MambaMixer } from '../../src/ssm/mamba.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { Rng } from '../../src/tensor/random.js';
import { saveCheckpoint } from '../../src/io/checkpoint.js';
import { loadModelFolder } from '../../src/io/model_folder.js';

const sizes = { hidden_size: 3, intermediate_size: 4, state_size: 2, conv_kernel: 3, time_step_rank: 2, use_bias: false, use_conv_bias: true };

/** One mixer over x [L, D] by scalar loops, from the definition (eps 1e-6 norms when `falcon`). */
function reference(m: MambaMixer, x: number[][], falcon: boolean): number[][] {
  const { D, E, N, K, R } = m;
  const w = (t: Tensor) => t.data;
  const silu = (v: number) => v / (1 + Math.exp(-v));
  const norm = (v: number[]) => {
    const r = 1 / Math.sqrt(v.reduce((a, b) => a + b * b, 0) / v.length + 1e-6);
    return falcon ? v.map((a) => a * r) : v;
  };
  const xi: number[][] = [];
  const h = Array.from({ length: E }, () => new Array(N).fill(0));
  return x.map((xt, t) => {
    const proj = Array.from({ length: 2 * E }, (_, o) => xt.reduce((a, v, d) => a + w(m.in_proj.weight)[o * D + d] * v, 0));
    xi.push(proj.slice(0, E));
    const z = proj.slice(E);
    const xc = Array.from({ length: E }, (_, e) => {
      let s = w(m.conv1d.bias!)[e];
      for (let k = 0; k < K; k++) {
        const src = t - (K - 1) + k;
        if (src >= 0) s += w(m.conv1d.weight)[e * K + k] * xi[src][e];
      }
      return silu(s);
    });
    const xdbl = Array.from({ length: R + 2 * N }, (_, o) => xc.reduce((a, v, e) => a + w(m.x_proj!.weight)[o * E + e] * v, 0));
    const dtLow = norm(xdbl.slice(0, R));
    const B = norm(xdbl.slice(R, R + N));
    const C = norm(xdbl.slice(R + N));
    const y = Array.from({ length: E }, (_, e) => {
      const pre = w(m.dt_proj.bias!)[e] + dtLow.reduce((a, v, r) => a + w(m.dt_proj.weight)[e * R + r] * v, 0);
      const dt = Math.log1p(Math.exp(pre));
      let ye = w(m.Dskip)[e] * xc[e];
      for (let n = 0; n < N; n++) {
        const A = -Math.exp(w(m.A_log)[e * N + n]);
        h[e][n] = Math.exp(dt * A) * h[e][n] + dt * B[n] * xc[e];
        ye += C[n] * h[e][n];
      }
      return ye * silu(z[e]);
    });
    return Array.from({ length: D }, (_, d) => y.reduce((a, v, e) => a + w(m.out_proj.weight)[d * E + e] * v, 0));
  });
}

test('the Falcon Mamba mixer equals the scalar definition, and its norms change the output', () => {
  const rng = new Rng(7);
  const x = Array.from({ length: 5 }, () => Array.from({ length: 3 }, () => rng.next() * 4 - 2));
  const input = new Tensor(Float32Array.from(x.flat()), [1, 5, 3]);
  for (const falcon of [true, false]) {
    const m = new MambaMixer({ ...sizes, ...(falcon ? { mixer_rms_eps: 1e-6 } : {}) }, { rng: new Rng(3) });
    const got = Array.from(m.forward(input).data);
    const want = reference(m, x, falcon).flat();
    got.forEach((g, i) => assert.ok(Math.abs(g - want[i]) <= 1e-5 * (1 + Math.abs(want[i])), `${falcon ? 'falcon' : 'mamba'} [${i}]: ${g} vs ${want[i]}`));
  }
  const plain = new MambaMixer(sizes, { rng: new Rng(3) }).forward(input).data;
  const falcon = new MambaMixer({ ...sizes, mixer_rms_eps: 1e-6 }, { rng: new Rng(3) }).forward(input).data;
  assert.ok(plain.some((v, i) => Math.abs(v - falcon[i]) > 1e-3));
});

test("falcon-mamba-7b's config.json reads as transformers reads it: intermediate_size over expand, mixer_rms_eps 1e-6, untied head", () => {
  const c = parseConfig({
    architectures: ['FalconMambaForCausalLM'], model_type: 'falcon_mamba', hidden_size: 4096, intermediate_size: 8192, expand: 16,
    num_hidden_layers: 64, state_size: 16, vocab_size: 65024, tie_word_embeddings: false, use_bias: false, use_conv_bias: true, time_step_rank: 256,
  }) as FalconMambaConfig;
  assert.equal(c.model_type, 'falcon_mamba');
  assert.equal(c.intermediate_size, 8192);
  assert.equal(c.mixer_rms_eps, 1e-6);
  assert.equal(c.tie_word_embeddings, false);
  assert.throws(() => parseConfig({ model_type: 'falcon_mamba', vocab_size: 8, hidden_size: 4, num_hidden_layers: 1, mixer_rms_eps: 0 }), /mixer_rms_eps must be a positive number, got 0/);
});

test('a Falcon Mamba folder saves and loads through the config and layout tables; step equals forward', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mamba-ts-falcon-'));
  try {
    const config = modelConfig({ model_type: 'falcon_mamba', vocab_size: 10, hidden_size: 4, num_hidden_layers: 2, state_size: 2, tie_word_embeddings: false } as never) as unknown as FalconMambaConfig;
    const model = createModel(config, { seed: 2 });
    saveCheckpoint(root, { config, weights: model.weights() });
    assert.equal(JSON.parse(fs.readFileSync(path.join(root, 'config.json'), 'utf8')).architectures[0], 'FalconMambaForCausalLM');
    const loaded = loadModelFolder(root, { requireTokenizer: false }).model;
    const ids = Int32Array.from([1, 4, 2, 9]);
    const full = loaded.forward(ids, 1, 4).data;
    assert.deepEqual(Array.from(full), Array.from(model.forward(ids, 1, 4).data));
    const state = loaded.initState(1);
    for (let t = 0; t < 4; t++) {
      const logits = loaded.step(ids.subarray(t, t + 1), state).data;
      logits.forEach((v, i) => assert.ok(Math.abs(v - full[t * 10 + i]) <= 1e-4, `t ${t} [${i}]`));
    }
    const { mixer_rms_eps: _eps, ...rest } = config;
    const mamba = createModel(modelConfig({ ...rest, model_type: 'mamba' } as MambaConfig), { seed: 2 });
    assert.ok(mamba.forward(ids, 1, 4).data.some((v, i) => Math.abs(v - full[i]) > 1e-4), 'the norms matter');
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
