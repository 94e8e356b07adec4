// The weights of a model folder as the Hugging Face Hub has them: one model.safetensors, or shards
// listed by model.safetensors.index.json ({"metadata": {...}, "weight_map": {tensor: shard}}, the
// shards named model-0000k-of-0000n.safetensors by transformers). Every header is read, and the
// names and shapes checked against config.json (weights_check.ts), before any tensor data; then
// each tensor is read alone and converted to f32 from F32, F16 or BF16 (state-spaces/mamba-*-hf
// ship F32, other conversions 16-bit), so the peak is the model plus one tensor, not the files.
//
// Our saves write the same layouts (checkpoint.ts: shards above a size), through the commit
// protocol; the reader opens the index and its shards as one checkpoint (checkpoint_files.ts).

import fs from 'node:fs';
import path from 'node:path';
import { decodeSafetensorsHeader, safetensorsHeaderLength, toFloat32, type Entry, type NamedTensor } from './safetensors_codec.js';
import { INDEX, readAll, readRange, type OpenFile } from './checkpoint_files.js';

export { INDEX };

/** mamba_ssm's state dicts call the embedding `backbone.embedding.weight`; transformers renames it on load. */
const RENAMES: Readonly<Record<string, string>> = { 'backbone.embedding.weight': 'backbone.embeddings.weight' };

/** Where one tensor's bytes are. */
export interface LocatedTensor {
  label: string; // the file that holds it, for errors
  file: OpenFile;
  entry: Entry;
  dataStart: number;
}

/** The weight files of a folder, open, with every tensor located by its (renamed) name. */
export interface WeightFiles {
  /** The file that lists the weights: model.safetensors, or the index of a sharded folder. */
  label: string;
  tensors: Map<string, LocatedTensor>;
}

/**
 * The weights among a checkpoint's open files (openCheckpointFiles): model.safetensors, or else
 * the index and the shards it names.
 */
export function openWeightFiles(files: Map<string, OpenFile | null>, labelOf: (p: string) => string): WeightFiles {
  const model = files.get('model.safetensors');
  if (model) {
    const label = labelOf(model.path);
    const tensors = new Map<string, LocatedTensor>();
    const header = readHeader(model, label);
    for (const entry of header.entries) addRenamed(tensors, { label, file: model, entry, dataStart: header.dataStart });
    return { label, tensors };
  }
  const index = files.get(INDEX);
  if (!index) throw new Error(`openWeightFiles: neither model.safetensors nor ${INDEX} is open`);
  return openSharded(index, files, labelOf);
}

function openSharded(indexFile: OpenFile, files: Map<string, OpenFile | null>, labelOf: (p: string) => string): WeightFiles {
  const indexLabel = labelOf(path.join(path.dirname(indexFile.path), INDEX));
  let index: unknown;
  try {
    index = JSON.parse(readAll(indexFile).toString('utf8'));
  } catch (err) {
    throw new Error(`${indexLabel}: invalid JSON (${(err as Error).message})`);
  }
  const map = (index as { weight_map?: unknown } | null)?.weight_map;
  if (typeof map !== 'object' || map === null || Array.isArray(map)) {
    throw new Error(`${indexLabel}: expected an object with a "weight_map" of tensor name → shard file, got ${JSON.stringify(index)?.slice(0, 80)}`);
  }
  const weightMap = map as Record<string, unknown>;
  // shard file → the tensors the index places in it
  const byShard = new Map<string, string[]>();
  for (const [name, shard] of Object.entries(weightMap)) {
    // A shard is a file beside the index, never a path elsewhere.
    if (typeof shard !== 'string' || shard === '' || shard !== path.basename(shard) || shard === '.' || shard === '..') {
      throw new Error(`${indexLabel}: weight_map places tensor ${name} in ${JSON.stringify(shard)}, not a file name in this folder`);
    }
    byShard.set(shard, [...(byShard.get(shard) ?? []), name]);
  }
  const w: WeightFiles = { label: indexLabel, tensors: new Map() };
  const headers = new Map<string, { label: string; file: OpenFile; header: ReturnType<typeof readHeader> }>();
  for (const [shard, names] of byShard) {
    const file = files.get(shard);
    if (!file) {
      const more = names.length > 1 ? ` and ${names.length - 1} more` : '';
      throw new Error(`${indexLabel}: shard ${shard} is missing; the index places tensor ${names[0]}${more} in it`);
    }
    const label = labelOf(path.join(path.dirname(file.path), shard));
    headers.set(shard, { label, file, header: readHeader(file, label) });
  }
  for (const [shard, { label, file, header }] of headers) {
    for (const entry of header.entries) {
      const placed = weightMap[entry.name];
      if (placed === shard) continue;
      const twice = typeof placed === 'string' && headers.get(placed)?.header.entries.some((e) => e.name === entry.name);
      throw new Error(
        twice
          ? `${label}: tensor ${entry.name} is in two shards, ${shard} and ${placed} (${indexLabel} places it in ${placed})`
          : `${label}: holds tensor ${entry.name}, which ${indexLabel} ${placed === undefined ? 'does not list' : `places in ${placed}`}`,
      );
    }
    const inShard = new Map(header.entries.map((e) => [e.name, e]));
    for (const name of byShard.get(shard)!) {
      const entry = inShard.get(name);
      if (!entry) throw new Error(`${label}: tensor ${name} is missing; ${indexLabel} places it in this shard`);
      addRenamed(w.tensors, { label, file, entry, dataStart: header.dataStart });
    }
  }
  return w;
}

function addRenamed(out: Map<string, LocatedTensor>, t: LocatedTensor): void {
  const name = RENAMES[t.entry.name] ?? t.entry.name;
  const prev = out.get(name);
  if (prev) {
    throw new Error(`${t.label}: tensor ${t.entry.name} and ${prev.label === t.label ? '' : `${prev.label}'s `}${prev.entry.name} are both the model's ${name}; keep one`);
  }
  out.set(name, t);
}

/** The header of a safetensors file, read without its data. */
function readHeader(f: OpenFile, label: string): ReturnType<typeof decodeSafetensorsHeader> {
  const size = fs.fstatSync(f.fd).size;
  const first = readRange(f, 0, 8);
  const headerLen = first.length === 8 ? safetensorsHeaderLength(first) : 0;
  // A header longer than the file is reported by the decoder without being read.
  const head = headerLen <= size - 8 ? readRange(f, 0, 8 + headerLen) : first;
  return decodeSafetensorsHeader(head, size, label);
}

/** Reads every tensor, one at a time, as f32. */
export function readWeights(w: WeightFiles): Map<string, NamedTensor> {
  const out = new Map<string, NamedTensor>();
  for (const [name, t] of w.tensors) out.set(name, readWeight(t));
  return out;
}

/** One tensor as f32. */
export function readWeight(t: LocatedTensor): NamedTensor {
  const { entry } = t;
  return { shape: entry.shape, data: readValues(t, 0, entry.end - entry.begin) };
}

/** Bytes of a matrix read at a time by readRowBlocks. */
const BLOCK_BYTES = 8 * 2 ** 20;

/**
 * A matrix [rows, cols] (2-D tensor) as f32 blocks of rows, `use(block, firstRow)` for each: a
 * loader that packs it never holds it whole (the embedding of mamba-2.8b-hf is 515 MB in f32).
 */
export function readRowBlocks(t: LocatedTensor, use: (block: Float32Array, firstRow: number) => void): void {
  const { entry } = t;
  const [rows, cols] = entry.shape;
  const rowBytes = (entry.end - entry.begin) / rows;
  const step = Math.max(1, Math.floor(BLOCK_BYTES / rowBytes));
  // One buffer for the bytes and one for the values, reused by every block: no garbage per block.
  const raw = Buffer.allocUnsafe(Math.min(rows, step) * rowBytes);
  const values = new Float32Array(Math.min(rows, step) * cols);
  for (let r = 0; r < rows; r += step) {
    const n = Math.min(step, rows - r);
    use(readValues(t, r * rowBytes, n * rowBytes, raw, values), r);
  }
}

/** `length` bytes of the tensor's data from `offset`, as f32 (read into `raw` and converted into `out` when given). */
function readValues(t: LocatedTensor, offset: number, length: number, raw?: Buffer, out?: Float32Array): Float32Array {
  const bytes = raw ? readInto(t.file, raw.subarray(0, length), t.dataStart + t.entry.begin + offset) : readRange(t.file, t.dataStart + t.entry.begin + offset, length);
  if (bytes.length !== length) throw new Error(`${t.label}: file shrank while tensor ${t.entry.name} was read`);
  return toFloat32(bytes, t.entry.dtype, out);
}

/** Fills buf from `position` of the file (fewer bytes at its end): the bytes read. */
function readInto(f: OpenFile, buf: Buffer, position: number): Buffer {
  let got = 0;
  while (got < buf.length) {
    const n = fs.readSync(f.fd, buf, got, buf.length - got, position + got);
    if (n === 0) break;
    got += n;
  }
  return buf.subarray(0, got);
}
