// Chat prompts come from the folder's own chat_template (tokenizer_config.json) with its special
// tokens; a template that refuses the conversation is a 400 naming messages.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tinyModelFolder } from './fixture.js';
import { loadServedModel } from '../../src/serve/served_model.js';
import { ApiError } from '../../src/serve/errors.js';

// Zephyr's shape: role tags, the eos_token after each message, an error on an unknown role.
const TEMPLATE =
  "{% for message in messages %}{% if message['role'] not in ['user', 'assistant', 'system'] %}{{ raise_exception('roles must be user, assistant or system') }}{% endif %}" +
  "{{ '<|' + message['role'] + '|>\\n' + message['content'] + eos_token + '\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|assistant|>\\n' }}{% endif %}";

test("chat renders with tokenizer_config.json's chat_template and its eos_token; no ChatML stop is added", () => {
  const folder = tinyModelFolder();
  try {
    const file = join(folder.dir, 'tokenizer_config.json');
    const tc = JSON.parse(readFileSync(file, 'utf8'));
    writeFileSync(file, JSON.stringify({ ...tc, chat_template: TEMPLATE, eos_token: '~' }));
    const served = loadServedModel(folder.dir);
    assert.equal(served.chat.render([{ role: 'system', content: 'S' }, { role: 'user', content: 'Hi' }]), '<|system|>\nS~\n<|user|>\nHi~\n<|assistant|>\n');
    assert.deepEqual(served.chatStops, []);
    assert.deepEqual([...served.eosIds], [served.tokenizer.encode('~')[0]]);
    assert.throws(() => served.chat.render([{ role: 'tool', content: 'x' }]), (err: unknown) => err instanceof ApiError && err.status === 400 && err.param === 'messages');
  } finally {
    folder.remove();
  }
});

test('a folder without a template chats through ChatML, stopping at <|im_end|>', () => {
  const folder = tinyModelFolder();
  try {
    const served = loadServedModel(folder.dir);
    assert.equal(served.chat.render([{ role: 'user', content: 'Hi' }]), '<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n');
    assert.deepEqual(served.chatStops, ['<|im_end|>']);
  } finally {
    folder.remove();
  }
});
