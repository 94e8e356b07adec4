// TransformerLM: Hugging Face LlamaForCausalLM names and shapes, the KV cache (step by step and
// chunked prefill against one full forward), its size, and a training step that learns.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TransformerLM } from '../../src/models/transformer.js';
import { llamaConfig, type LlamaConfigInput } from '../../src/models/llama_config.js';
import { createModel } from '../../src/models/create.js';
import { backward, noGrad } from '../../src/autograd/tape.js';
import { Rng } from '../../src/tensor/random.js';
import { assertClose } from '../helpers.js';

const tiny: LlamaConfigInput = { vocab_size: 11, hidden_size: 16, intermediate_size: 24, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2 };

function ids(n: number, V: number, seed: number): Int32Array {
  const r = new Rng(seed);
  return Int32Array.from({ length: n }, () => Math.floor(r.next() * V));
}

test('a Transformer++ has exactly the Hugging Face LlamaForCausalLM tensor names and shapes', () => {
  const m = new TransformerLM(llamaConfig(tiny));
  const names = new Map([...m.weights()].map(([n, t]) => [n, t.shape.join('x')]));
  const expected = new Map([
    ['model.embed_tokens.weight', '11x16'], ['model.norm.weight', '16'], ['lm_head.weight', '11x16'],
  ]);
  for (let i = 0; i < 2; i++) {
    const p = `model.layers.${i}.`;
    expected.set(`${p}input_layernorm.weight`, '16').set(`${p}post_attention_layernorm.weight`, '16');
    expected.set(`${p}self_attn.q_proj.weight`, '16x16').set(`${p}self_attn.k_proj.weight`, '8x16');
    expected.set(`${p}self_attn.v_proj.weight`, '8x16').set(`${p}self_attn.o_proj.weight`, '16x16');
    expected.set(`${p}mlp.gate_proj.weight`, '24x16').set(`${p}mlp.up_proj.weight`, '24x16').set(`${p}mlp.down_proj.weight`, '16x24');
  }
  assert.deepEqual(new Map([...names].sort()), new Map([...expected].sort()));
  const tied = new TransformerLM(llamaConfig({ ...tiny, tie_word_embeddings: true }));
  assert.ok(!tied.weights().has('lm_head.weight'), 'a tied head is not saved');
});

test('initialisation: N(0, 0.02) weights, o_proj and down_proj scaled by 1/sqrt(2·layers), norms 1', () => {
  const m = new TransformerLM(llamaConfig({ ...tiny, hidden_size: 64, intermediate_size: 128, num_attention_heads: 4, num_key_value_heads: 4 }), { seed: 3 });
  const std = (a: Float32Array) => Math.sqrt(a.reduce((s, x) => s + x * x, 0) / a.length);
  const w = m.weights();
  // 4096+ draws: the sample std is within a few percent of the true one.
  assert.ok(Math.abs(std(w.get('model.layers.0.self_attn.q_proj.weight')!.data) / 0.02 - 1) < 0.05);
  assert.ok(Math.abs(std(w.get('model.layers.1.mlp.down_proj.weight')!.data) / (0.02 / 2) - 1) < 0.05);
  assert.ok(Math.abs(std(w.get('model.layers.1.self_attn.o_proj.weight')!.data) / (0.02 / 2) - 1) < 0.05);
  assert.ok(w.get('model.norm.weight')!.data.every((x) => x === 1));
});

test('createModel builds a Transformer++ from a config with model_type "llama"', () => {
  const m = createModel({ ...tiny, model_type: 'llama', tie_word_embeddings: false } as never);
  assert.ok(m instanceof TransformerLM);
});

test('generation step by step with the KV cache gives the logits of the full forward', () => {
  const m = new TransformerLM(llamaConfig(tiny), { seed: 1 });
  const [B, L, V] = [2, 13, 11];
  const x = ids(B * L, V, 2);
  const full = noGrad(() => m.forward(x, B, L)).data.slice(); // [B, L, V]
  const cache = m.initState(B);
  for (let t = 0; t < L; t++) {
    const logits = m.step(Int32Array.from({ length: B }, (_, b) => x[b * L + t]), cache);
    const expected = Float32Array.from({ length: B * V }, (_, i) => full[(Math.floor(i / V) * L + t) * V + (i % V)]);
    assertClose(logits.data, expected, 2e-5, 1e-4, `step ${t}`);
  }
  assert.deepEqual(Array.from(cache.lengths), [L, L]);
  // 2 (k, v) · 2 layers · 2 sequences · 13 tokens · 2 kv heads · 4 dims · 4 bytes
  assert.equal(m.cacheBytes(cache), 2 * 2 * 2 * 13 * 2 * 4 * 4);
});

test('a prefill in chunks leaves the same cache and logits as one prefill', () => {
  const m = new TransformerLM(llamaConfig({ ...tiny, num_key_value_heads: 1 }), { seed: 4 });
  const L = 40, V = 11;
  const x = ids(L, V, 5);
  const one = m.initState(1);
  const whole = m.forward(x, 1, L, one).data.slice();
  const chunked = m.initState(1);
  const parts: Float32Array[] = [];
  for (const [a, b] of [[0, 7], [7, 8], [8, 33], [33, 40]]) parts.push(m.forward(x.subarray(a, b), 1, b - a, chunked).data.slice());
  const joined = new Float32Array(L * V);
  let at = 0;
  for (const p of parts) {
    joined.set(p, at);
    at += p.length;
  }
  assertClose(joined, whole, 2e-5, 1e-4, 'logits');
  const next = Int32Array.of(3);
  assertClose(m.step(next, chunked).data, m.step(next, one).data, 2e-5, 1e-4, 'the next step');
});

test('a batch of sequences at different lengths steps and prefills as each sequence alone', () => {
  const m = new TransformerLM(llamaConfig(tiny), { seed: 9 });
  const V = 11;
  const seqs = [ids(15, V, 10), ids(12, V, 11), ids(7, V, 12)];
  const cache = m.initState(3);
  // Lengths 12, 9 and 4: all three take 4 tokens, the first two 5 more, the first 3 more.
  const rows = (n: number, from: number, to: number) => Int32Array.from({ length: n * (to - from) }, (_, i) => seqs[Math.floor(i / (to - from))][from + (i % (to - from))]);
  m.forward(rows(3, 0, 4), 3, 4, cache);
  m.forward(rows(2, 4, 9), 2, 5, cache.view(2));
  m.forward(rows(1, 9, 12), 1, 3, cache.view(1));
  assert.deepEqual(Array.from(cache.lengths), [12, 9, 4]);
  const alone = (b: number, n: number) => {
    const x = seqs[b].subarray(0, n);
    return noGrad(() => m.forward(x, 1, n)).data.slice((n - 1) * V, n * V); // logits after token n − 1
  };
  const step = m.step(Int32Array.of(seqs[0][12], seqs[1][9], seqs[2][4]), cache).data; // [3, V]
  for (const [b, n] of [[0, 13], [1, 10], [2, 5]]) assertClose(step.subarray(b * V, (b + 1) * V), alone(b, n), 2e-5, 1e-4, `step of sequence ${b}`);
  const prefill = m.prefill(Int32Array.from([13, 14, 10, 11, 5, 6].map((t, i) => seqs[i >> 1][t])), 3, 2, cache).data; // [3, V]
  for (const [b, n] of [[0, 15], [1, 12], [2, 7]]) assertClose(prefill.subarray(b * V, (b + 1) * V), alone(b, n), 2e-5, 1e-4, `prefill of sequence ${b}`);
  assert.deepEqual(Array.from(cache.lengths), [15, 12, 7]);
  assert.equal(m.cacheBytes(cache), 2 * 2 * (15 + 12 + 7) * 2 * 4 * 4);
});

test('a few AdamW-free gradient steps lower the loss of a Transformer++ on a fixed batch', () => {
  const m = new TransformerLM(llamaConfig(tiny), { seed: 7 });
  const [B, L, V] = [2, 9, 11];
  const x = ids(B * L, V, 8);
  const y = Int32Array.from(x, (t) => (t + 1) % V);
  const first = m.loss(x, y, B, L).data[0];
  for (let s = 0; s < 20; s++) {
    m.zeroGrad();
    backward(m.loss(x, y, B, L));
    for (const p of m.parameters()) for (let i = 0; i < p.size; i++) p.data[i] -= 0.5 * p.grad![i];
  }
  const last = m.loss(x, y, B, L).data[0];
  assert.ok(last < first - 0.3, `loss ${first} → ${last}`);
});
