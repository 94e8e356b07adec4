// The whole training step gives the same bits on 1 and 2 threads: every kernel computes each
// output element the same way whichever thread owns it, and reductions use fixed partials.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend, wasmRuntime } from '../../src/kernels/index.js';
import { backendName, setBackend } from '../../src/kernels/backend.js';
import { LanguageModel } from '../../src/models/language_model.js';
import { modelConfig } from '../../src/models/config.js';
import { createOptimizer, optimizerStep } from '../../src/train/step.js';
import { assertBitIdentical, onThreads } from './wasm_helpers.js';

const previous = backendName();
assert.equal(await initBackend('wasm'), 'wasm');
const rt = wasmRuntime()!;
test.after(() => setBackend(previous));

test('three training steps of a Mamba LM give identical losses and weights on 1 and 2 threads (a worker running tasks)', async () => {
  // d 64, B 4, L 128: large enough that matmul, scan, conv and element-wise jobs split over threads.
  const config = modelConfig({ vocab_size: 40, hidden_size: 64, num_hidden_layers: 2, state_size: 16 });
  const B = 4, L = 128;
  const inputs = Int32Array.from({ length: B * L }, (_, i) => (i * 13 + 5) % 40);
  const targets = Int32Array.from({ length: B * L }, (_, i) => (i * 7 + 1) % 40);
  const run = () => {
    const model = new LanguageModel(config, { seed: 4 });
    const opt = createOptimizer(model, { steps: 3, lr: 1e-2, minLr: 1e-3, warmupSteps: 1, weightDecay: 0.1 });
    const losses = [0, 1, 2].map((step) => optimizerStep(model, opt, step, { inputs, targets, batch: B, length: L }, 1, '').loss);
    return { losses, weights: model.parameters().map((p) => p.data.slice()) };
  };
  const one = await onThreads(rt, 1, run);
  const two = await onThreads(rt, 2, run);
  assert.deepEqual(two.losses, one.losses);
  two.weights.forEach((w, i) => assertBitIdentical(w, one.weights[i], `parameter ${i}`));
});
