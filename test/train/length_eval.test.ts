// Evaluation at lengths far beyond training: through the generation state chunk by chunk, in
// constant memory for the recurrent models (the state's bytes do not depend on the length), the
// same answers whether the state advances by the per-token step or by chunks, and a Transformer's
// KV cache refused, with the reason, when it would pass the limit.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createModel } from '../../src/models/create.js';
import { modelConfig } from '../../src/models/config.js';
import { makeTask } from '../../src/data/tasks.js';
import { evaluateAtLength, evaluateLengths, LengthEvalOptions } from '../../src/train/length_eval.js';

const opts: LengthEvalOptions = { sequences: 2, batch: 2, chunk: 4096, seed: 0, maxStateBytes: 2 ** 30, maxSeconds: 600 };
const inductionAt = (length: number) => makeTask('induction-heads', { length });

function tinyMamba(mixer: 'mamba' | 's4d' | 'lru' = 'mamba') {
  return createModel(modelConfig({ vocab_size: 16, hidden_size: 8, num_hidden_layers: 2, state_size: 4, mixer }), { seed: 1 });
}

test('induction heads at L 2^16 on a tiny Mamba runs in seconds, its state as small as at L 64', () => {
  const model = tinyMamba();
  const t0 = performance.now();
  const [short, long] = evaluateLengths(model, inductionAt, [64, 2 ** 16], opts);
  const seconds = (performance.now() - t0) / 1000;
  assert.ok(seconds < 20, `${seconds.toFixed(1)} s`);
  assert.equal(long.status, 'ok');
  assert.equal(long.length, 65536);
  assert.equal(long.answers, 2, 'one answer per induction-heads sequence');
  assert.ok(Number.isFinite(long.loss) && long.accuracy >= 0 && long.accuracy <= 1);
  // 2 layers × B 2 × E 16 × (N 4 state + K−1 = 3 conv) floats (+ the scan's A): independent of L.
  assert.ok(long.stateBytes > 0 && long.stateBytes < 4096, `state ${long.stateBytes} bytes`);
  assert.equal(long.stateBytes, short.stateBytes, 'the state does not grow with the sequence');
});

test('chunked evaluation gives the per-token step\'s accuracy and loss, for every recurrent mixer and attention', () => {
  const models = [tinyMamba('mamba'), tinyMamba('s4d'), tinyMamba('lru'),
    createModel(modelConfig({ model_type: 'llama', vocab_size: 16, hidden_size: 8, intermediate_size: 16, num_hidden_layers: 2, num_attention_heads: 2, tie_word_embeddings: true }), { seed: 1 })];
  for (const model of models) {
    const task = makeTask('selective-copying', { length: 40, numData: 4 });
    const step = evaluateAtLength(model, task, { ...opts, sequences: 3, chunk: 1 });
    const chunked = evaluateAtLength(model, task, { ...opts, sequences: 3, chunk: 7 });
    const whole = evaluateAtLength(model, task, { ...opts, sequences: 3, chunk: 40 });
    assert.equal(step.answers, 12);
    for (const r of [chunked, whole]) {
      assert.equal(r.accuracy, step.accuracy);
      // f32 sums in another order (scan kernel vs step): agreement to 1e-4 nats.
      assert.ok(Math.abs(r.loss - step.loss) < 1e-4, `${model.config.model_type}: loss ${r.loss} vs step ${step.loss}`);
    }
  }
});

test('a Transformer is evaluated until its KV cache would pass the limit; longer lengths are skipped with the reason', () => {
  const model = createModel(modelConfig({ model_type: 'llama', vocab_size: 16, hidden_size: 8, intermediate_size: 16, num_hidden_layers: 2, num_attention_heads: 2 }), { seed: 1 });
  // KV cache: 2 (K, V) × 2 layers × B 2 × L × 8 floats × 4 bytes = 256·L bytes; limit 64 KiB → L ≤ 256.
  const seen: number[] = [];
  const rs = evaluateLengths(model, inductionAt, [128, 256, 512], { ...opts, maxStateBytes: 64 * 1024 }, (r) => seen.push(r.length));
  assert.deepEqual(seen, [128, 256, 512]);
  assert.deepEqual(rs.map((r) => r.status), ['ok', 'ok', 'memory']);
  assert.equal(rs[1].stateBytes, 256 * 256);
  assert.match(rs[2].note!, /its KV cache would hold 0\.1 MiB, above the limit of 0\.1 MiB/);
  assert.ok(Number.isNaN(rs[2].accuracy));
});

test('a length whose predicted time passes the limit is skipped (quadratic growth for attention)', () => {
  const model = createModel(modelConfig({ model_type: 'llama', vocab_size: 16, hidden_size: 8, intermediate_size: 16, num_hidden_layers: 1, num_attention_heads: 2 }), { seed: 1 });
  const rs = evaluateLengths(model, inductionAt, [64, 2 ** 20], { ...opts, maxSeconds: 1 });
  assert.equal(rs[0].status, 'ok');
  assert.equal(rs[1].status, 'time');
  assert.match(rs[1].note!, /predicted \d+ s from L 64, above the limit of 1 s/);
});

test('the time prediction counts the tokens evaluated: fewer sequences at a longer length predict the same time', () => {
  const model = tinyMamba();
  const seen: number[] = [];
  // 8 × 256 tokens, then 2 × 1024: the same tokens, so the same predicted time, under a limit of 3× the first length's.
  const rs = evaluateLengths(model, inductionAt, [256, 1024], { ...opts, sequences: (L) => 2048 / L, maxSeconds: 1e9 }, (r) => seen.push(r.sequences));
  assert.deepEqual(seen, [8, 2]);
  const limited = evaluateLengths(model, inductionAt, [256, 1024], { ...opts, sequences: (L) => 2048 / L, maxSeconds: 3 * rs[0].seconds + 0.05 });
  assert.equal(limited[1].status, 'ok', limited[1].note);
});
