import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Rng } from '../../src/tensor/random.js';
import { encodeSafetensors, decodeSafetensors, saveSafetensors, loadSafetensors, type NamedTensor } from '../../src/io/safetensors.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mamba-ts-st-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));

function randomTensor(shape: number[], rng: Rng): NamedTensor {
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) data[i] = rng.normal();
  return { shape, data };
}

/** A file from a raw header (object or text) and data bytes; headerLen overrides the length field. */
function craft(header: unknown, data: Uint8Array = new Uint8Array(0), headerLen?: number): Uint8Array {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setUint32(0, headerLen ?? json.length, true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

function u16Bytes(values: number[]): Uint8Array {
  return new Uint8Array(new Uint16Array(values).buffer);
}

function bitsEqual(a: Float32Array, b: Float32Array): boolean {
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

test('encode then decode is bit-exact, including a 0-d tensor, an empty tensor, odd sizes and NaN/-0/Infinity', () => {
  const rng = new Rng(3);
  const tensors = new Map<string, NamedTensor>([
    ['b.weight', randomTensor([7, 3], rng)],
    ['a.bias', randomTensor([5], rng)],
    ['scalar', { shape: [], data: new Float32Array([Math.PI]) }],
    ['empty', { shape: [0, 4], data: new Float32Array(0) }],
    ['special', { shape: [4], data: new Float32Array([NaN, -0, Infinity, 1e-45]) }],
  ]);
  const bytes = encodeSafetensors(tensors, { format: 'pt', note: 'é' });
  const { tensors: back, metadata } = decodeSafetensors(bytes);
  assert.deepEqual(metadata, { format: 'pt', note: 'é' });
  assert.deepEqual([...back.keys()].sort(), [...tensors.keys()].sort());
  for (const [name, t] of tensors) {
    assert.deepEqual(back.get(name)!.shape, t.shape, name);
    assert.ok(bitsEqual(back.get(name)!.data, t.data), `${name} bits differ`);
  }
});

test('the header is padded with spaces so the data starts 8-byte aligned, and tensors are sorted by name', () => {
  const rng = new Rng(4);
  const bytes = encodeSafetensors(new Map([['z', randomTensor([3], rng)], ['a', randomTensor([1], rng)]]));
  const n = new DataView(bytes.buffer).getUint32(0, true);
  assert.equal(n % 8, 0);
  const header = new TextDecoder().decode(bytes.subarray(8, 8 + n));
  assert.match(header, /^\{"a":\{"dtype":"F32","shape":\[1\],"data_offsets":\[0,4\]\},"z":\{"dtype":"F32","shape":\[3\],"data_offsets":\[4,16\]\}\} *$/);
});

test('decoding works on bytes at an unaligned offset inside a larger buffer, and copies them', () => {
  const t = randomTensor([3, 5], new Rng(6));
  const bytes = encodeSafetensors(new Map([['w', t]]));
  const host = new Uint8Array(bytes.length + 3);
  host.set(bytes, 3);
  const w = decodeSafetensors(host.subarray(3)).tensors.get('w')!;
  assert.ok(bitsEqual(w.data, t.data));
  host.fill(0);
  assert.ok(bitsEqual(w.data, t.data), 'the decoded tensor must not alias the input bytes');
});

/** 8-byte little-endian length, then the header text: how the reference writer lays a file out. */
function referenceLayout(header: string, data: number[] = []): number[] {
  return [header.length, 0, 0, 0, 0, 0, 0, 0, ...Buffer.from(header, 'latin1'), ...new Uint8Array(Float32Array.from(data).buffer)];
}

test('the bytes equal the reference Rust writer\'s test fixtures (huggingface/safetensors tensor.rs)', () => {
  const attn0 = new Map([['attn0', { shape: [1, 1, 2, 3], data: Float32Array.from([0, 1, 2, 3, 4, 5]) }]]);
  const header = '{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}' + ' '.repeat(7); // 72 bytes
  assert.deepEqual([...encodeSafetensors(attn0)], referenceLayout(header, [0, 1, 2, 3, 4, 5]));
  assert.deepEqual([...encodeSafetensors(new Map())], referenceLayout('{}      '));
  assert.deepEqual([...encodeSafetensors(new Map(), { framework: 'pt' })], referenceLayout('{"__metadata__":{"framework":"pt"}}     '));
});

test('save and load go through a file', () => {
  const file = path.join(root, 'w.safetensors');
  const t = randomTensor([2, 3], new Rng(5));
  saveSafetensors(file, new Map([['w', t]]));
  assert.ok(bitsEqual(loadSafetensors(file).tensors.get('w')!.data, t.data));
  assert.throws(() => loadSafetensors(path.join(root, 'missing.safetensors')), /missing\.safetensors: file not found/);
});

test('F16 decodes exactly: 1, -2.5, 65504, the smallest subnormal, -0, Infinity, NaN', () => {
  const data = u16Bytes([0x3c00, 0xc100, 0x7bff, 0x0001, 0x8000, 0x7c00, 0x7e00]);
  const bytes = craft({ h: { dtype: 'F16', shape: [7], data_offsets: [0, 14] } }, data);
  const h = decodeSafetensors(bytes).tensors.get('h')!.data;
  assert.deepEqual([...h.slice(0, 4)], [1, -2.5, 65504, 2 ** -24]);
  assert.ok(Object.is(h[4], -0));
  assert.equal(h[5], Infinity);
  assert.ok(Number.isNaN(h[6]));
});

test('BF16 decodes as the top half of an f32 (0x3F80 = 1.0) and F64 is rounded to f32', () => {
  const bf = craft({ b: { dtype: 'BF16', shape: [3], data_offsets: [0, 6] } }, u16Bytes([0x3f80, 0xc020, 0x0000]));
  assert.deepEqual([...decodeSafetensors(bf).tensors.get('b')!.data], [1, -2.5, 0]);
  const f64 = new Uint8Array(new Float64Array([0.1, -3]).buffer);
  const d = craft({ d: { dtype: 'F64', shape: [2, 1], data_offsets: [0, 16] } }, f64);
  assert.deepEqual([...decodeSafetensors(d).tensors.get('d')!.data], [Math.fround(0.1), -3]);
});

const entry = (dtype: string, shape: unknown, offsets: unknown) => ({ dtype, shape, data_offsets: offsets });
const corrupt: Array<[string, () => Uint8Array, RegExp]> = [
  ['a file shorter than 8 bytes', () => new Uint8Array(5), /bad\.safetensors: .*5 bytes, shorter than the 8-byte header length/],
  ['a header length larger than the file', () => craft({}, new Uint8Array(0), 1000), /bad\.safetensors: header length 1000 is larger than the 2 bytes/],
  ['invalid JSON', () => craft('{"w": '), /bad\.safetensors: header is not valid UTF-8 JSON/],
  ['a header that is not an object', () => craft('[1, 2]'), /bad\.safetensors: header is not a JSON object/],
  ['an unknown dtype', () => craft({ w: entry('Q7', [1], [0, 4]) }, new Uint8Array(4)), /bad\.safetensors: tensor w: unknown dtype "Q7" \(supported: F32, F16, BF16, F64\)/],
  ['an integer dtype', () => craft({ w: entry('I64', [1], [0, 8]) }, new Uint8Array(8)), /bad\.safetensors: tensor w: unsupported dtype "I64"/],
  ['shape × dtype size ≠ byte span', () => craft({ w: entry('F32', [3], [0, 8]) }, new Uint8Array(8)), /bad\.safetensors: tensor w: shape \[3\] of F32 needs 12 bytes but data_offsets \[0, 8\] span 8/],
  ['offsets past the data', () => craft({ w: entry('F32', [2], [4, 12]) }, new Uint8Array(8)), /bad\.safetensors: tensor w: data_offsets \[4, 12\] run past the end of the data \(8 bytes/],
  ['end before begin', () => craft({ w: entry('F32', [0], [8, 4]) }, new Uint8Array(8)), /bad\.safetensors: tensor w: data_offsets \[8, 4\] end before they begin/],
  ['non-integer offsets', () => craft({ w: entry('F32', [1], [0, '4']) }, new Uint8Array(4)), /bad\.safetensors: tensor w: data_offsets must be two non-negative integers/],
  ['overlapping tensors', () => craft({ a: entry('F32', [2], [0, 8]), b: entry('F32', [2], [4, 12]) }, new Uint8Array(12)), /bad\.safetensors: tensor b: .*overlap tensor a/],
  ['a hole between tensors', () => craft({ a: entry('F32', [1], [0, 4]), b: entry('F32', [1], [8, 12]) }, new Uint8Array(12)), /bad\.safetensors: tensor b: bytes 4\.\.8 of the data belong to no tensor/],
  ['trailing bytes after the last tensor', () => craft({ a: entry('F32', [1], [0, 4]) }, new Uint8Array(8)), /bad\.safetensors: bytes 4\.\.8 of the data belong to no tensor/],
  ['a non-integer shape entry', () => craft({ w: entry('F32', [2.5], [0, 10]) }, new Uint8Array(10)), /bad\.safetensors: tensor w: shape \[2\.5\] has an entry that is not a non-negative integer/],
  ['a negative shape entry', () => craft({ w: entry('F32', [-1], [0, 0]) }), /bad\.safetensors: tensor w: shape \[-1\]/],
  ['a non-string metadata value', () => craft({ __metadata__: { step: 3 } }), /bad\.safetensors: __metadata__\.step must be a string/],
  [
    'truncated data',
    () => encodeSafetensors(new Map([['w', { shape: [4], data: new Float32Array(4) }]])).slice(0, -4),
    /bad\.safetensors: tensor w: data_offsets \[0, 16\] run past the end of the data \(12 bytes; file truncated\?\)/,
  ],
];

for (const [what, make, expected] of corrupt) {
  test(`decoding rejects ${what} with an error naming the file`, () => {
    assert.throws(() => decodeSafetensors(make(), 'bad.safetensors'), expected);
  });
}

test('encoding rejects data that does not match its shape, naming the tensor', () => {
  const bad = new Map([['w', { shape: [2, 2], data: new Float32Array(3) }]]);
  assert.throws(() => encodeSafetensors(bad), /tensor w has 3 values but shape \[2, 2\] needs 4/);
});
