import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CharTokenizer, ByteTokenizer, tokenizerFromJSON, streamDecoder, type Tokenizer } from '../../src/data/tokenizer.js';
import { tinyBpeJson, TINY_BPE_IDS as ID } from './fixtures/tiny_bpe.js';

const bpe = () => tokenizerFromJSON(tinyBpeJson(), 'tiny/tokenizer.json');

// Expected ids worked out from the fixture's merges and GPT-2's pre-tokenizer regex, and confirmed
// with the Rust library (tokenizers 0.23.2) on the same file. Byte b has id 2 + b.
const b = (ch: string) => 2 + ch.charCodeAt(0);
const CASES: [string, number[]][] = [
  // "the" at the start has no leading space, so only "he" merges; " whale" merges fully.
  ['the whale', [b('t'), 259, ID.whale]],
  // "\n\n" before a word splits into two pre-tokens (\s+(?!\S)), so the ĊĊ merge does not apply;
  // "  " is an added token, matched before pre-tokenization; <|endoftext|> is a special token.
  ['the whale\n\nthe  whale 🐋<|endoftext|>', [b('t'), 259, ID.whale, b('\n'), b('\n'), b('t'), 259, ID.twoSpaces, b('w'), 262, 264, b(' '), ID.whaleEmojiHead, ID.whaleEmojiTail, ID.endOfText]],
  ['x\n\n', [b('x'), ID.newlines]],
  // The NFC normalizer composes e + combining acute into é (UTF-8 C3 A9).
  ['e\u0301', [2 + 0xc3, 2 + 0xa9]],
  ['🐋🐋', [ID.whaleEmojiHead, ID.whaleEmojiTail, ID.whaleEmojiHead, ID.whaleEmojiTail]],
];

test('a Hugging Face byte-level BPE tokenizer.json encodes with its merges, added tokens and normalizer', () => {
  const tok = bpe();
  assert.equal(tok.kind, 'hf');
  for (const [text, ids] of CASES) assert.deepEqual([...tok.encode(text)], ids, JSON.stringify(text));
});

test('it decodes ids back to the text, special and added tokens included, spaces untouched', () => {
  const tok = bpe();
  for (const [text, ids] of CASES) assert.equal(tok.decode(ids), text.normalize('NFC'));
  assert.equal(tok.decode(tok.encode('a . b , c')), 'a . b , c');
  assert.equal(tok.decode([]), '');
  // Half an emoji is invalid UTF-8: one U+FFFD, as the Rust library's lossy decoding gives.
  assert.equal(tok.decode([b('a'), ID.whaleEmojiHead]), 'a\ufffd');
});

test('its vocabSize counts every id, added tokens included; ids beyond it (a padded vocab_size) decode to nothing', () => {
  const tok = bpe();
  assert.equal(tok.vocabSize, 270);
  assert.equal(tok.decode([b('a'), 270, 50000, b('b')]), 'ab');
  assert.equal(tok.decode([271]), '');
  assert.throws(() => tok.decode([-1]), /decode: token id -1 is not a non-negative integer/);
  assert.throws(() => tok.decode([1.5]), /token id 1\.5 is not a non-negative integer/);
});

test('toJSON gives back the original file, and loading it again gives the same tokenizer', () => {
  const json = tinyBpeJson();
  const tok = tokenizerFromJSON(json);
  assert.equal(tok.toJSON(), json);
  const again = tokenizerFromJSON(JSON.parse(JSON.stringify(tok.toJSON())));
  assert.deepEqual([...again.encode(CASES[1][0])], CASES[1][1]);
});

/** Feeds ids one at a time and returns the printed pieces (the last one from flush). */
function stream(tok: Tokenizer, ids: ArrayLike<number>): string[] {
  const s = streamDecoder(tok);
  const pieces = Array.from(ids, (id) => s.push(id));
  pieces.push(s.flush());
  return pieces;
}

test('streaming decode never prints half a character, and the pieces add up to the text', () => {
  const text = 'naïve 🐋 — 日本\n👩‍👩‍👧 the whale';
  const byte = new ByteTokenizer();
  const cases: [Tokenizer, string][] = [[byte, text], [bpe(), text], [CharTokenizer.fromText(text), text]];
  for (const [tok, s] of cases) {
    const pieces = stream(tok, tok.encode(s));
    assert.equal(pieces.join(''), s, tok.kind);
    assert.ok(pieces.every((p) => !p.includes('\ufffd')), `${tok.kind}: ${JSON.stringify(pieces)}`);
  }
  // 🐋 is F0 9F 90 8B: nothing is printed until its last byte (or last BPE half) arrives.
  assert.deepEqual(stream(byte, [0x61, 0xf0, 0x9f, 0x90, 0x8b, 0x62]), ['a', '', '', '', '🐋', 'b', '']);
  assert.deepEqual(stream(bpe(), [ID.whaleEmojiHead, ID.whaleEmojiTail, ID.the]), ['', '🐋', ' the', '']);
});

test('streaming decode prints a truly invalid byte as U+FFFD once the next character shows it, or at flush', () => {
  const byte = new ByteTokenizer();
  assert.deepEqual(stream(byte, [0x61, 0xff, 0x62]), ['a', '', '\ufffdb', '']);
  assert.deepEqual(stream(byte, [0x61, 0xf0, 0x9f]), ['a', '', '', '\ufffd']);
});
