// The ListOps splits as the LRA release's files, so that the same data can be checked or used by
// another implementation: basic_train.tsv, basic_val.tsv, basic_test.tsv in `dir`, each a
// `Source\tTarget` header and one expression (the release's text, see listops.ts) and its value per
// line, with the CRLF line ends of Python's csv.writer that wrote the release. Node only.
//
//   node scripts/listops-tsv.mjs DIR [--seed N] [--train N --val N --test N]
//
// The full 96k / 2k / 2k at seed 0 is 662 MB of text (the release's nested parentheses make a
// 1,000-token expression about 6.6 kB); writing it took 20 s of CPU and 374 MB of memory here.

import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { listOpsSplits, ListOpsSplit } from './listops.js';

export interface ListOpsTsvOptions {
  seed: number;
  sizes?: { train: number; val: number; test: number };
}

/** Writes the three splits; returns the paths written. */
export function writeListOpsTsv(dir: string, opts: ListOpsTsvOptions): string[] {
  mkdirSync(dir, { recursive: true });
  const splits = listOpsSplits(opts);
  return (['train', 'val', 'test'] as const).map((name) => {
    const path = join(dir, `basic_${name}.tsv`);
    writeSplit(path, splits[name]);
    return path;
  });
}

function writeSplit(path: string, split: ListOpsSplit): void {
  const fd = openSync(path, 'w');
  try {
    let lines = ['Source\tTarget'];
    for (let i = 0; i < split.size; i++) {
      lines.push(`${split.source(i)}\t${split.target(i)}`);
      if (lines.length >= 1000) {
        writeSync(fd, lines.join('\r\n') + '\r\n');
        lines = [];
      }
    }
    if (lines.length) writeSync(fd, lines.join('\r\n') + '\r\n');
  } finally {
    closeSync(fd);
  }
}
