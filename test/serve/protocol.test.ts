// Request validation: OpenAI's defaults, and a 400 naming the field for a wrong type, a value out
// of range, an unknown field or a value this server cannot honour.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseChat, parseCompletion } from '../../src/serve/protocol.js';
import { ApiError } from '../../src/serve/errors.js';

const limits = { maxTokens: 100, maxChoices: 8, chatMaxTokens: 50 };

function rejects(fn: () => unknown, param: string, pattern?: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ApiError, String(err));
    assert.equal(err.status, 400);
    assert.equal(err.param, param);
    assert.equal(err.type, 'invalid_request_error');
    if (pattern) assert.match(err.message, pattern);
    return true;
  });
}

test('a completion request gets OpenAI defaults: max_tokens 16, temperature 1, top_p 1, n 1, no stop', () => {
  const r = parseCompletion({ model: 'm', prompt: 'hi' }, limits);
  assert.deepEqual(r.prompts, ['hi']);
  assert.equal(r.stream, false);
  assert.deepEqual({ ...r.sampling, logitBias: undefined }, {
    maxTokens: 16, temperature: 1, topP: 1, topK: 0, seed: undefined, stop: [], presencePenalty: 0, frequencyPenalty: 0, logitBias: undefined, n: 1,
  });
});

test('prompts are a string, strings, token ids or lists of token ids', () => {
  assert.deepEqual(parseCompletion({ model: 'm', prompt: ['a', 'b'] }, limits).prompts, ['a', 'b']);
  assert.deepEqual(parseCompletion({ model: 'm', prompt: [1, 2] }, limits).prompts, [[1, 2]]);
  assert.deepEqual(parseCompletion({ model: 'm', prompt: [[1], [2, 3]] }, limits).prompts, [[1], [2, 3]]);
  rejects(() => parseCompletion({ model: 'm', prompt: [1, 'a'] }, limits), 'prompt');
  rejects(() => parseCompletion({ model: 'm', prompt: 5 }, limits), 'prompt');
  rejects(() => parseCompletion({ model: 'm' }, limits), 'prompt', /required/);
});

test('null means the default, as in the OpenAI API', () => {
  const r = parseCompletion({ model: 'm', prompt: 'x', max_tokens: null, temperature: null, stop: null, seed: null }, limits);
  assert.equal(r.sampling.maxTokens, 16);
  assert.equal(r.sampling.temperature, 1);
});

test('wrong types name the field', () => {
  rejects(() => parseCompletion({ model: 'm', prompt: 'x', max_tokens: '5' }, limits), 'max_tokens', /integer/);
  rejects(() => parseCompletion({ model: 'm', prompt: 'x', max_tokens: 2.5 }, limits), 'max_tokens');
  rejects(() => parseCompletion({ model: 'm', prompt: 'x', temperature: 'hot' }, limits), 'temperature');
  rejects(() => parseCompletion({ model: 'm', prompt: 'x', stream: 'yes' }, limits), 'stream');
  rejects(() => parseCompletion({ model: 7, prompt: 'x' }, limits), 'model');
  rejects(() => parseCompletion({ model: 'm', prompt: 'x', stop: [1] }, limits), 'stop');
});

test('values out of range name the field and the range', () => {
  rejects(() => parseCompletion({ model: 'm', prompt: 'x', temperature: 2.5 }, limits), 'temperature', /\[0, 2\]/);
  rejects(() => parseCompletion({ model: 'm', prompt: 'x', top_p: 1.5 }, limits), 'top_p');
  rejects(() => parseCompletion({ model: 'm', prompt: 'x', max_tokens: 101 }, limits), 'max_tokens', /\[0, 100\]/);
  rejects(() => parseCompletion({ model: 'm', prompt: 'x', presence_penalty: -3 }, limits), 'presence_penalty');
  rejects(() => parseCompletion({ model: 'm', prompt: 'x', stop: ['a', 'b', 'c', 'd', 'e'] }, limits), 'stop', /at most 4/);
  rejects(() => parseCompletion({ model: 'm', prompt: 'x', logit_bias: { '5': 101 } }, limits), 'logit_bias');
  rejects(() => parseCompletion({ model: 'm', prompt: ['a', 'b', 'c'], n: 3 }, limits), 'n', /choices/);
});

test('unknown fields are refused by name; standard fields we cannot honour too', () => {
  rejects(() => parseCompletion({ model: 'm', prompt: 'x', temprature: 1 }, limits), 'temprature', /unrecognized/);
  rejects(() => parseCompletion({ model: 'm', prompt: 'x', logprobs: 2 }, limits), 'logprobs');
  rejects(() => parseCompletion({ model: 'm', prompt: 'x', suffix: 'end' }, limits), 'suffix');
  rejects(() => parseCompletion({ model: 'm', prompt: 'x', n: 2, best_of: 3 }, limits), 'best_of');
  rejects(() => parseChat({ model: 'm', messages: [{ role: 'user', content: 'x' }], logprobs: true }, limits), 'logprobs');
  rejects(() => parseChat({ model: 'm', messages: [{ role: 'user', content: 'x' }], tools: [{ type: 'function' }] }, limits), 'tools');
  rejects(() => parseChat({ model: 'm', messages: [{ role: 'user', content: 'x' }], response_format: { type: 'json_object' } }, limits), 'response_format');
  rejects(() => parseCompletion({ model: 'm', prompt: 'x', stream_options: { include_usage: true } }, limits), 'stream_options', /stream is true/);
});

test('the standard fields we honour are accepted: echo, n, seed, stop, penalties, logit_bias, user, top_k', () => {
  const r = parseCompletion(
    { model: 'm', prompt: 'x', echo: true, n: 2, best_of: 2, seed: 3, stop: '\n', presence_penalty: 0.5, frequency_penalty: 1, logit_bias: { '7': -100 }, user: 'u', top_k: 5, suffix: null },
    limits,
  );
  assert.equal(r.echo, true);
  assert.equal(r.sampling.n, 2);
  assert.deepEqual(r.sampling.stop, ['\n']);
  assert.equal(r.sampling.logitBias.get(7), -100);
  assert.equal(r.sampling.topK, 5);
});

test('chat messages: roles checked, text parts joined, max_completion_tokens read, the server default otherwise', () => {
  const r = parseChat({ model: 'm', messages: [{ role: 'system', content: 's' }, { role: 'user', content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }] }] }, limits);
  assert.deepEqual(r.messages, [{ role: 'system', content: 's' }, { role: 'user', content: 'ab' }]);
  assert.equal(r.sampling.maxTokens, 50);
  assert.equal(parseChat({ model: 'm', messages: [{ role: 'user', content: 'x' }], max_completion_tokens: 7 }, limits).sampling.maxTokens, 7);
  rejects(() => parseChat({ model: 'm', messages: [{ role: 'wizard', content: 'x' }] }, limits), 'messages[0].role');
  rejects(() => parseChat({ model: 'm', messages: [] }, limits), 'messages');
  rejects(() => parseChat({ model: 'm', messages: [{ role: 'user', content: [{ type: 'image_url' }] }] }, limits), 'messages[0].content[0]');
});
