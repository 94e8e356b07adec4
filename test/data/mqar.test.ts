// Multi-query associative recall: every asked key is answered with the value it was paired with,
// keys are distinct, only the answers are targets, and a seed gives the same batch.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { multiQueryRecall } from '../../src/data/mqar.js';
import { IGNORE_INDEX } from '../../src/data/tasks.js';

test('each asked key is answered with the value it was paired with, only answers are targets, and no answer is an input', () => {
  const P = 8;
  const b = multiQueryRecall({ pairs: P, batch: 3, seed: 5 });
  assert.equal(b.length, 4 * P);
  assert.equal(b.vocabSize, 65, '32 keys, 32 values and the filler');
  for (let r = 0; r < 3; r++) {
    const row = b.inputs.subarray(r * 4 * P, (r + 1) * 4 * P);
    const tgt = b.targets.subarray(r * 4 * P, (r + 1) * 4 * P);
    const pairs = new Map<number, number>();
    for (let i = 0; i < P; i++) pairs.set(row[2 * i], row[2 * i + 1]);
    assert.equal(pairs.size, P, 'keys are distinct');
    const asked = new Set<number>();
    for (let t = 0; t < 4 * P; t++) {
      const isQuery = t >= 2 * P && (t - 2 * P) % 2 === 0;
      if (!isQuery) {
        assert.equal(tgt[t], IGNORE_INDEX);
        continue;
      }
      assert.equal(tgt[t], pairs.get(row[t]), `the answer to key ${row[t]}`);
      assert.equal(row[t + 1], 64, 'the filler follows a query: no answer is ever an input');
      asked.add(row[t]);
    }
    assert.equal(asked.size, P, 'every key is asked once');
    for (const [k, v] of pairs) assert.ok(k < 32 && v >= 32 && v < 64);
  }
  assert.deepEqual(multiQueryRecall({ pairs: P, batch: 3, seed: 5 }), b, 'the same seed, the same batch');
});

test('multiQueryRecall refuses fewer keys than pairs, naming the option', () => {
  assert.throws(() => multiQueryRecall({ pairs: 8, keys: 4, seed: 0 }), /keys must be an integer ≥ 8 \(the pairs need distinct keys\), got 4/);
});
