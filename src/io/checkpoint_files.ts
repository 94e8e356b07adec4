// The files of a checkpoint folder, its pending-commit record, and how a reader opens one whole
// checkpoint while a writer may be saving the next (the save protocol is in checkpoint.ts).

import fs from 'node:fs';
import path from 'node:path';

/** A sharded folder's list of its weights ({"metadata": {"total_size": …}, "weight_map": {tensor: shard}}). */
export const INDEX = 'model.safetensors.index.json';
export const CHECKPOINT_FILES = ['config.json', 'model.safetensors', INDEX, 'tokenizer.json', 'tokenizer_config.json', 'trainer_state.json', 'optimizer.safetensors'] as const;
export type FileName = (typeof CHECKPOINT_FILES)[number];
export const PENDING = 'checkpoint.pending.json';

/** A shard's name as transformers writes it: model-0000k-of-0000n.safetensors, k 1-based, 5 digits. */
export const SHARD_FILE = /^model-\d{5}-of-\d{5}\.safetensors$/;

export function shardFile(k: number, n: number): string {
  return `model-${String(k).padStart(5, '0')}-of-${String(n).padStart(5, '0')}.safetensors`;
}

/**
 * The commit record. files: for each file of the new checkpoint, true = staged as `<name>.next`,
 * false = absent. shards: the new checkpoint's weight shards (staged as `<shard>.next` too), when
 * it is sharded. id: random, different for every save, so that a reader sees a new commit even
 * when its files are the same as the last one's (records of older versions have none).
 */
export type PendingRecord = { files: Record<FileName, boolean>; shards?: string[]; id?: string };

/** The record's text, or null when there is none. */
export function readPendingText(dir: string): string | null {
  try {
    return fs.readFileSync(path.join(dir, PENDING), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** The record, or null when there is none; 'garbage' when it is not a record. */
export function parsePending(text: string | null): PendingRecord | null | 'garbage' {
  if (text === null) return null;
  try {
    const record = JSON.parse(text) as PendingRecord;
    if (typeof record?.files !== 'object' || record.files === null || Array.isArray(record.files)) return 'garbage';
    return record;
  } catch {
    return 'garbage';
  }
}

/**
 * What a record means to a reader. Ours are written atomically (temp + rename), so one that does not
 * parse was never written by a save: a hand edit, disk damage, a torn copy of the folder. With no
 * staged file left it has nothing to redo and the files in place are the checkpoint; with staged
 * files we cannot tell whether they were committed, so the user must choose.
 */
function readerRecord(dir: string, text: string | null): PendingRecord | null {
  const record = parsePending(text);
  if (record !== 'garbage') return record;
  const staged = CHECKPOINT_FILES.filter((name) => fs.existsSync(path.join(dir, `${name}.next`)));
  if (staged.length === 0) return null;
  const file = path.join(dir, PENDING);
  throw new Error(
    `${file}: not a pending-checkpoint record (it is written atomically, so it was changed by something else), and the folder holds ` +
      `staged files ${staged.map((n) => `${n}.next`).join(', ')} that it may or may not have committed. Delete ${PENDING} to keep the ` +
      `files in place (the previous checkpoint), or rename each .next file over its file to take the staged one.`,
  );
}

/** An open file of the checkpoint: what a reader reads, whatever renames happen meanwhile. */
export interface OpenFile {
  path: string;
  fd: number;
}

/** Where each file of the current checkpoint is, following an unfinished commit if there is one. */
function locate(dir: string, record: PendingRecord | null, names: readonly string[]): Map<string, string | null> {
  const out = new Map<string, string | null>();
  for (const name of names) {
    const target = path.join(dir, name);
    if (record && (CHECKPOINT_FILES as readonly string[]).includes(name) && !record.files[name as FileName]) out.set(name, null);
    else if (record && fs.existsSync(`${target}.next`)) out.set(name, `${target}.next`);
    else out.set(name, fs.existsSync(target) ? target : null);
  }
  return out;
}

/** The shard files an index names (file names only; openSharded reports a malformed index). */
function shardsOf(index: OpenFile): string[] {
  try {
    const map = (JSON.parse(readAll(index).toString('utf8')) as { weight_map?: unknown })?.weight_map;
    if (typeof map !== 'object' || map === null) return [];
    const files = Object.values(map).filter((f): f is string => typeof f === 'string' && f !== '' && f === path.basename(f) && f !== '.' && f !== '..');
    return [...new Set(files)];
  } catch {
    return [];
  }
}

const sameFile = (p: string, fd: number): boolean => {
  try {
    const a = fs.statSync(p, { bigint: true });
    const b = fs.fstatSync(fd, { bigint: true });
    return a.ino === b.ino && a.dev === b.dev;
  } catch {
    return false;
  }
};

const sleep = (ms: number): void => {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
};

/**
 * Opens `names` as one checkpoint (absent files map to null), and with the index the shards it
 * names (keyed by shard file name). A save replaces files by rename and never writes into one,
 * so an open descriptor keeps the bytes it was opened on. The open is taken whole when, after
 * opening, the commit record is unchanged and every opened path still holds the file that was
 * opened: any rename of a save in between (all of which happen while the record exists, and each
 * save writes a new record) fails one of the two checks, and the open is retried.
 * The caller closes the descriptors (closeFiles).
 */
export function openCheckpointFiles(dir: string, names: readonly FileName[], timeoutMs = 10_000): Map<string, OpenFile | null> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; ; attempt++) {
    const before = readPendingText(dir);
    const record = readerRecord(dir, before);
    const opened = new Map<string, OpenFile | null>();
    let whole = true;
    const open = (where: Map<string, string | null>): void => {
      for (const [name, p] of where) {
        if (p === null) {
          opened.set(name, null);
          continue;
        }
        try {
          opened.set(name, { path: p, fd: fs.openSync(p, 'r') });
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
          whole = false; // renamed away between locate and open
          return;
        }
      }
    };
    try {
      open(locate(dir, record, names));
      const index = opened.get(INDEX);
      if (whole && index) open(locate(dir, record, shardsOf(index)));
      whole &&= readPendingText(dir) === before && [...opened.values()].every((f) => f === null || sameFile(f.path, f.fd));
    } catch (err) {
      closeFiles(opened);
      throw err;
    }
    if (whole) return opened;
    closeFiles(opened);
    if (Date.now() > deadline) {
      throw new Error(`${dir}: the checkpoint kept changing while it was read (${attempt + 1} attempts in ${timeoutMs} ms: a run saving into it?); try again`);
    }
    sleep(Math.min(50, 1 << Math.min(attempt, 6)));
  }
}

export function closeFiles(files: Map<string, OpenFile | null>): void {
  for (const f of files.values()) {
    if (f !== null) fs.closeSync(f.fd);
  }
}

/** The whole file behind `f`. */
export function readAll(f: OpenFile): Buffer {
  const size = fs.fstatSync(f.fd).size;
  const buf = Buffer.allocUnsafe(size);
  let got = 0;
  while (got < size) {
    const n = fs.readSync(f.fd, buf, got, size - got, got);
    if (n === 0) throw new Error(`${f.path}: file shrank while it was read`);
    got += n;
  }
  return buf;
}

/** `length` bytes from `position` (fewer at the end of the file). */
export function readRange(f: OpenFile, position: number, length: number): Buffer {
  const buf = Buffer.alloc(length);
  let got = 0;
  while (got < length) {
    const n = fs.readSync(f.fd, buf, got, length - got, position + got);
    if (n === 0) break;
    got += n;
  }
  return buf.subarray(0, got);
}
