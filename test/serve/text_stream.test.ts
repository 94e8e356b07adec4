// A choice's text: cut at the first stop sequence, never releasing part of one, and never half a
// UTF-8 character.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TextStream } from '../../src/serve/text_stream.js';
import { ByteTokenizer, tokenizerFromJSON } from '../../src/data/tokenizer.js';
import { tinyBpeJson } from '../data/fixtures/tiny_bpe.js';

const tok = new ByteTokenizer();
const bytes = (s: string) => Array.from(new TextEncoder().encode(s));

function run(text: string, stops: string[]): { pieces: string[]; stream: TextStream } {
  const stream = new TextStream(tok, stops);
  const pieces: string[] = [];
  for (const b of bytes(text)) {
    pieces.push(stream.push(b));
    if (stream.stopped) break;
  }
  if (!stream.stopped) pieces.push(stream.flush());
  return { pieces, stream };
}

test('text ends before the first stop sequence and the stream reports it', () => {
  const { stream } = run('hello END world', ['END', 'wor']);
  assert.equal(stream.text, 'hello ');
  assert.equal(stream.stopped, true);
});

test('a possible start of a stop sequence is held back until it is ruled out', () => {
  const { pieces, stream } = run('abc<x>', ['<|im_end|>']);
  assert.equal(stream.stopped, false);
  assert.equal(stream.text, 'abc<x>');
  assert.deepEqual(pieces.slice(0, 4), ['a', 'b', 'c', '']); // '<' could start the stop sequence
  assert.equal(pieces[4], '<x');
});

test('a stop sequence split over many tokens never shows', () => {
  const { pieces, stream } = run('ok<|im_end|>more', ['<|im_end|>']);
  assert.equal(pieces.join(''), 'ok');
  assert.equal(stream.text, 'ok');
});

test('a multi-byte character is released whole', () => {
  const { pieces, stream } = run('é🐋', []);
  assert.deepEqual(pieces.filter((p) => p !== ''), ['é', '🐋']);
  assert.equal(stream.text, 'é🐋');
});

test('bytes that never complete a character are released as U+FFFD after 4 tokens', () => {
  const stream = new TextStream(tok, []);
  const pieces = [0x80, 0x80, 0x80, 0x80, 0x41].map((b) => stream.push(b));
  assert.ok(pieces.slice(0, 3).every((p) => p === ''), JSON.stringify(pieces));
  assert.ok(stream.text.includes('\uFFFD') && stream.text.endsWith('A'), JSON.stringify(stream.text));
});

test("incremental decoding of a Hugging Face BPE gives the whole text's decoding", () => {
  const bpe = tokenizerFromJSON(tinyBpeJson(), 'tiny_bpe');
  const text = 'the whale 🐋 swam, and the sea was calm.';
  const ids = bpe.encode(text);
  const stream = new TextStream(bpe, []);
  for (const id of ids) stream.push(id);
  stream.flush();
  assert.equal(stream.text, bpe.decode(ids));
});
