// The bandwidth probe (src/kernels/wasm/bandwidth.ts) reads a resident array on the pool's
// threads and reports a rate; the roofline's byte count (bench/roofline.ts) is the step's weights
// in their format plus its state.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readBandwidth } from '../../src/kernels/wasm/bandwidth.js';
import { modelStepBytes, stepBytes } from '../../bench/roofline.js';
import { WEIGHT_FORMATS } from '../../src/kernels/weight_format.js';
import { modelConfig, type BackboneConfig } from '../../src/models/config.js';
import { LanguageModel } from '../../src/models/language_model.js';
import { wasmKernels } from './wasm_helpers.js';

const { rt } = await wasmKernels(2);

test('readBandwidth reads a resident array on 1 and 2 threads at a finite positive rate, and refuses a plain array', () => {
  const a = rt.residentArray(1 << 18);
  for (const threads of [1, 2]) {
    const bw = readBandwidth(rt, a, threads, 2);
    assert.ok(Number.isFinite(bw) && bw > 0, `${threads} threads: ${bw}`);
  }
  assert.throws(() => readBandwidth(rt, new Float32Array(16), 1), /must be resident/);
});

test('a step reads 4 bytes per f32 parameter (all but the embedding rows other than the token\'s) plus the state twice; bf16 about half, int8 about a quarter of the matrices', () => {
  const cfg = modelConfig({ vocab_size: 50, hidden_size: 32, num_hidden_layers: 2 });
  const model = new LanguageModel(cfg);
  const E = cfg.intermediate_size, N = cfg.state_size, K = cfg.conv_kernel;
  const params = model.parameterCount();
  const state = cfg.num_hidden_layers * (E * N + E * (K - 1));
  // A = −exp(A_log) is read in place of A_log; the tied head reads the embedding once, the lookup one row more.
  assert.equal(stepBytes(cfg, 'f32'), 4 * (params + 2 * state + cfg.hidden_size));
  // mamba-130m's shape, where the matrices are nearly all of the bytes: 129 M parameters, 516 MB in f32, + 5.6 MB of state read and written.
  const big = modelConfig({ vocab_size: 50280, hidden_size: 768, num_hidden_layers: 24 });
  const f32 = stepBytes(big, 'f32');
  assert.ok(Math.abs(f32 / 522e6 - 1) < 0.005, `f32: ${f32}`);
  assert.ok(Math.abs(stepBytes(big, 'bf16') / f32 - 0.5) < 0.02, 'bf16');
  assert.ok(Math.abs(stepBytes(big, 'int8') / f32 - 0.25) < 0.035, 'int8'); // the f32 small tensors and the state: 3 % of f32's bytes
});

test('counted from a model and its state, a Mamba step reads the bytes the formula gives in every format, and a Mamba-2 step its packed in_proj, out_proj and head instead of the f32 ones', () => {
  const cfg = modelConfig({ vocab_size: 50, hidden_size: 32, num_hidden_layers: 2 });
  const model = new LanguageModel(cfg);
  for (const f of WEIGHT_FORMATS) assert.equal(modelStepBytes(model, model.initState(1, { weights: f })), stepBytes(cfg, f), f);
  const m2 = new LanguageModel(modelConfig({ model_type: 'mamba2', vocab_size: 50, hidden_size: 32, num_hidden_layers: 2, num_heads: 4, head_dim: 16, n_groups: 1, state_size: 8 } as never) as unknown as BackboneConfig);
  const f32 = modelStepBytes(m2, m2.initState(1));
  const state = 2 * (4 * 16 * 8 + (64 + 2 * 8) * 3); // per layer: SSM [H, P, N] and conv [I + 2GN, K − 1]
  assert.equal(f32, 4 * (m2.parameterCount() - 49 * 32 + 2 * state)); // A read in place of A_log; the untied embedding: one row
  const matrices = 2 * (32 * (2 * 64 + 2 * 8 + 4) + 64 * 32) + 50 * 32; // in_proj, out_proj per layer; the head
  assert.equal(modelStepBytes(m2, m2.initState(1, { weights: 'bf16' })), f32 - 2 * matrices, 'bf16: two bytes a weight of those matrices');
});
