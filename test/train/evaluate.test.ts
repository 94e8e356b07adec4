// Validation figures: bits per token and bits per character are each what they name, on text
// whose characters take more than one token.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LanguageModel } from '../../src/models/language_model.js';
import { modelConfig } from '../../src/models/config.js';
import { ByteTokenizer, CharTokenizer } from '../../src/data/tokenizer.js';
import { evaluate, evaluateText } from '../../src/train/evaluate.js';
import { assertClose } from '../helpers.js';

// Two UTF-8 bytes per character: a byte-level model spends two tokens on each.
const text = 'àéîõüçñøæßþðåÿ'.repeat(20);
const opts = { batchSize: 2, contextLength: 16, maxBatches: 3 };

test('with a byte tokenizer on two-byte characters, bits per character are twice the bits per token', () => {
  const tokenizer = new ByteTokenizer();
  const tokens = tokenizer.encode(text);
  assert.equal(tokens.length, 2 * [...text].length, 'every character of the text is two bytes');
  const model = new LanguageModel(modelConfig({ vocab_size: 256, hidden_size: 8, num_hidden_layers: 1, state_size: 4 }), { seed: 1 });
  const e = evaluateText(model, tokenizer, tokens, opts);
  assert.equal(e.tokens, 3 * 2 * 16);
  // Tokens 1 … 96 are predicted: 47 whole characters between two halves (each decodes to U+FFFD).
  assert.equal(e.characters, 49);
  assertClose([e.loss], [evaluate(model, tokens, opts)], 0, 0, 'the same loss as evaluate()');
  assertClose([e.bitsPerToken], [e.loss / Math.LN2], 1e-12, 1e-12, 'bits per token');
  assertClose([e.bitsPerChar], [(e.bitsPerToken * 96) / 49], 1e-12, 1e-12, 'bits per character');
  assert.ok(e.bitsPerChar > 1.9 * e.bitsPerToken);
});

test('with a character tokenizer, bits per character equal bits per token', () => {
  const tokenizer = CharTokenizer.fromText(text);
  const tokens = tokenizer.encode(text);
  const model = new LanguageModel(modelConfig({ vocab_size: tokenizer.vocabSize, hidden_size: 8, num_hidden_layers: 1, state_size: 4 }), { seed: 1 });
  const e = evaluateText(model, tokenizer, tokens, opts);
  assert.equal(e.characters, e.tokens);
  assertClose([e.bitsPerChar], [e.bitsPerToken], 1e-12, 1e-12);
});
