import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from '../../src/io/atomic.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mamba-ts-atomic-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));

function tempFilesIn(dir: string): string[] {
  return fs.readdirSync(dir).filter((f) => f.includes('.tmp-'));
}

test('writeFileAtomic replaces the file and leaves no temp file behind', () => {
  const dir = fs.mkdtempSync(path.join(root, 'ok-'));
  const file = path.join(dir, 'a.bin');
  writeFileAtomic(file, 'old');
  writeFileAtomic(file, new Uint8Array([1, 2, 3]));
  assert.deepEqual([...fs.readFileSync(file)], [1, 2, 3]);
  assert.deepEqual(tempFilesIn(dir), []);
});

test('writeJsonAtomic writes indented JSON with a final newline', () => {
  const file = path.join(root, 'v.json');
  writeJsonAtomic(file, { a: [1, 2] });
  assert.equal(fs.readFileSync(file, 'utf8'), '{\n  "a": [\n    1,\n    2\n  ]\n}\n');
});

test('a failing fsync leaves the old file intact and removes the temp file', () => {
  const dir = fs.mkdtempSync(path.join(root, 'fsync-'));
  const file = path.join(dir, 'a.txt');
  writeFileAtomic(file, 'old contents');
  const original = fs.fsyncSync;
  fs.fsyncSync = () => {
    throw new Error('simulated disk failure');
  };
  try {
    assert.throws(() => writeFileAtomic(file, 'new contents'), /simulated disk failure/);
  } finally {
    fs.fsyncSync = original;
  }
  assert.equal(fs.readFileSync(file, 'utf8'), 'old contents');
  assert.deepEqual(tempFilesIn(dir), []);
});

test('a failing rename (the target is a non-empty folder) removes the temp file', () => {
  const dir = fs.mkdtempSync(path.join(root, 'rename-'));
  const target = path.join(dir, 'taken');
  fs.mkdirSync(target);
  fs.writeFileSync(path.join(target, 'inside.txt'), 'keep');
  assert.throws(() => writeFileAtomic(target, 'x'));
  assert.equal(fs.readFileSync(path.join(target, 'inside.txt'), 'utf8'), 'keep');
  assert.deepEqual(tempFilesIn(dir), []);
});

test('writing into a missing folder throws and creates nothing', () => {
  const missing = path.join(root, 'no-such-folder', 'a.txt');
  assert.throws(() => writeFileAtomic(missing, 'x'), /ENOENT/);
  assert.equal(fs.existsSync(path.dirname(missing)), false);
});
