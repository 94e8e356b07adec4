// Batched steps: concurrent clients advance together and each gets what it gets alone; a client
// that disconnects frees its slot; past the limits a 429 (503 when closing) and the server goes on.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { tinyModelFolder } from './fixture.js';
import { serve } from '../../src/serve/index.js';

const folder = tinyModelFolder();
test.after(() => folder.remove());

test('32 concurrent greedy clients get the same text as each alone (cache off: every prompt runs)', async () => {
  const server = await serve(folder.dir, { port: 0, cacheBytes: 0, maxBatch: 32 });
  const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  try {
    const ask = (i: number) =>
      client.completions.create({ model: 'tiny', prompt: `client ${i}: ${'x'.repeat(i % 7)}`, max_tokens: 6 + (i % 9), temperature: 0 }).then((c) => c.choices[0].text);
    const alone: string[] = [];
    for (let i = 0; i < 32; i++) alone.push(await ask(i));
    const stepsBefore = server.scheduler.counters.steps;
    const together = await Promise.all(Array.from({ length: 32 }, (_, i) => ask(i)));
    assert.deepEqual(together, alone);
    const tokens = Array.from({ length: 32 }, (_, i) => 6 + (i % 9)).reduce((a, b) => a + b, 0);
    const steps = server.scheduler.counters.steps - stepsBefore;
    assert.ok(steps < tokens / 2, `${steps} steps for ${tokens} tokens: the clients were not batched`);
  } finally {
    await server.close();
  }
});

test('a client that disconnects mid-stream frees its slot at once', async () => {
  const server = await serve(folder.dir, { port: 0, maxTokens: 1_000_000 });
  const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  try {
    const stream = await client.completions.create({ model: 'tiny', prompt: 'forever', max_tokens: 1_000_000, temperature: 0, stream: true });
    let chunks = 0;
    for await (const _ of stream) if (++chunks === 3) break; // leaving the loop aborts the request
    const t0 = Date.now();
    while (server.scheduler.running > 0 && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 5));
    assert.equal(server.scheduler.running, 0);
    assert.ok(server.scheduler.counters.generated < 1_000_000);
    const c = await client.completions.create({ model: 'tiny', prompt: 'next', max_tokens: 2 });
    assert.equal(c.choices[0].text.length > 0 || c.usage!.completion_tokens === 2, true);
  } finally {
    await server.close();
  }
});

test('a client that gives up on a whole (not streamed) response frees its slot too', async () => {
  const server = await serve(folder.dir, { port: 0, maxTokens: 1_000_000 });
  try {
    const abort = new AbortController();
    const req = fetch(`${server.url}/v1/completions`, { method: 'POST', body: JSON.stringify({ model: 'tiny', prompt: 'long', max_tokens: 1_000_000 }), signal: abort.signal });
    const t0 = Date.now();
    while (server.scheduler.counters.generated < 5 && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 5));
    abort.abort();
    await assert.rejects(req);
    while (server.scheduler.running > 0 && Date.now() - t0 < 10000) await new Promise((r) => setTimeout(r, 5));
    assert.equal(server.scheduler.running, 0);
  } finally {
    await server.close();
  }
});

test('past the concurrent sequences and the queue: 429 with Retry-After, and the server keeps serving', async () => {
  const server = await serve(folder.dir, { port: 0, maxBatch: 1, maxQueue: 1, maxTokens: 100_000 });
  const body = (max: number) => JSON.stringify({ model: 'tiny', prompt: 'busy', max_tokens: max, temperature: 0 });
  const post = (max: number) => fetch(`${server.url}/v1/completions`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: body(max) });
  try {
    const first = post(3000);
    const second = post(3000);
    await new Promise((r) => setTimeout(r, 20));
    const third = await post(5);
    assert.equal(third.status, 429);
    assert.equal(third.headers.get('retry-after'), '1');
    assert.equal(((await third.json()) as { error: { code: string } }).error.code, 'queue_full');
    assert.equal((await first).status, 200);
    assert.equal((await second).status, 200);
    assert.equal((await post(5)).status, 200);
    server.scheduler.close();
    const closing = await post(5);
    assert.equal(closing.status, 503);
    assert.ok(closing.headers.get('retry-after'));
  } finally {
    await server.close();
  }
});

test('a prompt longer than the limit is a 400 (context_length_exceeded)', async () => {
  const server = await serve(folder.dir, { port: 0, maxPromptTokens: 8 });
  try {
    const res = await fetch(`${server.url}/v1/completions`, { method: 'POST', body: JSON.stringify({ model: 'tiny', prompt: 'nine char' }) });
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'context_length_exceeded');
  } finally {
    await server.close();
  }
});
