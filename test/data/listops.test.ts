// LRA ListOps: the operators' values on hand-built trees, the release's text form, the generator's
// bounds (length, depth, arguments), disjoint splits, determinism by seed, the class balance, and
// the S4-style tokens' round trip.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  applyOperator, evaluate, treeLength, toLraString, treeOfIds, listOpsTokenizer, padListOps, generateListOps, listOpsSplits, rootOperatorBaseline,
  ListOpsTree, ListOpsSplit, LISTOPS_VOCAB, LISTOPS_EOS, LISTOPS_PAD, LISTOPS_MAX_LENGTH,
} from '../../src/data/listops.js';
import { writeListOpsTsv } from '../../src/data/listops_tsv.js';

const op = (o: 'MIN' | 'MAX' | 'MED' | 'SM', ...args: ListOpsTree[]): ListOpsTree => ({ op: o, args });

test('each operator has its published value: MIN, MAX, MED (median, truncated; even counts average the middle two), SM (sum mod 10)', () => {
  assert.equal(evaluate(op('MIN', 4, 7, 2, 9)), 2);
  assert.equal(evaluate(op('MAX', 4, 7, 2, 9)), 9);
  assert.equal(evaluate(op('MED', 5, 1, 9)), 5, 'odd count: the middle value');
  assert.equal(evaluate(op('MED', 1, 2, 3, 4)), 2, 'int(2.5) = 2');
  assert.equal(evaluate(op('MED', 9, 0)), 4, 'int(4.5) = 4');
  assert.equal(evaluate(op('MED', 3, 3, 8, 8)), 5);
  assert.equal(evaluate(op('SM', 9, 8, 7)), 4, '24 mod 10');
  assert.equal(evaluate(op('SM', 5, 5)), 0);
  // Nested: MAX(2, 9, MIN(4, 7), 0) = 9; SM(MED(1, 8), MIN(3, 6), 2) = (4 + 3 + 2) mod 10 = 9.
  assert.equal(evaluate(op('MAX', 2, 9, op('MIN', 4, 7), 0)), 9);
  assert.equal(evaluate(op('SM', op('MED', 1, 8), op('MIN', 3, 6), 2)), 9);
  assert.throws(() => applyOperator('MIN', []), /MIN needs at least one argument/);
});

test('the text is the release\'s: a pair of parentheses per argument and one around `]`, as to_string writes it', () => {
  assert.equal(toLraString(op('MAX', 2, 9)), '( ( ( [MAX 2 ) 9 ) ] )');
  assert.equal(toLraString(op('MAX', 2, op('MIN', 4, 7), 0)), '( ( ( ( [MAX 2 ) ( ( ( [MIN 4 ) 7 ) ] ) ) 0 ) ] )');
  assert.equal(treeLength(op('MAX', 2, op('MIN', 4, 7), 0)), 8, '4 digits + 2 per operator');
});

test('the tokens drop the parentheses, keep `]`, append EOS; decode gives the release text back', () => {
  assert.equal(listOpsTokenizer.vocabSize, 17);
  assert.deepEqual(LISTOPS_VOCAB.slice(12), ['[MIN', '[MAX', '[MED', '[SM', ']']);
  const text = toLraString(op('MAX', 2, op('MIN', 4, 7), 0));
  const ids = listOpsTokenizer.encode(text);
  assert.deepEqual(Array.from(ids, (i) => LISTOPS_VOCAB[i]), ['[MAX', '2', '[MIN', '4', '7', ']', '0', ']', '<eos>']);
  assert.equal(listOpsTokenizer.decode(ids), text);
  assert.equal(listOpsTokenizer.decode(padListOps(ids)), text, 'padding is ignored');
  // The brief's looser spelling tokenises the same: parentheses carry no information.
  assert.deepEqual(listOpsTokenizer.encode('( [MAX 2 ( [MIN 4 7 ] ) 0 ] )'), ids);
  assert.throws(() => listOpsTokenizer.encode('( [MAX 2 [FIRST 3 ] ] )'), /unknown token '\[FIRST' \(word 2\)/);
  assert.throws(() => listOpsTokenizer.decode([13, 4, 5]), /ends inside an expression/);
});

test('padListOps pads to 2,048 with id 0 and refuses a longer sequence', () => {
  const padded = padListOps([13, 4, 5, 16, LISTOPS_EOS]);
  assert.equal(padded.length, LISTOPS_MAX_LENGTH);
  assert.ok(padded.subarray(5).every((v) => v === LISTOPS_PAD));
  assert.throws(() => padListOps(new Int32Array(2049)), /2049 tokens is longer than the maximum length 2048/);
});

/** Depth (root 1) and the largest and smallest argument counts of a tree. */
function shape(tree: ListOpsTree): { depth: number; minArgs: number; maxArgs: number } {
  if (typeof tree === 'number') return { depth: 1, minArgs: Infinity, maxArgs: 0 };
  const kids = tree.args.map(shape);
  return {
    depth: 1 + Math.max(...kids.map((k) => k.depth)),
    minArgs: Math.min(tree.args.length, ...kids.map((k) => k.minArgs)),
    maxArgs: Math.max(tree.args.length, ...kids.map((k) => k.maxArgs)),
  };
}

const sample = generateListOps(300, { seed: 7 });

test('generated trees: 500 < length < 2000, depth ≤ 10, 2–10 arguments, EOS last, target = the tree\'s value', () => {
  let [minLen, maxLen, deepest] = [Infinity, 0, 0];
  for (let i = 0; i < sample.size; i++) {
    const ids = sample.tokens(i);
    assert.equal(ids[ids.length - 1], LISTOPS_EOS);
    const tree = treeOfIds(ids.subarray(0, -1));
    const len = treeLength(tree);
    assert.equal(len, ids.length - 1, 'length = tokens without parentheses');
    assert.ok(len > 500 && len < 2000, `length ${len}`);
    const s = shape(tree);
    assert.ok(s.depth <= 10 && s.minArgs >= 2 && s.maxArgs <= 10, JSON.stringify(s));
    assert.equal(evaluate(tree), sample.target(i));
    assert.deepEqual(listOpsTokenizer.encode(sample.source(i)), Int32Array.from(ids), 'the text encodes to the stored ids');
    [minLen, maxLen, deepest] = [Math.min(minLen, len), Math.max(maxLen, len), Math.max(deepest, s.depth)];
  }
  console.log(`300 trees: lengths ${minLen}–${maxLen}, deepest ${deepest}`);
});

test('every one of the 10 classes appears; the balance is reported (MIN and MAX push towards 0 and 9)', () => {
  const counts = new Array(10).fill(0);
  for (const t of sample.targets) counts[t]++;
  console.log(`class balance over ${sample.size} trees: ${counts.map((c, v) => `${v}: ${((100 * c) / sample.size).toFixed(1)} %`).join(', ')}`);
  assert.ok(counts.every((c) => c > 0), counts.join(' '));
});

const key = (s: ListOpsSplit, i: number) => Buffer.from(s.tokens(i)).toString('latin1');

test('the splits are disjoint and the seed decides the data', () => {
  const a = listOpsSplits({ seed: 3, sizes: { train: 40, val: 10, test: 10 } });
  const seen = new Set<string>();
  for (const split of [a.train, a.val, a.test]) for (let i = 0; i < split.size; i++) seen.add(key(split, i));
  assert.equal(seen.size, 60, 'no expression twice, within or across splits');
  const again = listOpsSplits({ seed: 3, sizes: { train: 40, val: 10, test: 10 } });
  assert.deepEqual(again.test.ids, a.test.ids);
  assert.deepEqual(again.train.targets, a.train.targets);
  const other = listOpsSplits({ seed: 4, sizes: { train: 40, val: 10, test: 10 } });
  assert.notDeepEqual(other.train.ids, a.train.ids);
});

test('the root-operator baseline answers each root operator\'s most frequent training value, reading nothing else', () => {
  // A split of hand-built trees: ids of '[OP 4 7 ]' + EOS for each (operator, answer) pair; only the first token and the target matter.
  const split = (rows: Array<[ 'MIN' | 'MAX' | 'MED' | 'SM', number]>) => {
    const seqs = rows.map(([o]) => Uint8Array.from(listOpsTokenizer.encode(`[${o} 4 7 ]`)));
    const offsets = Int32Array.from([0, ...seqs.map((_, i) => seqs.slice(0, i + 1).reduce((a, q) => a + q.length, 0))]);
    const ids = new Uint8Array(offsets.at(-1)!);
    seqs.forEach((q, i) => ids.set(q, offsets[i]));
    return new ListOpsSplit(ids, offsets, Uint8Array.from(rows.map(([, v]) => v)));
  };
  const train = split([['MIN', 0], ['MIN', 0], ['MIN', 3], ['MAX', 9], ['MAX', 8], ['MAX', 8], ['SM', 5], ['MED', 4], ['MED', 2]]);
  const test = split([['MIN', 0], ['MIN', 1], ['MAX', 8], ['SM', 5], ['MED', 2], ['MED', 4]]);
  const base = rootOperatorBaseline(train, test);
  assert.deepEqual(base.answers, { MIN: 0, MAX: 8, MED: 2, SM: 5 }, 'MED ties 2 and 4: the smaller');
  assert.equal(base.accuracy, 4 / 6);
  assert.equal(rootOperatorBaseline(train, test, 2).accuracy, 1 / 2, 'the first `count` test examples');
  assert.throws(() => rootOperatorBaseline(train, test, 0), /both splits need at least one example/);
});

test('writeListOpsTsv writes the release layout: basic_{train,val,test}.tsv, a Source/Target header, one expression and value per line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'listops-'));
  try {
    const paths = writeListOpsTsv(dir, { seed: 3, sizes: { train: 4, val: 2, test: 2 } });
    assert.deepEqual(paths.map((p) => p.slice(dir.length + 1)), ['basic_train.tsv', 'basic_val.tsv', 'basic_test.tsv']);
    const lines = readFileSync(paths[1], 'utf8').split('\r\n');
    assert.equal(lines[0], 'Source\tTarget');
    assert.equal(lines.length, 4, 'header, 2 examples, and the empty string after the last line end');
    const { val } = listOpsSplits({ seed: 3, sizes: { train: 4, val: 2, test: 2 } });
    const [source, target] = lines[1].split('\t');
    assert.equal(source, val.source(0));
    assert.equal(Number(target), val.target(0));
    assert.match(source, /^\( \( .* \] \)$/);
  } finally {
    rmSync(dir, { recursive: true });
  }
});
