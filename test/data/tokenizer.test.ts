import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CharTokenizer, ByteTokenizer, tokenizerFromJSON } from '../../src/data/tokenizer.js';

const text = 'Call me Ishmael. Ça va? 🐋 naïve — 日本\n';

test('the char vocabulary is the sorted distinct code points, so an emoji is one token', () => {
  const tok = CharTokenizer.fromText(text);
  const cps = tok.vocab.map((c) => c.codePointAt(0)!);
  assert.deepEqual(cps, [...cps].sort((a, b) => a - b));
  assert.equal(tok.vocabSize, new Set(Array.from(text)).size);
  assert.ok(tok.vocab.includes('🐋'));
  assert.equal(tok.encode('🐋').length, 1);
  assert.deepEqual(CharTokenizer.fromText([...text].reverse().join('')).vocab, tok.vocab);
});

test('char encode then decode returns unicode text unchanged', () => {
  const tok = CharTokenizer.fromText(text);
  const ids = tok.encode(text);
  assert.ok(ids instanceof Int32Array);
  assert.equal(ids.length, [...text].length);
  assert.equal(tok.decode(ids), text);
});

test('encoding unknown characters throws, listing each once with its code point', () => {
  const tok = CharTokenizer.fromText('abc ');
  assert.throws(
    () => tok.encode('a café 🐋 é\t'),
    (err: Error) => {
      assert.equal(err.message, "prompt contains characters not in the model's vocabulary: 'f' (U+0066), 'é' (U+00E9), '🐋' (U+1F40B), '\\t' (U+0009)");
      return true;
    },
  );
  assert.throws(() => tok.encode('0123456789xyz'), /'9' \(U\+0039\) and 3 more$/);
});

test('decoding an id outside the vocabulary throws', () => {
  assert.throws(() => CharTokenizer.fromText('ab').decode([0, 2]), /decode: token id 2 is out of range for a vocabulary of 2/);
  assert.throws(() => new ByteTokenizer().decode([256]), /token id 256 is out of range for a vocabulary of 256/);
});

test('byte encode then decode returns unicode text unchanged; invalid UTF-8 decodes to U+FFFD', () => {
  const tok = new ByteTokenizer();
  assert.equal(tok.vocabSize, 256);
  const ids = tok.encode(text);
  assert.equal(ids.length, Buffer.byteLength(text, 'utf8'));
  assert.equal(tok.decode(ids), text);
  assert.deepEqual([...tok.encode('é')], [0xc3, 0xa9]);
  assert.equal(tok.decode([0x61, 0xc3]), 'a\ufffd');
});

test('tokenizers survive a JSON round trip', () => {
  const char = CharTokenizer.fromText(text);
  const back = tokenizerFromJSON(JSON.parse(JSON.stringify(char.toJSON())));
  assert.deepEqual(back.toJSON(), char.toJSON());
  assert.deepEqual([...back.encode(text)], [...char.encode(text)]);
  assert.deepEqual(tokenizerFromJSON({ type: 'byte' }).toJSON(), { type: 'byte' });
});

test('tokenizerFromJSON rejects malformed files with a reason', () => {
  assert.throws(() => tokenizerFromJSON([], 'tok.json'), /tok\.json: expected a JSON object/);
  assert.throws(() => tokenizerFromJSON({ type: 'bpe' }), /tokenizer\.json: "type" must be "char" or "byte", got "bpe"/);
  assert.throws(() => tokenizerFromJSON({ type: 'char', vocab: 'abc' }), /"vocab" must be an array/);
  assert.throws(() => tokenizerFromJSON({ type: 'char', vocab: ['a', 'bc'] }), /vocab\[1\] must be a single character \(one code point\), got "bc"/);
  assert.throws(() => tokenizerFromJSON({ type: 'char', vocab: ['a', 'b', 'a'] }), /vocab\[2\] 'a' \(U\+0061\) repeats vocab\[0\]/);
  assert.throws(() => tokenizerFromJSON({ version: '1.0', model: { type: 'BPE' } }), /Hugging Face "tokenizers" file/);
});
