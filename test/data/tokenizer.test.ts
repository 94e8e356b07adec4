import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tokenizer as HfLibTokenizer } from '@huggingface/tokenizers';
import { CharTokenizer, ByteTokenizer, tokenizerFromJSON, type Tokenizer } from '../../src/data/tokenizer.js';

const text = 'Call me Ishmael. Ça va? 🐋 naïve — 日本\n';
/** Characters that are special in regular expressions, JSON or whitespace handling, and astral ones. */
const tricky = 'a.b*c+d?e(f)g[h]i{j}k|l^m$n\\o/p "q" \'r\'\t\r\n  \n\n\u00a0\u00ad\ufeff🐋👩‍👩‍👧 é e\u0301 0123 <|endoftext|>';

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

test('a char tokenizer read back from its tokenizer.json still rejects unknown characters', () => {
  const back = tokenizerFromJSON(JSON.parse(JSON.stringify(CharTokenizer.fromText('abc ').toJSON())));
  assert.throws(() => back.encode('café'), /not in the model's vocabulary: 'f' \(U\+0066\), 'é' \(U\+00E9\)$/);
});

test('decoding an id outside the vocabulary throws', () => {
  assert.throws(() => CharTokenizer.fromText('ab').decode([0, 2]), /decode: token id 2 is out of range for a vocabulary of 2/);
  assert.throws(() => new ByteTokenizer().decode([256]), /token id 256 is out of range for a vocabulary of 256/);
});

test('byte encode then decode returns unicode text unchanged (a leading BOM too); invalid UTF-8 decodes to U+FFFD', () => {
  const tok = new ByteTokenizer();
  assert.equal(tok.vocabSize, 256);
  const ids = tok.encode(text);
  assert.equal(ids.length, Buffer.byteLength(text, 'utf8'));
  assert.equal(tok.decode(ids), text);
  assert.deepEqual([...tok.encode('é')], [0xc3, 0xa9]);
  assert.equal(tok.decode([0x61, 0xc3]), 'a\ufffd');
  assert.equal(tok.decode(tok.encode('\ufeffx')), '\ufeffx');
});

test('char and byte tokenizers survive a round trip through tokenizer.json, tricky text included', () => {
  const tokenizers: Tokenizer[] = [CharTokenizer.fromText(text + tricky), new ByteTokenizer()];
  for (const tok of tokenizers) {
    const back = tokenizerFromJSON(JSON.parse(JSON.stringify(tok.toJSON())));
    assert.equal(back.kind, tok.kind);
    assert.equal(back.vocabSize, tok.vocabSize);
    assert.deepEqual(back.toJSON(), tok.toJSON());
    for (const s of [text, tricky]) {
      assert.deepEqual([...back.encode(s)], [...tok.encode(s)], `${tok.kind}: ${JSON.stringify(s)}`);
      assert.equal(back.decode(back.encode(s)), s);
    }
  }
});

test('the saved tokenizer.json is a Hugging Face tokenizers file: BPE without merges, version 1.0', () => {
  const keys = ['version', 'truncation', 'padding', 'added_tokens', 'normalizer', 'pre_tokenizer', 'post_processor', 'decoder', 'model'];
  const char = CharTokenizer.fromText('ba\n').toJSON();
  assert.deepEqual(Object.keys(char), keys);
  assert.equal(char.version, '1.0');
  assert.deepEqual(char.added_tokens, []);
  assert.equal(char.pre_tokenizer, null);
  assert.deepEqual(char.decoder, { type: 'Fuse' });
  assert.equal(char.model.type, 'BPE');
  assert.deepEqual(char.model.merges, []);
  assert.deepEqual(char.model.vocab, { '\n': 0, a: 1, b: 2 });

  const byte = new ByteTokenizer().toJSON();
  assert.deepEqual(Object.keys(byte), keys);
  assert.deepEqual(byte.pre_tokenizer, { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false });
  assert.equal((byte.decoder as { type: string }).type, 'ByteLevel');
  const vocab = byte.model.vocab as Record<string, number>;
  assert.equal(Object.keys(vocab).length, 256);
  // GPT-2's byte map: printable bytes stand for themselves, space is Ġ, newline Ċ, soft hyphen Ń.
  assert.deepEqual([vocab['A'], vocab['~'], vocab['é'], vocab['Ġ'], vocab['Ċ'], vocab['Ń'], vocab['Ā']], [65, 126, 0xe9, 32, 10, 0xad, 0]);
});

test('the Hugging Face tokenizers library encodes text into exactly our ids and decodes them back', () => {
  // @huggingface/tokenizers is an independent implementation of the file format. (The Rust library,
  // tokenizers 0.23.2, gave the same ids and text for these files when checked by hand.)
  for (const tok of [CharTokenizer.fromText(text + tricky), new ByteTokenizer()]) {
    const lib = new HfLibTokenizer(tok.toJSON(), {});
    for (const s of [text, tricky]) {
      const ids = lib.encode(s, { add_special_tokens: false }).ids;
      assert.deepEqual(ids, [...tok.encode(s)], `${tok.kind}: ${JSON.stringify(s)}`);
      assert.equal(lib.decode(ids, { clean_up_tokenization_spaces: false }), s);
    }
  }
});

test('a file re-saved by transformers (identity post-processor, options spelled out or left out) still loads as ours', () => {
  const identity = {
    type: 'TemplateProcessing',
    single: [{ Sequence: { id: 'A', type_id: 0 } }],
    pair: [{ Sequence: { id: 'A', type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } }],
    special_tokens: {},
  };
  const char = CharTokenizer.fromText('xyz');
  const resaved = { ...char.toJSON(), post_processor: identity };
  assert.equal(tokenizerFromJSON(resaved).kind, 'char');
  const { truncation: _t, padding: _p, normalizer: _n, post_processor: _pp, ...rest } = new ByteTokenizer().toJSON();
  const { dropout: _d, fuse_unk: _f, ignore_merges: _i, ...model } = rest.model;
  assert.equal(tokenizerFromJSON({ ...rest, model }).kind, 'byte');
});

test('a char-shaped file with a pipeline we do not write loads as a generic Hugging Face tokenizer, which runs that pipeline', () => {
  const lowercased = { ...CharTokenizer.fromText('ab').toJSON(), normalizer: { type: 'Lowercase' } };
  const tok = tokenizerFromJSON(lowercased);
  assert.equal(tok.kind, 'hf');
  assert.deepEqual([...tok.encode('BaA')], [1, 0, 0]);
  assert.equal(tok.decode([1, 0]), 'ba');
});

test('the earlier {"type": "char" | "byte"} files still load', () => {
  const legacy = tokenizerFromJSON({ type: 'char', vocab: ['\n', ' ', 'a', '🐋'] });
  assert.equal(legacy.kind, 'char');
  assert.deepEqual([...legacy.encode('a 🐋\n')], [2, 1, 3, 0]);
  assert.deepEqual(legacy.toJSON().model.vocab, { '\n': 0, ' ': 1, a: 2, '🐋': 3 });
  assert.equal(tokenizerFromJSON({ type: 'byte' }).kind, 'byte');
});

test('tokenizerFromJSON rejects malformed files with a reason naming the file', () => {
  assert.throws(() => tokenizerFromJSON([], 'tok.json'), /tok\.json: expected a JSON object/);
  assert.throws(() => tokenizerFromJSON({ type: 'bpe' }, 'run/tokenizer.json'), /run\/tokenizer\.json: not a tokenizer file: expected a Hugging Face tokenizer\.json \(with "model"\)/);
  assert.throws(() => tokenizerFromJSON({ type: 'char', vocab: 'abc' }), /tokenizer\.json: "vocab" must be an array/);
  assert.throws(() => tokenizerFromJSON({ type: 'char', vocab: ['a', 'bc'] }), /vocab\[1\] must be a single character \(one code point\), got "bc"/);
  assert.throws(() => tokenizerFromJSON({ type: 'char', vocab: ['a', 'b', 'a'] }), /vocab\[2\] 'a' \(U\+0061\) repeats vocab\[0\]/);
  const label = 'm/tokenizer.json';
  assert.throws(() => tokenizerFromJSON({ version: '2.0', model: { type: 'BPE', vocab: {}, merges: [] } }, label), /m\/tokenizer\.json: Hugging Face tokenizer version "2\.0" is not supported/);
  assert.throws(() => tokenizerFromJSON({ version: '1.0', model: { type: 'WordLevel', vocab: { a: 0 } } }, label), /m\/tokenizer\.json: model type "WordLevel" is not supported \(supported: BPE, WordPiece, Unigram\)/);
  assert.throws(() => tokenizerFromJSON({ version: '1.0', model: null }, label), /m\/tokenizer\.json: "model" must be an object/);
  assert.throws(() => tokenizerFromJSON({ version: '1.0', model: { type: 'BPE', vocab: { a: 0 }, merges: [] }, added_tokens: {} }, label), /"added_tokens" must be an array/);
  assert.throws(
    () => tokenizerFromJSON({ version: '1.0', model: { type: 'BPE', vocab: { a: 0 }, merges: [] }, pre_tokenizer: { type: 'Bogus' } }, label),
    /m\/tokenizer\.json: not a usable Hugging Face tokenizer \(.*Bogus/,
  );
  assert.throws(() => tokenizerFromJSON({ version: '1.0', model: { type: 'BPE', vocab: {}, merges: [] } }, label), /m\/tokenizer\.json: the vocabulary is empty/);
});
