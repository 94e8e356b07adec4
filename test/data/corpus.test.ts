import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadMobyDick, loadTextFile, splitTrainVal, checkSplitLength, assertSplitLongEnough } from '../../src/data/corpus.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mamba-ts-corpus-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));

test('Moby Dick loads in book order with more than a million characters', () => {
  const text = loadMobyDick();
  assert.ok(text.length > 1_000_000, `${text.length} characters`);
  assert.ok(text.startsWith('CONTENTS\n'), JSON.stringify(text.slice(0, 40)));
  const ishmael = text.indexOf('Call me Ishmael.');
  assert.ok(ishmael > text.indexOf('ETYMOLOGY.') && ishmael > 0);
});

test('loadTextFile reads UTF-8, dropping a byte-order mark', () => {
  const file = path.join(root, 'ok.txt');
  fs.writeFileSync(file, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('naïve 🐋\n')]));
  assert.equal(loadTextFile(file), 'naïve 🐋\n');
});

test('loadTextFile explains a missing, empty, folder or non-UTF-8 file', () => {
  assert.throws(() => loadTextFile(path.join(root, 'nope.txt')), /nope\.txt: file not found/);
  const empty = path.join(root, 'empty.txt');
  fs.writeFileSync(empty, '');
  assert.throws(() => loadTextFile(empty), /empty\.txt is empty/);
  assert.throws(() => loadTextFile(root), /is a folder, expected a text file/);
  const latin1 = path.join(root, 'latin1.txt');
  fs.writeFileSync(latin1, Buffer.from([0x63, 0x61, 0x66, 0xe9]));
  assert.throws(() => loadTextFile(latin1), /latin1\.txt is not valid UTF-8 text/);
});

test('splitTrainVal puts the last fraction in validation, deterministically', () => {
  const tokens = Int32Array.from({ length: 1000 }, (_, i) => i);
  const { train, val } = splitTrainVal(tokens);
  assert.equal(train.length, 900);
  assert.equal(val.length, 100);
  assert.equal(train[899], 899);
  assert.equal(val[0], 900);
  assert.equal(splitTrainVal(tokens, 0).val.length, 0);
  assert.throws(() => splitTrainVal(tokens, 1), /valFraction must be in \[0, 1\), got 1/);
});

test('a split shorter than context + 1 tokens is refused with the numbers', () => {
  assert.throws(
    () => checkSplitLength('validation', new Int32Array(100), 256),
    /^Error: corpus too short: validation split has 100 tokens, need at least 257 for context 256$/,
  );
  checkSplitLength('training', new Int32Array(257), 256);
  const { train, val } = splitTrainVal(new Int32Array(2000));
  assert.throws(() => assertSplitLongEnough({ train, val }, 256), /validation split has 200 tokens, need at least 257/);
  assertSplitLongEnough({ train, val }, 128);
});
