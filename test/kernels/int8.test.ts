// int8 rows (src/kernels/int8.ts): each weight an integer in [−127, 127] times its row's scale,
// rows padded to 32 bytes; activations rounded to 16 bits; int8MatVec, the specification of the
// fast kernels, as the exact integer product of the two roundings.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/tensor/random.js';
import { int8RowBytes, int8Words, packInt8Rows, unpackInt8Rows, quantizeActivations, int8MatVec } from '../../src/kernels/int8.js';

function rand(n: number, rng: Rng, scale = 1): Float32Array {
  return Float32Array.from({ length: n }, () => (rng.next() * 2 - 1) * scale);
}

test('int8 rows hold every weight within half a step of its row (step max|row| / 127), the largest exactly, for rows of 1 to 37 weights', () => {
  const rng = new Rng(1);
  for (let cols = 1; cols <= 37; cols++) {
    const rows = 3;
    const w = rand(rows * cols, rng, 2);
    const packed = packInt8Rows(w, rows, cols);
    assert.equal(packed.length, int8Words(rows, cols), `cols ${cols}: words`);
    assert.equal(int8RowBytes(cols) % 32, 0);
    const back = unpackInt8Rows(packed, rows, cols);
    for (let r = 0; r < rows; r++) {
      const row = w.subarray(r * cols, (r + 1) * cols);
      const max = Math.max(...row.map(Math.abs));
      const step = max / 127;
      for (let c = 0; c < cols; c++) {
        const err = Math.abs(back[r * cols + c] - row[c]);
        assert.ok(err <= step / 2 + 1e-7 * max, `cols ${cols} [${r}, ${c}]: ${back[r * cols + c]} for ${row[c]}`);
      }
      const at = row.findIndex((v) => Math.abs(v) === max);
      assert.ok(Math.abs(Math.abs(back[r * cols + at]) - max) <= 1e-7 * max, `cols ${cols} row ${r}: the largest weight is ±127 steps`);
    }
    const q = new Int8Array(packed.buffer, 0, rows * int8RowBytes(cols));
    for (let r = 0; r < rows; r++) for (let c = cols; c < int8RowBytes(cols); c++) assert.equal(q[r * int8RowBytes(cols) + c], 0, 'padding is zero');
  }
});

test('a row of zeros packs to scale 0 and unpacks to zeros; a wrong word count names the shape', () => {
  const packed = packInt8Rows(new Float32Array(10), 2, 5);
  assert.ok(unpackInt8Rows(packed, 2, 5).every((v) => v === 0));
  assert.throws(() => unpackInt8Rows(packed, 2, 40), /unpackInt8Rows: 18 words for 2 × 40 int8 rows \(expected 34\)/);
  assert.throws(() => packInt8Rows(new Float32Array(9), 2, 5), /9 weights for 2 × 5/);
});

test('activations round to 16-bit integers of scale max|x| / 32767, ties to even, padded with zeros', () => {
  const { q, scale } = quantizeActivations(Float32Array.of(32767, -1.5, 2.5, 0.5, -32767), 8);
  assert.equal(scale, 1);
  assert.deepEqual([...q], [32767, -2, 2, 0, -32767, 0, 0, 0]);
  const rng = new Rng(2);
  const x = rand(50, rng, 3);
  const r = quantizeActivations(x, 64);
  for (let i = 0; i < 50; i++) assert.ok(Math.abs(r.q[i] * r.scale - x[i]) <= r.scale / 2 + 1e-6 * r.scale, `x[${i}]`);
  assert.deepEqual(quantizeActivations(new Float32Array(3), 32), { q: new Int16Array(32), scale: 0 });
});

test('int8MatVec is the product of the rounded weights and the rounded activations, within 2⁻⁷ relative of the f32 product', () => {
  const rng = new Rng(3);
  for (const [rows, cols] of [[5, 7], [9, 33], [4, 1100]] as const) {
    const w = rand(rows * cols, rng, 1 / Math.sqrt(cols));
    const x = rand(cols, rng, 2);
    const packed = packInt8Rows(w, rows, cols);
    const out = new Float32Array(rows);
    int8MatVec(x, packed, rows, cols, out);
    const wq = unpackInt8Rows(packed, rows, cols);
    const ax = quantizeActivations(x, int8RowBytes(cols));
    for (let r = 0; r < rows; r++) {
      let rounded = 0, exact = 0, size = 0;
      for (let c = 0; c < cols; c++) {
        rounded += wq[r * cols + c] * ax.q[c] * ax.scale;
        exact += w[r * cols + c] * x[c];
        size += Math.abs(w[r * cols + c] * x[c]);
      }
      assert.ok(Math.abs(out[r] - rounded) <= 1e-6 * size, `${rows} × ${cols} row ${r}: ${out[r]} vs ${rounded}`);
      assert.ok(Math.abs(out[r] - exact) <= 2 ** -7 * size, `${rows} × ${cols} row ${r}: ${out[r]} vs exact ${exact}`);
    }
  }
});
