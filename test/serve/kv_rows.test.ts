// Moving sequences in and out of a KV cache: a sequence's part is its own length of keys and
// values, so rows of different lengths move, read back and step as each sequence alone.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TransformerLM } from '../../src/models/transformer.js';
import { llamaConfig } from '../../src/models/llama_config.js';
import { KVRows } from '../../src/serve/kv_rows.js';
import { noGrad } from '../../src/autograd/tape.js';
import { assertClose } from '../helpers.js';

const model = new TransformerLM(llamaConfig({ vocab_size: 11, hidden_size: 16, intermediate_size: 24, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2 }), { seed: 5 });
const rows = new KVRows(2, 2, 4);

test('rows of three sequences of different lengths moved into a batch step as each sequence alone', () => {
  const prompts = [[1, 2, 3], [4], [5, 6, 7, 8, 9, 10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 1, 2, 3]]; // 19 tokens: the batch grows past 16 rows
  const singles = prompts.map((p) => {
    const s = model.initState(1);
    noGrad(() => model.forward(Int32Array.from(p), 1, p.length, s));
    return s;
  });
  const batch = model.initState(5);
  singles.forEach((s, i) => rows.move(s, 0, batch, 2 - i));
  assert.deepEqual(Array.from(batch.lengths), [19, 1, 3, 0, 0]);
  assert.deepEqual(rows.read(batch, 0).map((a) => a.length), [19 * 8, 19 * 8, 19 * 8, 19 * 8]);
  assert.equal(rows.rowBytes(batch, 0), 2 * 2 * 19 * 8 * 4);
  const next = [10, 0, 4];
  const batched = model.step(Int32Array.from(next.slice().reverse()), rows.view(batch, 3)).data; // [3, V]
  singles.forEach((s, i) => {
    const alone = model.step(Int32Array.of(next[i]), s).data;
    assertClose(batched.subarray((2 - i) * 11, (3 - i) * 11), alone, 1e-5, 1e-5, `logits of sequence ${i}`);
    rows.read(s, 0).forEach((a, j) => assertClose(rows.read(batch, 2 - i)[j], a, 1e-6, 1e-6, `${rows.names()[j]} of sequence ${i}`));
  });
  rows.move(batch, 2, batch, 0); // the last row over a leaving one
  rows.clear(batch, 2);
  assert.deepEqual(Array.from(batch.lengths), [4, 2, 0, 0, 0]);
});

test('a written state reads back, and a state of the wrong layout is named', () => {
  const cache = model.initState(2);
  const seq = rows.names().map((_, j) => Float32Array.from({ length: 3 * 8 }, (_, i) => i + 100 * j));
  rows.write(cache, 1, seq);
  assert.deepEqual(rows.read(cache, 1), seq);
  assert.equal(rows.check(seq), null);
  assert.match(rows.check(seq.slice(1))!, /needs 4 tensors \(layers\.0\.k … layers\.1\.v\), got 3/);
  assert.match(rows.check([new Float32Array(5), ...seq.slice(1)])!, /layers\.0\.k has 5 floats, not a whole number of tokens of 8/);
  assert.match(rows.check([...seq.slice(0, 3), new Float32Array(16)])!, /layers\.1\.v has 16 floats, layers\.0\.k 24/);
});
