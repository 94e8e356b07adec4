// Gathering and scattering state rows: a batched step over rows moved in from single sequences
// gives each sequence the logits and state it gets alone.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LanguageModel } from '../../src/models/language_model.js';
import { modelConfig } from '../../src/models/config.js';
import { StateLayout } from '../../src/serve/batch_state.js';
import { asStepModel, type RowState } from '../../src/serve/step_model.js';
import type { CausalLM } from '../../src/models/causal_lm.js';
import { noGrad } from '../../src/autograd/tape.js';
import { assertClose } from '../helpers.js';

const model = asStepModel(new LanguageModel(modelConfig({ vocab_size: 11, hidden_size: 8, num_hidden_layers: 2, state_size: 4 }), { seed: 3 })) as unknown as CausalLM<RowState>;

test('the layout finds the per-sequence arrays (conv and SSM states) and leaves A shared', () => {
  const layout = new StateLayout(model);
  assert.deepEqual(layout.names(), ['layers.0.conv', 'layers.0.ssm', 'layers.1.conv', 'layers.1.ssm']);
  const E = 16;
  assert.equal(layout.rowFloats, 2 * (E * 3 + E * 4));
});

test('a batched step over rows gathered from three sequences equals each sequence stepped alone', () => {
  const layout = new StateLayout(model);
  const prompts = [[1, 2, 3], [4], [5, 6, 7, 8, 9]];
  const singles = prompts.map((p) => {
    const s = model.initState(1);
    noGrad(() => model.forward(Int32Array.from(p), 1, p.length, s));
    return s;
  });
  const batch = model.initState(5); // room for more rows than used: the step sees a view of 3
  singles.forEach((s, i) => layout.move(s, 0, batch, 2 - i)); // rows in reverse order
  const view = layout.view(batch, 3);
  const next = [10, 0, 4];
  const batched = model.step(Int32Array.from(next.slice().reverse()), view).data; // [3, V]
  singles.forEach((s, i) => {
    const alone = model.step(Int32Array.of(next[i]), s).data;
    const row = 2 - i;
    // The same arithmetic row by row; the matmul may block rows differently, hence a tolerance.
    assertClose(batched.subarray(row * 11, row * 11 + 11), alone, 1e-5, 1e-5, `logits of sequence ${i}`);
    const a = layout.read(s, 0);
    const b = layout.read(batch, row);
    a.forEach((arr, j) => assertClose(b[j], arr, 1e-5, 1e-5, `${layout.names()[j]} of sequence ${i}`));
  });
});

test('moving the last row over a leaving one keeps the rest, and a cleared row is zero', () => {
  const layout = new StateLayout(model);
  const batch = model.initState(3);
  for (let r = 0; r < 3; r++) layout.write(batch, r, layout.fields.map((f) => new Float32Array(f.row).fill(r + 1)));
  layout.move(batch, 2, batch, 0);
  assert.ok(layout.read(batch, 0).every((a) => a.every((v) => v === 3)));
  assert.ok(layout.read(batch, 1).every((a) => a.every((v) => v === 2)));
  layout.clear(batch, 1);
  assert.ok(layout.read(batch, 1).every((a) => a.every((v) => v === 0)));
});
