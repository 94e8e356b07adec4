// The safetensors format (Hugging Face): an 8-byte little-endian u64 header length N, N bytes of
// JSON header {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__"?: {str: str}},
// then the byte buffer. Offsets are relative to the buffer, which the tensors must cover exactly
// (no overlaps, no holes). We write F32 only and read F32, F16, BF16 and F64 into Float32Array.
// This file encodes and decodes bytes (browsers too); safetensors.ts reads and writes files.

export interface NamedTensor {
  shape: number[];
  data: Float32Array;
}

/** Bytes per element of every dtype we read. */
const DTYPE_SIZES: Record<string, number> = { F32: 4, F16: 2, BF16: 2, F64: 8 };
/** What other writers may produce; named in errors so the user knows it is not corruption. */
const KNOWN_UNSUPPORTED = ['BOOL', 'U8', 'I8', 'I16', 'U16', 'I32', 'U32', 'I64', 'U64', 'F8_E4M3', 'F8_E5M2'];

// Copying raw bytes into a Float32Array assumes a little-endian host, which every platform that
// runs Node or a browser today is; fail loudly rather than load garbage on an exotic one.
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function shapeStr(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

function product(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Serialises F32 tensors, sorted by name (as the reference writer orders tensors of one dtype). */
export function encodeSafetensors(tensors: Map<string, NamedTensor>, metadata?: Record<string, string>): Uint8Array {
  const { head, names, dataBytes } = encodeSafetensorsHeader(tensors, metadata);
  const out = new Uint8Array(head.length + dataBytes);
  out.set(head, 0);
  let pos = head.length;
  for (const name of names) {
    const d = tensors.get(name)!.data;
    out.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), pos);
    pos += d.byteLength;
  }
  return out;
}

/**
 * What precedes the data of a file of F32 tensors: the 8-byte length and the JSON header (checked
 * and padded); then the data is each tensor's bytes in the order of `names` (sorted), `dataBytes`
 * in all. A writer of large files streams the data after it tensor by tensor.
 */
export function encodeSafetensorsHeader(tensors: Map<string, NamedTensor>, metadata?: Record<string, string>): { head: Uint8Array; names: string[]; dataBytes: number } {
  if (!LITTLE_ENDIAN) throw new Error('safetensors: big-endian hosts are not supported');
  const names = [...tensors.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const header: Record<string, unknown> = {};
  if (metadata !== undefined) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new Error(`encodeSafetensors: metadata value of "${k}" must be a string, got ${typeof v}`);
    }
    header.__metadata__ = metadata;
  }
  let offset = 0;
  for (const name of names) {
    const t = tensors.get(name)!;
    if (name === '__metadata__' || name === '') throw new Error(`encodeSafetensors: invalid tensor name "${name}"`);
    if (!t.shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new Error(`encodeSafetensors: tensor ${name} has invalid shape ${shapeStr(t.shape)}`);
    }
    if (!(t.data instanceof Float32Array)) throw new Error(`encodeSafetensors: tensor ${name} data must be a Float32Array`);
    if (t.data.length !== product(t.shape)) {
      throw new Error(`encodeSafetensors: tensor ${name} has ${t.data.length} values but shape ${shapeStr(t.shape)} needs ${product(t.shape)}`);
    }
    header[name] = { dtype: 'F32', shape: [...t.shape], data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  // Pad with spaces so the buffer starts 8-byte aligned (allowed by the spec, done by the reference).
  const jsonBytes0 = new TextEncoder().encode(json);
  json += ' '.repeat((8 - (jsonBytes0.length % 8)) % 8);
  const jsonBytes = new TextEncoder().encode(json);
  const head = new Uint8Array(8 + jsonBytes.length);
  const view = new DataView(head.buffer);
  view.setUint32(0, jsonBytes.length, true);
  view.setUint32(4, Math.floor(jsonBytes.length / 0x100000000), true);
  head.set(jsonBytes, 8);
  return { head, names, dataBytes: offset };
}

export interface Entry {
  name: string;
  dtype: string;
  shape: number[];
  begin: number;
  end: number;
}

/** A parsed header: where each tensor lies in the data, which starts at byte `dataStart`. */
export interface SafetensorsHeader {
  entries: Entry[];
  metadata: Record<string, string>;
  dataStart: number;
}

/**
 * Reads and checks the header: `head` holds at least the file's first 8 + N bytes, `fileLength`
 * is the whole file's length. The tensors' data is not needed, so a loader can check names and
 * shapes before reading (or allocating) any of it.
 */
export function decodeSafetensorsHeader(head: Uint8Array, fileLength: number, fileLabel = '<buffer>'): SafetensorsHeader {
  const fail = (msg: string): never => {
    throw new Error(`${fileLabel}: ${msg}`);
  };
  if (fileLength < 8) fail(`not a safetensors file: ${fileLength} bytes, shorter than the 8-byte header length`);
  const headerLen = safetensorsHeaderLength(head);
  if (headerLen > fileLength - 8) {
    fail(`header length ${headerLen} is larger than the ${fileLength - 8} bytes after it (truncated or not a safetensors file)`);
  }
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(head.subarray(8, 8 + headerLen)));
  } catch (err) {
    fail(`header is not valid UTF-8 JSON (${(err as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) fail('header is not a JSON object');
  const dataStart = 8 + headerLen;
  const bufferLen = fileLength - dataStart;

  const metadata: Record<string, string> = {};
  const entries: Entry[] = [];
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail('__metadata__ is not an object');
      for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
        if (typeof v !== 'string') fail(`__metadata__.${k} must be a string, got ${JSON.stringify(v)}`);
        metadata[k] = v as string;
      }
      continue;
    }
    entries.push(parseEntry(name, raw, fail));
  }

  for (const e of entries) {
    if (e.end > bufferLen) {
      fail(`tensor ${e.name}: data_offsets [${e.begin}, ${e.end}] run past the end of the data (${bufferLen} bytes; file truncated?)`);
    }
  }
  // The spec requires the buffer to be covered exactly: sort by begin and walk without gaps.
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  let prev: Entry | null = null;
  for (const e of sorted) {
    if (e.begin < covered) fail(`tensor ${e.name}: data_offsets [${e.begin}, ${e.end}] overlap tensor ${prev!.name} [${prev!.begin}, ${prev!.end}]`);
    if (e.begin > covered) fail(`tensor ${e.name}: bytes ${covered}..${e.begin} of the data belong to no tensor (a hole)`);
    covered = e.end;
    prev = e;
  }
  if (covered !== bufferLen) fail(`bytes ${covered}..${bufferLen} of the data belong to no tensor (trailing bytes)`);
  return { entries, metadata, dataStart };
}

/** N, the header's length, from the file's first 8 bytes (a little-endian u64). */
export function safetensorsHeaderLength(head: Uint8Array): number {
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  return view.getUint32(0, true) + view.getUint32(4, true) * 0x100000000;
}

export function decodeSafetensors(bytes: Uint8Array, fileLabel = '<buffer>'): { tensors: Map<string, NamedTensor>; metadata: Record<string, string> } {
  if (!LITTLE_ENDIAN) throw new Error('safetensors: big-endian hosts are not supported');
  const { entries, metadata, dataStart } = decodeSafetensorsHeader(bytes, bytes.length, fileLabel);
  const tensors = new Map<string, NamedTensor>();
  for (const e of entries) {
    const raw = bytes.subarray(dataStart + e.begin, dataStart + e.end);
    tensors.set(e.name, { shape: e.shape, data: toFloat32(raw, e.dtype) });
  }
  return { tensors, metadata };
}

function parseEntry(name: string, raw: unknown, fail: (msg: string) => never): Entry {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail(`tensor ${name}: header entry is not an object`);
  const { dtype, shape, data_offsets: offsets } = raw as Record<string, unknown>;
  if (typeof dtype !== 'string') fail(`tensor ${name}: dtype is missing or not a string`);
  const size = DTYPE_SIZES[dtype as string];
  if (size === undefined) {
    const kind = KNOWN_UNSUPPORTED.includes(dtype as string) ? 'unsupported' : 'unknown';
    fail(`tensor ${name}: ${kind} dtype ${JSON.stringify(dtype)} (supported: ${Object.keys(DTYPE_SIZES).join(', ')})`);
  }
  if (!Array.isArray(shape)) fail(`tensor ${name}: shape is missing or not an array`);
  for (const d of shape as unknown[]) {
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) {
      fail(`tensor ${name}: shape ${JSON.stringify(shape)} has an entry that is not a non-negative integer`);
    }
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => typeof o === 'number' && Number.isInteger(o) && o >= 0)) {
    fail(`tensor ${name}: data_offsets must be two non-negative integers [begin, end], got ${JSON.stringify(offsets)}`);
  }
  const [begin, end] = offsets as [number, number];
  if (end < begin) fail(`tensor ${name}: data_offsets [${begin}, ${end}] end before they begin`);
  const s = shape as number[];
  const expected = product(s) * size;
  if (end - begin !== expected) {
    fail(`tensor ${name}: shape ${shapeStr(s)} of ${dtype} needs ${expected} bytes but data_offsets [${begin}, ${end}] span ${end - begin}`);
  }
  return { name, dtype: dtype as string, shape: [...s], begin, end };
}

/**
 * Converts little-endian raw bytes of the given dtype to f32: a fresh Float32Array, or the first
 * values of `out` when given (a loader reading a matrix by blocks reuses one array).
 */
export function toFloat32(raw: Uint8Array, dtype: string, out?: Float32Array): Float32Array {
  const n = raw.length / DTYPE_SIZES[dtype];
  // Copy into an aligned array of our own so the result never aliases the file bytes (and not
  // with slice(): on a Node Buffer it returns a view of the same memory).
  if (dtype === 'F32') {
    const f = out ? out.subarray(0, n) : new Float32Array(n);
    new Uint8Array(f.buffer, f.byteOffset, raw.length).set(raw);
    return f;
  }
  const buf = new Uint8Array(raw).buffer;
  const f = out ? out.subarray(0, n) : new Float32Array(n);
  switch (dtype) {
    case 'F64':
      f.set(new Float64Array(buf));
      return f;
    case 'BF16': {
      // bfloat16 is the top half of an f32: shift the bits back into place.
      const src = new Uint16Array(buf);
      const bits = new Uint32Array(f.buffer, f.byteOffset, n);
      for (let i = 0; i < n; i++) bits[i] = src[i] << 16;
      return f;
    }
    case 'F16': {
      const src = new Uint16Array(buf);
      for (let i = 0; i < n; i++) f[i] = halfToFloat(src[i]);
      return f;
    }
    default:
      throw new Error(`toFloat32: unreachable dtype ${dtype}`);
  }
}

/** IEEE 754 binary16 → number: 1 sign bit, 5 exponent bits (bias 15), 10 mantissa bits. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24; // zero and subnormals: mant · 2^(1−15−10)
  if (exp === 0x1f) return mant === 0 ? sign * Infinity : NaN;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}
