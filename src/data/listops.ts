// Long Range Arena ListOps (Tay et al. 2021, after Nangia & Bowman 2018): nested list operations
// over digits, one of 10 classes (the value) per expression of 500–2000 tokens. Our own generator
// of the published algorithm (lra_benchmarks/data/listops.py), seeded, nothing downloaded:
//   - operators MIN, MAX, MED (the median, truncated to an integer), SM (sum mod 10), digits 0–9;
//   - the root is at depth 1; below the maximum depth (10) a node is an operator with probability
//     0.25 (the source makes a leaf when r > VALUE_P = 0.25) with randint(2, 10) arguments, else a
//     digit; at the maximum depth always a digit; the operator is drawn after its arguments;
//   - a tree is kept when 500 < length < 2000, length = digits + 2 per operator (the operator and
//     its `]`); trees are unique (the source collects them in a set), so the splits are disjoint;
//   - 96,000 / 2,000 / 2,000 for train / validation / test.
// The text is the release's: to_string nests a pair per argument, so `[MAX 2 9 ]` is written
// `( ( ( [MAX 2 ) 9 ) ] )`. Models see the S4 line of work's tokens: the parentheses dropped, `]`
// its own token, EOS appended, padded to 2,048 (LISTOPS_VOCAB, 17 ids). The TSV export (the
// release's `Source\tTarget` files) is in listops_tsv.ts; this file runs in a browser too.

import { Rng } from '../tensor/random.js';

export const OPERATORS = ['MIN', 'MAX', 'MED', 'SM'] as const;
export type Operator = (typeof OPERATORS)[number];
/** A digit, or an operator applied to its arguments. */
export type ListOpsTree = number | { op: Operator; args: ListOpsTree[] };

/** The token ids: padding, end of sequence, digits 0–9, the operators, and `]`. */
export const LISTOPS_VOCAB = ['<pad>', '<eos>', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '[MIN', '[MAX', '[MED', '[SM', ']'] as const;
export const LISTOPS_PAD = 0;
export const LISTOPS_EOS = 1;
const DIGIT0 = 2; // id of '0'
const OP0 = 12; // id of '[MIN'
const END = 16; // id of ']'
/** The S4 setting: every sequence (≤ 1,999 tokens + EOS) padded to this length. */
export const LISTOPS_MAX_LENGTH = 2048;
export const LISTOPS_CLASSES = 10;

/** The value of an operator over its arguments' values (each 0–9). */
export function applyOperator(op: Operator, values: number[]): number {
  if (values.length === 0) throw new Error(`ListOps: ${op} needs at least one argument`);
  switch (op) {
    case 'MIN':
      return Math.min(...values);
    case 'MAX':
      return Math.max(...values);
    case 'MED': {
      // int(np.median(v)): the mean of the two middle values for an even count, truncated.
      const s = [...values].sort((a, b) => a - b);
      const m = s.length >> 1;
      return s.length % 2 ? s[m] : Math.trunc((s[m - 1] + s[m]) / 2);
    }
    case 'SM':
      return values.reduce((a, b) => a + b, 0) % 10;
  }
}

export function evaluate(tree: ListOpsTree): number {
  return typeof tree === 'number' ? tree : applyOperator(tree.op, tree.args.map(evaluate));
}

/** Digits + 2 per operator: the number of tokens once the parentheses are dropped. */
export function treeLength(tree: ListOpsTree): number {
  return typeof tree === 'number' ? 1 : 2 + tree.args.reduce<number>((n, a) => n + treeLength(a), 0);
}

/** The release's text: `( ` × (arguments + 1), `[OP a1 )`, ` ai )` for the others, ` ] )`. */
export function toLraString(tree: ListOpsTree): string {
  if (typeof tree === 'number') return String(tree);
  const [first, ...rest] = tree.args.map(toLraString);
  return `${'( '.repeat(tree.args.length + 1)}[${tree.op} ${first} )${rest.map((a) => ` ${a} )`).join('')} ] )`;
}

/** The tree of a token sequence (ids, without EOS or padding). */
export function treeOfIds(ids: ArrayLike<number>): ListOpsTree {
  let i = 0;
  const node = (): ListOpsTree => {
    if (i >= ids.length) throw new Error(`ListOps: the sequence ends inside an expression (${ids.length} tokens)`);
    const id = ids[i++];
    if (id >= DIGIT0 && id < DIGIT0 + 10) return id - DIGIT0;
    if (id < OP0 || id >= OP0 + 4) throw new Error(`ListOps: token ${id} ('${LISTOPS_VOCAB[id] ?? '?'}') at position ${i - 1} where a digit or an operator belongs`);
    const args: ListOpsTree[] = [];
    while (ids[i] !== END) args.push(node());
    i++;
    return { op: OPERATORS[id - OP0], args };
  };
  const tree = node();
  if (i !== ids.length) throw new Error(`ListOps: ${ids.length - i} tokens after the end of the expression`);
  return tree;
}

/** Tokens as the S4 line of work has them: parentheses dropped, `]` its own token, EOS appended. */
export const listOpsTokenizer = {
  vocab: LISTOPS_VOCAB,
  vocabSize: LISTOPS_VOCAB.length,
  encode(text: string): Int32Array {
    const words = text.split(/\s+/).filter((w) => w !== '' && w !== '(' && w !== ')');
    const ids = new Int32Array(words.length + 1);
    words.forEach((w, i) => {
      const id = (LISTOPS_VOCAB as readonly string[]).indexOf(w);
      if (id < DIGIT0) throw new Error(`ListOps: unknown token '${w}' (word ${i}); expected a digit, [MIN, [MAX, [MED, [SM, ], ( or )`);
      ids[i] = id;
    });
    ids[words.length] = LISTOPS_EOS;
    return ids;
  },
  /** The release's text back from ids (EOS and padding ignored): decode(encode(s)) === s. */
  decode(ids: ArrayLike<number>): string {
    const body = Array.from(ids).filter((id) => id !== LISTOPS_PAD && id !== LISTOPS_EOS);
    return toLraString(treeOfIds(body));
  },
};

/** ids padded with LISTOPS_PAD to `length` (default 2,048). */
export function padListOps(ids: ArrayLike<number>, length = LISTOPS_MAX_LENGTH): Int32Array {
  if (ids.length > length) throw new Error(`ListOps: a sequence of ${ids.length} tokens is longer than the maximum length ${length}`);
  const out = new Int32Array(length); // zero-filled: LISTOPS_PAD is 0
  out.set(ids);
  return out;
}

export interface ListOpsGenOptions {
  seed: number;
  maxDepth?: number; // 10
  maxArgs?: number; // 10
  /** Kept when minLength < length < maxLength (500, 2000). */
  minLength?: number;
  maxLength?: number;
}

/** One split: every sequence's ids (with EOS) end to end, as bytes; offsets[i]..offsets[i+1] is example i. */
export class ListOpsSplit {
  constructor(
    readonly ids: Uint8Array,
    readonly offsets: Int32Array,
    readonly targets: Uint8Array,
  ) {}
  get size(): number {
    return this.targets.length;
  }
  /** Example i's token ids, EOS included (a view, not a copy). */
  tokens(i: number): Uint8Array {
    return this.ids.subarray(this.offsets[i], this.offsets[i + 1]);
  }
  /** Example i in the release's text form. */
  source(i: number): string {
    return listOpsTokenizer.decode(this.tokens(i));
  }
  target(i: number): number {
    return this.targets[i];
  }
}

/**
 * The root-operator baseline: for each operator, its most frequent value as the root in `train`
 * (the smaller value on a tie), answered for the first `count` examples of `test` from their first
 * token alone. It reads no argument: a model below it has not learned even which operator the
 * whole expression applies (MIN's answers lean to 0 and MAX's to 9).
 */
export function rootOperatorBaseline(train: ListOpsSplit, test: ListOpsSplit, count = test.size): { accuracy: number; answers: Record<Operator, number> } {
  const n = Math.min(count, test.size);
  if (train.size < 1 || n < 1) throw new Error('rootOperatorBaseline: both splits need at least one example');
  const counts = OPERATORS.map(() => new Array<number>(LISTOPS_CLASSES).fill(0)); // [operator, class]
  for (let i = 0; i < train.size; i++) counts[train.tokens(i)[0] - OP0][train.target(i)]++;
  const answer = counts.map((c) => c.indexOf(Math.max(...c)));
  let right = 0;
  for (let i = 0; i < n; i++) if (answer[test.tokens(i)[0] - OP0] === test.target(i)) right++;
  return { accuracy: right / n, answers: Object.fromEntries(OPERATORS.map((op, k) => [op, answer[k]])) as Record<Operator, number> };
}

/**
 * Generates trees until `count` distinct ones are kept. Each tree is written as ids into a buffer
 * and valued on the way; a tree is abandoned as soon as it reaches maxLength tokens (it would be
 * rejected anyway; the kept trees' distribution is the same), which is what makes 100k trees take
 * seconds. Duplicates are recognised by a 53-bit hash of the ids (a false match among 100k
 * sequences has odds of about 1 in 10^6, and would only drop one tree).
 */
export function generateListOps(count: number, opts: ListOpsGenOptions): ListOpsSplit {
  return generateListOpsSplits([count], opts)[0];
}

/** The LRA's three splits (96k / 2k / 2k by default) from one stream of distinct trees, in order. */
export function listOpsSplits(
  opts: ListOpsGenOptions & { sizes?: { train: number; val: number; test: number } },
): { train: ListOpsSplit; val: ListOpsSplit; test: ListOpsSplit } {
  const { train, val, test } = opts.sizes ?? { train: 96_000, val: 2_000, test: 2_000 };
  const [a, b, c] = generateListOpsSplits([train, val, test], opts);
  return { train: a, val: b, test: c };
}

function generateListOpsSplits(sizes: number[], opts: ListOpsGenOptions): ListOpsSplit[] {
  const { maxDepth = 10, maxArgs = 10, minLength = 500, maxLength = 2000 } = opts;
  if (!(maxArgs >= 2)) throw new Error(`ListOps: maxArgs must be at least 2 (got ${maxArgs})`);
  if (!(maxLength > minLength + 1)) throw new Error(`ListOps: no length is strictly between minLength ${minLength} and maxLength ${maxLength}`);
  const rng = new Rng(opts.seed);
  const buf = new Uint8Array(maxLength + 1);
  let len = 0;
  // counts[depth]: how many arguments of the operator being built at that depth have each value;
  // its value follows from them (MED too), with no array to allocate or sort per operator.
  const counts = Array.from({ length: maxDepth + 1 }, () => new Int32Array(10));

  // One node at `depth`: writes its ids at buf[len...], returns its value, or -1 once too long.
  const node = (depth: number): number => {
    if (len >= maxLength) return -1;
    const r = depth < maxDepth ? rng.next() : 1;
    if (r > 0.25) {
      const v = rng.int(10);
      buf[len++] = DIGIT0 + v;
      return v;
    }
    const n = 2 + rng.int(maxArgs - 1); // randint(2, maxArgs), both ends included
    const at = len++; // the operator's id, filled in once it is drawn
    const c = counts[depth];
    for (let k = 0; k < n; k++) {
      const v = node(depth + 1);
      if (v < 0) return -1;
      c[v]++;
    }
    const op = rng.int(4);
    buf[at] = OP0 + op;
    if (len >= maxLength) return -1;
    buf[len++] = END;
    const value = valueOfCounts(OPERATORS[op], c, n);
    c.fill(0);
    return value;
  };

  const seen = new Set<number>();
  const total = sizes.reduce((a, b) => a + b, 0);
  const chunks: Uint8Array[] = [];
  const lengths: number[] = [];
  const targets: number[] = [];
  while (targets.length < total) {
    len = 0;
    for (const c of counts) c.fill(0); // an abandoned tree leaves counts behind
    const value = node(1);
    if (value < 0 || len <= minLength || len >= maxLength) continue;
    const h = hash53(buf, len);
    if (seen.has(h)) continue;
    seen.add(h);
    const seq = new Uint8Array(len + 1);
    seq.set(buf.subarray(0, len));
    seq[len] = LISTOPS_EOS;
    chunks.push(seq);
    lengths.push(len + 1);
    targets.push(value);
  }

  const splits: ListOpsSplit[] = [];
  let first = 0;
  for (const count of sizes) {
    const offsets = new Int32Array(count + 1);
    for (let i = 0; i < count; i++) offsets[i + 1] = offsets[i] + lengths[first + i];
    const ids = new Uint8Array(offsets[count]);
    for (let i = 0; i < count; i++) ids.set(chunks[first + i], offsets[i]);
    splits.push(new ListOpsSplit(ids, offsets, Uint8Array.from(targets.slice(first, first + count))));
    first += count;
  }
  return splits;
}

/** The value of an operator whose n argument values are counted by digit in `c`. */
function valueOfCounts(op: Operator, c: Int32Array, n: number): number {
  // The k-th smallest argument (from 0).
  const kth = (k: number) => {
    let d = 0;
    for (let seen = c[0]; seen <= k; seen += c[++d]);
    return d;
  };
  switch (op) {
    case 'MIN':
      return kth(0);
    case 'MAX':
      return kth(n - 1);
    case 'MED':
      return n % 2 ? kth(n >> 1) : Math.trunc((kth((n >> 1) - 1) + kth(n >> 1)) / 2);
    case 'SM': {
      let sum = 0;
      for (let d = 1; d < 10; d++) sum += d * c[d];
      return sum % 10;
    }
  }
}

/** cyrb53: a fast 53-bit string hash, over bytes. */
function hash53(bytes: Uint8Array, n: number): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < n; i++) {
    h1 = Math.imul(h1 ^ bytes[i], 2654435761);
    h2 = Math.imul(h2 ^ bytes[i], 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}
