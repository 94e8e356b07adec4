// The server through the official `openai` npm client on loopback, with a tiny random model:
// completions and chat, streaming and not, options, errors in OpenAI's shape.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { tinyModelFolder } from './fixture.js';
import { serve, type RunningServer } from '../../src/serve/index.js';

const folder = tinyModelFolder();
let server: RunningServer;
let client: OpenAI;
test.before(async () => {
  server = await serve(folder.dir, { port: 0 });
  client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused', maxRetries: 0 });
});
test.after(async () => {
  await server.close();
  folder.remove();
});

const post = (path: string, body: string) => fetch(`${server.url}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });

test('GET /v1/models lists the folder name; /health answers ok', async () => {
  const models = await client.models.list();
  assert.deepEqual(models.data.map((m) => m.id), ['tiny']);
  assert.equal((await client.models.retrieve('tiny')).id, 'tiny');
  const health = (await (await fetch(`${server.url}/health`)).json()) as { status: string };
  assert.equal(health.status, 'ok');
});

test('a completion returns max_tokens tokens (default 16), finish_reason length and usage', async () => {
  const c = await client.completions.create({ model: 'tiny', prompt: 'Call me Ishmael.', temperature: 0 });
  assert.equal(c.object, 'text_completion');
  assert.equal(c.choices.length, 1);
  assert.equal(c.choices[0].finish_reason, 'length');
  assert.equal(c.usage!.prompt_tokens, 16);
  assert.equal(c.usage!.completion_tokens, 16);
  assert.equal(c.usage!.total_tokens, 32);
});

test('a streamed completion has the same text as the whole one, then [DONE], and usage when asked', async () => {
  const whole = await client.completions.create({ model: 'tiny', prompt: 'The whale', max_tokens: 12, temperature: 0 });
  const stream = await client.completions.create({ model: 'tiny', prompt: 'The whale', max_tokens: 12, temperature: 0, stream: true, stream_options: { include_usage: true } });
  let text = '';
  let reason: string | null = null;
  let usage = null;
  for await (const chunk of stream) {
    assert.equal(chunk.object, 'text_completion');
    if (chunk.choices.length) {
      text += chunk.choices[0].text;
      reason = chunk.choices[0].finish_reason ?? reason;
    }
    if (chunk.usage) usage = chunk.usage;
  }
  assert.equal(text, whole.choices[0].text);
  assert.equal(reason, 'length');
  assert.equal(usage!.completion_tokens, 12);
  const raw = await (await post('/v1/completions', JSON.stringify({ model: 'tiny', prompt: 'x', max_tokens: 2, stream: true }))).text();
  assert.ok(raw.startsWith('data: {'), raw);
  assert.ok(raw.endsWith('data: [DONE]\n\n'), raw);
});

test('chat renders the messages (default ChatML template) and answers as the assistant, streamed or not', async () => {
  const messages = [{ role: 'system' as const, content: 'Be brief.' }, { role: 'user' as const, content: 'Hello?' }];
  const whole = await client.chat.completions.create({ model: 'tiny', messages, max_tokens: 10, temperature: 0 });
  assert.equal(whole.object, 'chat.completion');
  assert.equal(whole.choices[0].message.role, 'assistant');
  const rendered = '<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHello?<|im_end|>\n<|im_start|>assistant\n';
  assert.equal(whole.usage!.prompt_tokens, rendered.length);
  const stream = await client.chat.completions.create({ model: 'tiny', messages, max_tokens: 10, temperature: 0, stream: true });
  let text = '';
  let first = true;
  for await (const chunk of stream) {
    assert.equal(chunk.object, 'chat.completion.chunk');
    if (first) assert.equal(chunk.choices[0].delta.role, 'assistant');
    first = false;
    text += chunk.choices[0].delta.content ?? '';
  }
  assert.equal(text, whole.choices[0].message.content);
});

test('stop ends the text before the stop sequence with finish_reason stop', async () => {
  const base = await client.completions.create({ model: 'tiny', prompt: [[65, 66, 67]], max_tokens: 12, temperature: 0 });
  const text = base.choices[0].text;
  const stop = text.slice(4, 6);
  const cut = text.indexOf(stop);
  const c = await client.completions.create({ model: 'tiny', prompt: [[65, 66, 67]], max_tokens: 12, temperature: 0, stop: [stop] });
  assert.equal(c.choices[0].text, text.slice(0, cut));
  assert.equal(c.choices[0].finish_reason, 'stop');
});

test('echo, n and several prompts give one choice per prompt × n, indexed in order', async () => {
  const c = await client.completions.create({ model: 'tiny', prompt: ['ab', 'cd'], n: 2, max_tokens: 3, echo: true, seed: 5 });
  assert.deepEqual(c.choices.map((x) => x.index), [0, 1, 2, 3]);
  assert.ok(c.choices[0].text.startsWith('ab') && c.choices[3].text.startsWith('cd'));
  assert.equal(c.usage!.prompt_tokens, 4);
  assert.equal(c.usage!.completion_tokens, 12);
});

test('the same seed gives the same sample; logit_bias −100 bans a token', async () => {
  const ask = (seed: number) => client.completions.create({ model: 'tiny', prompt: 'seed', max_tokens: 8, seed, temperature: 1.5 });
  assert.equal((await ask(3)).choices[0].text, (await ask(3)).choices[0].text);
  const greedy = await client.completions.create({ model: 'tiny', prompt: [[1, 2]], max_tokens: 1, temperature: 0 });
  const banned = server.served.tokenizer.encode(greedy.choices[0].text)[0];
  const c = await client.completions.create({ model: 'tiny', prompt: [[1, 2]], max_tokens: 1, temperature: 0, logit_bias: { [banned]: -100 } });
  assert.notEqual(server.served.tokenizer.encode(c.choices[0].text)[0], banned);
});

test('an unknown model is a 404 in OpenAI shape', async () => {
  await assert.rejects(client.completions.create({ model: 'gpt-4', prompt: 'x' }), (err: unknown) => {
    assert.ok(err instanceof OpenAI.NotFoundError);
    assert.equal((err.error as { code: string }).code, 'model_not_found');
    return true;
  });
});

test('malformed JSON, wrong types, out-of-range values and unknown fields are 400s in OpenAI shape', async () => {
  const cases: [string, string | null][] = [
    ['{"model": "tiny", "prompt": ', null],
    ['[1, 2]', null],
    ['{"model": "tiny", "prompt": "x", "max_tokens": "ten"}', 'max_tokens'],
    ['{"model": "tiny", "prompt": "x", "temperature": -1}', 'temperature'],
    ['{"model": "tiny", "prompt": "x", "top_p": 2}', 'top_p'],
    ['{"model": "tiny", "prompt": "x", "frobnicate": true}', 'frobnicate'],
    ['{"model": "tiny", "prompt": [96]}', 'prompt'],
    ['{"model": "tiny", "prompt": ""}', 'prompt'],
  ];
  for (const [body, param] of cases) {
    const res = await post('/v1/completions', body);
    assert.equal(res.status, 400, body);
    const json = (await res.json()) as { error: { message: string; type: string; param: string | null } };
    assert.equal(json.error.type, 'invalid_request_error', body);
    assert.equal(json.error.param, param, body);
    assert.equal(typeof json.error.message, 'string');
  }
  await assert.rejects(client.chat.completions.create({ model: 'tiny', messages: [{ role: 'user', content: 'x' }], temperature: 9 }), OpenAI.BadRequestError);
  assert.equal((await fetch(`${server.url}/v1/nothing`)).status, 404);
});
