// Atomic file replacement: write a temp file in the same folder, fsync it, rename it over the
// target. rename() within one filesystem is atomic, so a reader (or a crash) sees either the
// whole old file or the whole new one, never a torn write.
//
// `fs` is used through its default object (not named imports) so that tests can simulate a
// failure at any step by replacing one of its functions.

import fs from 'node:fs';
import path from 'node:path';

/** The temp path used while writing `target`: `${target}.tmp-<pid>-<random>`. */
export function tempPathFor(target: string): string {
  const rand = Math.floor(Math.random() * 0x100000000).toString(16).padStart(8, '0');
  return `${target}.tmp-${process.pid}-${rand}`;
}

/** True for a path that writeFileAtomic could have left behind when killed mid-write. */
export function isTempPath(file: string): boolean {
  return /\.tmp-\d+-[0-9a-f]{8}$/.test(file);
}

/**
 * Removes the temp files that writers killed mid-write left in `dir` (their pid is not running),
 * so that repeated kills do not pile up half-written checkpoints. A file of a running process,
 * this one's included, may still be renamed into place and is kept; so is one whose pid was reused.
 * Best effort: a folder we may not write to keeps its files.
 */
export function removeStaleTemps(dir: string): void {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const m = /\.tmp-(\d+)-[0-9a-f]{8}$/.exec(name);
    if (!m || Number(m[1]) === process.pid || isRunning(Number(m[1]))) continue;
    try {
      fs.rmSync(path.join(dir, name), { force: true });
    } catch {
      // see above
    }
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it runs, as another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function writeFileAtomic(target: string, data: Uint8Array | string): void {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  writeFileAtomicWith(target, (fd) => writeAll(fd, bytes));
}

/**
 * writeFileAtomic for a file written piece by piece: `write` gets the temp file's descriptor
 * (writeAll each piece), so that a file larger than any one buffer (a model's weights) is never
 * held whole in memory.
 */
export function writeFileAtomicWith(target: string, write: (fd: number) => void): void {
  const tmp = tempPathFor(target);
  let fd: number | null = null;
  try {
    fd = fs.openSync(tmp, 'wx');
    write(fd);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = null;
    fs.renameSync(tmp, target);
  } catch (err) {
    if (fd !== null) {
      try {
        fs.closeSync(fd);
      } catch {
        // already failing: the original error is the one to report
      }
    }
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  syncDir(path.dirname(target));
}

/** One write call takes at most 2 GiB − 1 bytes (ERR_OUT_OF_RANGE above): larger arrays go in pieces of 1 GiB. */
const WRITE_PIECE = 2 ** 30;

/** Appends all of `bytes` at the descriptor's position. */
export function writeAll(fd: number, bytes: Uint8Array): void {
  let written = 0;
  while (written < bytes.length) written += fs.writeSync(fd, bytes, written, Math.min(WRITE_PIECE, bytes.length - written));
}

/** JSON with two-space indentation and a final newline, written atomically. */
export function writeJsonAtomic(target: string, value: unknown): void {
  writeFileAtomic(target, JSON.stringify(value, null, 2) + '\n');
}

/**
 * Makes a rename durable across power loss (the directory entry lives in the folder). Best
 * effort: some platforms (Windows) cannot open a folder for fsync, and the rename has already
 * happened for every reader of this machine.
 */
export function syncDir(dir: string): void {
  let fd: number | null = null;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // see above: durability only, not correctness for readers
  } finally {
    if (fd !== null) fs.closeSync(fd);
  }
}
