// The recurrent-state cache through the server: a chat turn that extends a cached conversation
// runs only its new tokens and gives exactly the tokens of a cold run (greedy), for a Mamba and
// for a Transformer++ (whose cached state is its KV cache prefix); the cache stays under its
// byte bound; a conversation's state saved to disk serves a new server.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { tinyModelFolder } from './fixture.js';
import { StateLayout } from '../../src/serve/batch_state.js';
import { serve, type RunningServer } from '../../src/serve/index.js';

const folder = tinyModelFolder();
const transformer = tinyModelFolder({ arch: 'transformer' });
const stateDir = mkdtempSync(join(tmpdir(), 'mamba-ts-states-'));
test.after(() => {
  folder.remove();
  transformer.remove();
  rmSync(stateDir, { recursive: true, force: true });
});

const clientOf = (s: RunningServer) => new OpenAI({ baseURL: `${s.url}/v1`, apiKey: 'unused', maxRetries: 0 });
type Msg = { role: 'user' | 'assistant'; content: string };

async function chat(client: OpenAI, messages: Msg[]): Promise<{ text: string; cached: number; prompt: number }> {
  const c = await client.chat.completions.create({ model: 'tiny', messages, max_tokens: 20, temperature: 0 });
  return { text: c.choices[0].message.content!, cached: c.usage!.prompt_tokens_details!.cached_tokens!, prompt: c.usage!.prompt_tokens };
}

for (const [arch, dir] of [['mamba', folder.dir], ['transformer', transformer.dir]]) {
  test(`a second chat turn of a ${arch} continues from the cached state and equals a cold run`, async () => {
    const warm = await serve(dir, { port: 0, stateDir });
    const cold = await serve(dir, { port: 0, cacheBytes: 0 });
    try {
      const turn1: Msg[] = [{ role: 'user', content: 'Tell me of the white whale.' }];
      const a1 = await chat(clientOf(warm), turn1);
      assert.equal(a1.cached, 0);
      const turn2: Msg[] = [...turn1, { role: 'assistant', content: a1.text }, { role: 'user', content: 'And then?' }];
      const warm2 = await chat(clientOf(warm), turn2);
      const cold2 = await chat(clientOf(cold), turn2);
      assert.ok(warm2.cached > a1.prompt, `cached ${warm2.cached} tokens, the first turn's prompt had ${a1.prompt}`);
      assert.equal(cold2.cached, 0);
      assert.equal(warm2.text, cold2.text);

      // Saved to disk, the conversation's state serves a fresh server.
      const turn3: Msg[] = [...turn2, { role: 'assistant', content: warm2.text }, { role: 'user', content: 'Why?' }];
      const saved = (await (await fetch(`${warm.url}/v1/states/save`, { method: 'POST', body: JSON.stringify({ name: `ahab-${arch}`, messages: turn3 }) })).json()) as { tokens: number };
      assert.ok(saved.tokens > warm2.prompt, JSON.stringify(saved));
      const cold3 = await chat(clientOf(cold), turn3);
      const fresh = await serve(dir, { port: 0, stateDir });
      try {
        const loaded = (await (await fetch(`${fresh.url}/v1/states/load`, { method: 'POST', body: JSON.stringify({ name: `ahab-${arch}` }) })).json()) as { tokens: number };
        assert.equal(loaded.tokens, saved.tokens);
        const restored = await chat(clientOf(fresh), turn3);
        assert.equal(restored.cached, saved.tokens);
        assert.equal(restored.text, cold3.text);
        const missing = await fetch(`${fresh.url}/v1/states/load`, { method: 'POST', body: JSON.stringify({ name: '../etc' }) });
        assert.equal(missing.status, 400);
      } finally {
        await fresh.close();
      }
    } finally {
      await warm.close();
      await cold.close();
    }
  });
}

test('a completion extending a cached prompt processes only its new tokens', async () => {
  const s = await serve(folder.dir, { port: 0 });
  try {
    const client = clientOf(s);
    await client.completions.create({ model: 'tiny', prompt: 'It is a way I have', max_tokens: 1 });
    const before = s.scheduler.counters.prefilled;
    const c = await client.completions.create({ model: 'tiny', prompt: 'It is a way I have of driving off the spleen', max_tokens: 1 });
    assert.equal(c.usage!.prompt_tokens_details!.cached_tokens, 18);
    assert.equal(s.scheduler.counters.prefilled - before, 44 - 18);
  } finally {
    await s.close();
  }
});

test('the cache stays under its byte bound, dropping the least recently used states', async () => {
  const probe = await serve(folder.dir, { port: 0 });
  const perEntry = 4 * ((probe.scheduler.layout as StateLayout).rowFloats + probe.served.model.config.vocab_size + 20);
  await probe.close();
  const s = await serve(folder.dir, { port: 0, cacheBytes: 3 * perEntry });
  try {
    const client = clientOf(s);
    for (let i = 0; i < 6; i++) await client.completions.create({ model: 'tiny', prompt: `prompt number ${i}`, max_tokens: 1 });
    const cache = s.scheduler.cache;
    assert.ok(cache.bytes <= cache.maxBytes, `${cache.bytes} > ${cache.maxBytes}`);
    assert.ok(cache.size >= 2 && cache.size <= 3, `${cache.size} entries`);
    assert.equal(cache.has(s.served.tokenizer.encode('prompt number 5')), true);
    assert.equal(cache.has(s.served.tokenizer.encode('prompt number 0')), false);
  } finally {
    await s.close();
  }
});
