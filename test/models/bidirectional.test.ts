// Bidirectional backbones (config `bidirectional`, as the LRA's models): each Mamba-family block
// adds a second mixer that reads every row backwards from its last real token; a Llama block
// attends without the causal mask. Checked against the block written out by hand on unpadded
// rows, for reading the future (and not the padding), for the config key, and for refusing what
// only a causal model can do.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { modelConfig, parseConfig, MIXER_KINDS, type MixerKind } from '../../src/models/config.js';
import { createModel } from '../../src/models/create.js';
import { LanguageModel, reverseRows } from '../../src/models/language_model.js';
import type { TransformerLM } from '../../src/models/transformer.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { add } from '../../src/ops/index.js';
import { assertClose } from '../helpers.js';

const config = (mixer: MixerKind, bidirectional = true) =>
  modelConfig({ vocab_size: 9, hidden_size: 8, num_hidden_layers: 2, state_size: 4, mixer, ...(bidirectional ? { bidirectional } : {}) });
const build = (mixer: MixerKind, bidirectional = true, seed = 3) => createModel(config(mixer, bidirectional), { seed }) as LanguageModel;

test('reverseRows reverses each row up to its last real token and leaves the padding in place; it is its own inverse', () => {
  const order = reverseRows(2, 4, Int32Array.of(1, 3));
  assert.deepEqual(Array.from(order), [1, 0, 2, 3, 7, 6, 5, 4]);
  assert.deepEqual(Array.from(order, (i) => order[i]), [0, 1, 2, 3, 4, 5, 6, 7]);
  assert.deepEqual(Array.from(reverseRows(1, 3)), [2, 1, 0]);
});

/** Reverses the positions of x [L, D] (row-major). */
function reversed(x: Float32Array, L: number, D: number): Float32Array {
  const out = new Float32Array(L * D);
  for (let t = 0; t < L; t++) out.set(x.subarray((L - 1 - t) * D, (L - t) * D), t * D);
  return out;
}

test('a bidirectional block is h + mixer(n) + reverse(mixer_rev(reverse(n))), row by row, whatever the padding around', () => {
  for (const mixer of MIXER_KINDS) {
    const model = build(mixer);
    const D = model.config.hidden_size;
    const rows = [[3, 4, 5, 6, 1], [2, 7, 1]];
    const L = 6;
    const ids = new Int32Array(2 * L); // right-padded with 0
    rows.forEach((r, b) => ids.set(r, b * L));
    const got = model.features(ids, 2, L, Int32Array.from(rows, (r) => r.length - 1)).data;
    rows.forEach((row, b) => {
      // The same layers applied by hand to the row alone: the backwards mixer on the reversed row.
      const n = row.length;
      let h = model.backbone.embeddings.forward(Int32Array.from(row), [1, n]);
      for (const block of model.backbone.layers.items) {
        const x = block.norm.forward(h);
        const fwd = block.mixer.forward(x);
        const back = block.mixer_rev!.forward(new Tensor(reversed(x.data, n, D), [1, n, D]));
        h = add(add(h, fwd), new Tensor(reversed(back.data, n, D), [1, n, D]));
      }
      const expected = model.backbone.norm_f.forward(h).data;
      assertClose(got.subarray(b * L * D, (b * L + n) * D), expected, 1e-5, 1e-4, `${mixer}, row ${b}`);
    });
  }
});

const llama = (bidirectional: boolean) =>
  createModel(modelConfig({ model_type: 'llama', vocab_size: 9, hidden_size: 8, intermediate_size: 16, num_hidden_layers: 2, num_attention_heads: 2, tie_word_embeddings: true, bidirectional }), { seed: 3 }) as TransformerLM;

test('every position of a bidirectional model reads the tokens after it; a causal one does not', () => {
  for (const mixer of [...MIXER_KINDS, 'llama'] as const) {
    for (const bidirectional of [true, false]) {
      const model = mixer === 'llama' ? llama(bidirectional) : build(mixer, bidirectional);
      const D = model.config.hidden_size;
      const first = (ids: number[]) => model.features(Int32Array.from(ids), 1, ids.length).data.subarray(0, D);
      const a = first([3, 4, 5, 6]);
      const b = first([3, 4, 5, 8]);
      const moved = a.some((x, i) => Math.abs(x - b[i]) > 1e-4);
      assert.equal(moved, bidirectional, `${mixer}, bidirectional ${bidirectional}: position 0 ${moved ? 'changed' : 'did not change'} with the last token`);
    }
  }
});

test('config.json keeps "bidirectional": true, leaves it out of a causal config, and refuses it where there is no backwards mixer', () => {
  assert.equal(config('mamba').bidirectional, true);
  assert.ok(!('bidirectional' in config('mamba', false)));
  assert.ok(!('bidirectional' in modelConfig({ vocab_size: 9, hidden_size: 8, num_hidden_layers: 1, bidirectional: false })));
  const back = parseConfig(JSON.parse(JSON.stringify(config('lru'))), 'x/config.json');
  assert.ok(back.model_type === 'mamba' && back.bidirectional === true && back.mixer === 'lru');
  assert.throws(() => parseConfig({ vocab_size: 9, hidden_size: 8, num_hidden_layers: 1, bidirectional: 'yes' }, 'x/config.json'), /x\/config\.json: bidirectional must be true or false, got "yes"/);
  for (const model_type of ['falcon_mamba', 'mamba2']) {
    assert.throws(() => parseConfig({ model_type, vocab_size: 9, hidden_size: 8, num_hidden_layers: 1, bidirectional: true }, 'x/config.json'), new RegExp(`x/config\\.json: bidirectional is available for model_type "mamba" \\(mixers mamba, lru, s4d\\) and "llama", not "${model_type}"`));
  }
  assert.equal(llama(true).config.bidirectional, true);
  assert.ok(!('bidirectional' in llama(false).config));
  assert.throws(() => parseConfig({ model_type: 'llama', vocab_size: 9, hidden_size: 8, intermediate_size: 16, num_hidden_layers: 1, num_attention_heads: 2, bidirectional: 1 }, 'x/config.json'), /x\/config\.json: bidirectional must be true or false, got 1/);
});

test('a bidirectional model refuses next-token logits and generation, naming the key', () => {
  const ids = Int32Array.of(1, 2, 3);
  const said = /bidirectional \(config\.json "bidirectional": true\).*use it as a classifier/;
  const model = build('mamba');
  assert.throws(() => model.forward(ids, 1, 3), said);
  assert.throws(() => model.loss(ids, Int32Array.of(2, 3, -100), 1, 3), said);
  assert.throws(() => model.initState(1), said);
  assert.throws(() => model.step(Int32Array.of(1), { layers: [] }), said);
  assert.throws(() => model.prefill(ids, 1, 3, { layers: [] }), said);
  const transformer = llama(true);
  assert.throws(() => transformer.forward(ids, 1, 3), said);
  assert.throws(() => transformer.initState(1), said);
  assert.throws(() => transformer.step(Int32Array.of(1), llama(false).initState(1)), said);
  assert.throws(() => transformer.prefill(ids, 1, 3, llama(false).initState(1)), said);
});
