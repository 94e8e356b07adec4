// The run folder of `train`: a fresh run gets its own folder (runs/<corpus>-<date>-<time> by
// default) and never writes into another run's files unless told to (--overwrite); a resumed run
// reads its settings back from the folder.

import fs from 'node:fs';
import path from 'node:path';
import { CHECKPOINT_FILES } from '../io/checkpoint.js';
import { SHARD_FILE } from '../io/checkpoint_files.js';
import { isTempPath } from '../io/atomic.js';
import { MOBY_DICK, type CorpusRecord } from '../data/corpus.js';

/** Files a training run writes (a checkpoint, its staged copies and redo record, the metrics). */
function isRunFile(name: string): boolean {
  const base = isTempPath(name) ? name.replace(/\.tmp-\d+-[0-9a-f]{8}$/, '') : name;
  const file = base.endsWith('.next') ? base.slice(0, -'.next'.length) : base;
  return (CHECKPOINT_FILES as readonly string[]).includes(file) || SHARD_FILE.test(file) || file === 'checkpoint.pending.json' || file === 'metrics.jsonl';
}

/** runs/<corpus name>-<YYYYMMDD>-<HHMMSS>, with -2, -3… if two runs start in the same second. */
export function defaultRunDir(corpus: CorpusRecord, now = new Date()): string {
  const name = corpus.source === MOBY_DICK ? MOBY_DICK : path.basename(corpus.source).replace(/\.[^.]*$/, '').replace(/[^\w.-]+/g, '_') || 'corpus';
  const p = (n: number) => String(n).padStart(2, '0');
  const stamp = `${now.getFullYear()}${p(now.getMonth() + 1)}${p(now.getDate())}-${p(now.getHours())}${p(now.getMinutes())}${p(now.getSeconds())}`;
  const base = path.join('runs', `${name}-${stamp}`);
  let dir = base;
  for (let i = 2; fs.existsSync(dir); i++) dir = `${base}-${i}`;
  return dir;
}

/**
 * Makes `dir` ready for a fresh run. A folder that holds anything is refused (a new run would mix
 * its metrics with the old checkpoint until its first save), unless `overwrite`: then the old
 * run's files are deleted first, and files that no run writes are never deleted.
 */
export function prepareFreshRunDir(dir: string, overwrite: boolean): void {
  if (!fs.existsSync(dir)) return;
  if (!fs.statSync(dir).isDirectory()) throw new Error(`--out ${dir} is a file, expected a run folder`);
  const names = fs.readdirSync(dir).sort();
  if (names.length === 0) return;
  if (!overwrite) {
    throw new Error(`--out ${dir} already holds a run (${names.join(', ')}): add --resume to continue it, --overwrite to replace it, or choose another --out`);
  }
  const foreign = names.filter((n) => !isRunFile(n));
  if (foreign.length > 0) throw new Error(`--overwrite: ${dir} holds files that no training run writes (${foreign.join(', ')}); not deleting them, choose another --out`);
  for (const n of names) fs.rmSync(path.join(dir, n), { force: true });
}
