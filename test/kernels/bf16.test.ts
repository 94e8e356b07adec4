// bfloat16 weights (src/kernels/bf16.ts): rounding to nearest even, and the packed-row layout
// that the generation step's kernels read, for row lengths with and without a tail.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/tensor/random.js';
import { bf16Bits, bf16Value, bf16RowWords, packBf16Rows, unpackBf16Rows } from '../../src/kernels/bf16.js';

test('bf16Bits rounds an f32 to its upper 16 bits, to nearest with ties to even', () => {
  const cases: [number, number][] = [
    [1, 0x3f80],
    [-2.5, 0xc020],
    [1 + 2 ** -8, 0x3f80], // halfway between 1 and 1 + 2⁻⁷: to the even one, 1
    [1 + 3 * 2 ** -8, 0x3f82], // halfway between 1 + 2⁻⁷ and 1 + 2⁻⁶: to the even one, 1 + 2⁻⁶
    [1 + 2 ** -8 + 2 ** -20, 0x3f81], // just above halfway: up
    [0, 0x0000],
    [-0, 0x8000],
    [Infinity, 0x7f80],
    [3.4e38, 0x7f80], // past the largest bf16: rounds to infinity, as f32 rounding does
    [NaN, 0x7fc0],
  ];
  for (const [x, bits] of cases) assert.equal(bf16Bits(x), bits, `bf16Bits(${x})`);
  assert.equal(bf16Value(0x3f82), 1 + 2 ** -6);
});

test('packed bf16 rows hold every weight rounded to bf16 (relative error ≤ 2⁻⁸), for rows of 1 to 19 weights', () => {
  const rng = new Rng(5);
  for (const cols of [1, 2, 7, 8, 9, 13, 16, 19]) {
    const rows = 3;
    const w = Float32Array.from({ length: rows * cols }, () => (rng.next() - 0.5) * 2 ** (rng.int(20) - 10));
    const packed = packBf16Rows(w, rows, cols);
    assert.equal(packed.length, rows * bf16RowWords(cols), `cols ${cols}: words`);
    const back = unpackBf16Rows(packed, rows, cols);
    for (let i = 0; i < w.length; i++) {
      assert.equal(back[i], bf16Value(bf16Bits(w[i])), `cols ${cols} [${i}]`);
      assert.ok(Math.abs(back[i] - w[i]) <= Math.abs(w[i]) * 2 ** -8, `cols ${cols} [${i}]: ${back[i]} vs ${w[i]}`);
    }
  }
});

test('a group of 8 weights packs as words (w[4+q] << 16) | w[q]; the tail in pairs, low half first', () => {
  const w = Float32Array.from({ length: 11 }, (_, i) => i + 1); // 1..11: exact in bf16
  const words = new Uint32Array(packBf16Rows(w, 1, 11).buffer);
  const b = (x: number) => bf16Bits(x);
  assert.deepEqual([...words], [
    (b(5) << 16 | b(1)) >>> 0, (b(6) << 16 | b(2)) >>> 0, (b(7) << 16 | b(3)) >>> 0, (b(8) << 16 | b(4)) >>> 0,
    (b(10) << 16 | b(9)) >>> 0, b(11),
  ]);
  assert.throws(() => packBf16Rows(w, 2, 11), /11 weights for 2 × 11/);
});
