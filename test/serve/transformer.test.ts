// A Transformer++ (Llama) folder behind the server, its KV cache per sequence moved in and out of
// the batch like a recurrent state: the official openai client, completions and chat, streamed
// and not; concurrent greedy clients get what each gets alone (both architectures); the cache's
// byte bound over KV cache prefixes; the state bytes in /health. (A chat turn continued from the
// cached KV cache prefix equals a cold run: state_cache_server.test.ts.)

import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { tinyModelFolder } from './fixture.js';
import { serve, type RunningServer } from '../../src/serve/index.js';
import { KVRows } from '../../src/serve/kv_rows.js';

const folder = tinyModelFolder({ arch: 'transformer' });
test.after(() => folder.remove());

const clientOf = (s: RunningServer) => new OpenAI({ baseURL: `${s.url}/v1`, apiKey: 'unused', maxRetries: 0 });

test('the openai client gets completions and chats from a Transformer++ folder, streamed equal to whole', async () => {
  const s = await serve(folder.dir, { port: 0 });
  const client = clientOf(s);
  try {
    assert.ok(s.scheduler.layout instanceof KVRows);
    const whole = await client.completions.create({ model: 'tiny', prompt: 'Call me Ishmael.', max_tokens: 12, temperature: 0 });
    assert.equal(whole.usage!.completion_tokens, 12);
    assert.equal(whole.choices[0].finish_reason, 'length');
    let streamed = '';
    for await (const chunk of await client.completions.create({ model: 'tiny', prompt: 'Call me Ishmael.', max_tokens: 12, temperature: 0, stream: true })) streamed += chunk.choices[0]?.text ?? '';
    assert.equal(streamed, whole.choices[0].text);

    const messages: { role: 'user'; content: string }[] = [{ role: 'user', content: 'Where is the whale?' }];
    const chat = await client.chat.completions.create({ model: 'tiny', messages, max_tokens: 10, temperature: 0 });
    assert.equal(chat.object, 'chat.completion');
    let deltas = '';
    for await (const chunk of await client.chat.completions.create({ model: 'tiny', messages, max_tokens: 10, temperature: 0, stream: true })) deltas += chunk.choices[0]?.delta?.content ?? '';
    assert.equal(deltas, chat.choices[0].message.content);
  } finally {
    await s.close();
  }
});

for (const arch of ['transformer', 'mamba'] as const) {
  test(`16 concurrent greedy clients of a ${arch} get the same text as each alone`, async () => {
    const f = arch === 'transformer' ? folder : tinyModelFolder();
    const s = await serve(f.dir, { port: 0, cacheBytes: 0, maxBatch: 16 });
    const client = clientOf(s);
    try {
      // Prompts of 12 to 40 characters: sequences at different lengths in every step and prefill pass.
      const ask = (i: number) =>
        client.completions.create({ model: 'tiny', prompt: `client ${i}: ${'abc'.repeat(i % 10)}`, max_tokens: 5 + (i % 7), temperature: 0 }).then((c) => c.choices[0].text);
      const alone: string[] = [];
      for (let i = 0; i < 16; i++) alone.push(await ask(i));
      const steps = s.scheduler.counters.steps;
      const together = await Promise.all(Array.from({ length: 16 }, (_, i) => ask(i)));
      assert.deepEqual(together, alone);
      assert.ok(s.scheduler.counters.steps - steps < 16 * 5, `${s.scheduler.counters.steps - steps} steps: the clients were not batched`);
    } finally {
      await s.close();
      if (f !== folder) f.remove();
    }
  });
}

test('KV cache prefixes are bounded by bytes like recurrent states: a long prompt costs more and goes first', async () => {
  // One token of this model's KV cache: 2 layers · (k, v) · 2 kv heads · 8 dims · 4 bytes = 256 bytes.
  const s = await serve(folder.dir, { port: 0, cacheBytes: 40_000 });
  try {
    const client = clientOf(s);
    for (const prompt of ['a'.repeat(100), 'b'.repeat(20), 'c'.repeat(20), 'd'.repeat(20)]) await client.completions.create({ model: 'tiny', prompt, max_tokens: 1 });
    const cache = s.scheduler.cache;
    assert.ok(cache.bytes <= cache.maxBytes, `${cache.bytes} > ${cache.maxBytes}`);
    assert.equal(cache.has(s.served.tokenizer.encode('a'.repeat(100))), false);
    assert.equal(cache.has(s.served.tokenizer.encode('d'.repeat(20))), true);
  } finally {
    await s.close();
  }
});

test('/health reports the state bytes the running sequences hold and the bytes allocated for them', async () => {
  const s = await serve(folder.dir, { port: 0 });
  try {
    const stream = await clientOf(s).completions.create({ model: 'tiny', prompt: 'x'.repeat(50), max_tokens: 4000, temperature: 0, stream: true });
    let n = 0;
    let health: { state: { bytes: number; allocated_bytes: number; sequences: number } } | null = null;
    for await (const _ of stream) {
      if (++n === 3) health = (await (await fetch(`${s.url}/health`)).json()) as typeof health;
      if (n === 4) break;
    }
    assert.equal(health!.state.sequences, 1);
    // 50 prompt tokens and a few generated, 256 bytes each.
    assert.ok(health!.state.bytes >= 50 * 256 && health!.state.bytes < 70 * 256, JSON.stringify(health!.state));
    assert.ok(health!.state.allocated_bytes >= health!.state.bytes, JSON.stringify(health!.state)); // rows with room to grow
  } finally {
    await s.close();
  }
});
