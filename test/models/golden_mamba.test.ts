// A tiny MambaForCausalLM in the Hugging Face layout (test/fixtures/golden/mamba-tiny: 2 layers,
// d 8, N 4, K 4, vocab 11, seeded random weights) against logits computed independently in
// numpy from the paper's and transformers' formulas (scripts/golden/make_golden.py): the folder
// loads, and the whole-sequence forward and token-by-token generation both give those logits.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { noGrad } from '../../src/autograd/tape.js';
import { loadModelFolder } from '../../src/io/model_folder.js';

const golden = fileURLToPath(new URL('../../../test/fixtures/golden/', import.meta.url)); // dist/test/models → test/fixtures
const fixture = JSON.parse(fs.readFileSync(`${golden}mamba-tiny.json`, 'utf8')) as { ids: number[]; shape: [number, number]; logits: number[] };
const [L, V] = fixture.shape;

/**
 * |got − want| ≤ 1e-5·(1 + |want|): f32 against float64 through 2 layers, logits up to ~11; the
 * f32 results differ by ≤ 3e-7 relative on every backend, a wrong sign or index by 1e-2 or more.
 */
function assertGolden(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(got[i] - want[i]) <= 1e-5 * (1 + Math.abs(want[i])))) assert.fail(`${what}[${i}]: got ${got[i]}, numpy gives ${want[i]}`);
  }
}

test('the tiny HF Mamba folder gives numpy\'s logits over the whole sequence', () => {
  const { model } = loadModelFolder(`${golden}mamba-tiny`, { requireTokenizer: false });
  assert.equal(model.config.vocab_size, V);
  const logits = noGrad(() => model.forward(Int32Array.from(fixture.ids), 1, L)); // [1, L, V]
  assertGolden(logits.data, fixture.logits, 'forward logits');
});

for (const prefix of [0, 5]) {
  test(`token-by-token generation${prefix ? ` after a prefill of ${prefix} tokens` : ''} gives numpy's logits at every position`, () => {
    const { model } = loadModelFolder(`${golden}mamba-tiny`, { requireTokenizer: false });
    const state = model.initState(1);
    if (prefix > 0) {
      const pre = noGrad(() => model.forward(Int32Array.from(fixture.ids.slice(0, prefix)), 1, prefix, state));
      assertGolden(pre.data, fixture.logits.slice(0, prefix * V), 'prefill logits');
    }
    for (let t = prefix; t < L; t++) {
      const logits = model.step(Int32Array.of(fixture.ids[t]), state); // [1, V]
      assertGolden(logits.data, fixture.logits.slice(t * V, (t + 1) * V), `step logits at t=${t}`);
    }
  });
}
