// linearScan / linearScanComplex forward values (hand-computed), batch layout, algorithms through
// the op, shape errors; cos and sin values.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor, fromArray } from '../../src/tensor/tensor.js';
import { Rng } from '../../src/tensor/random.js';
import { backward } from '../../src/autograd/tape.js';
import { linearScan, linearScanComplex, cos, sin, add } from '../../src/ops/index.js';
import { SCAN_ALGORITHMS } from '../../src/kernels/scan/index.js';
import { assertClose, rand } from '../helpers.js';

test('linearScan runs each sequence of the batch from its own h0: [B, L, C] = [2, 3, 1]', () => {
  const a = fromArray([[[0.5], [2], [-0.5]], [[1], [1], [1]]]);
  const b = fromArray([[[0], [0.5], [1.5]], [[1], [2], [3]]]);
  const h = linearScan(a, b, { h0: Float32Array.of(2, 10) });
  assert.deepEqual(h.shape, [2, 3, 1]);
  // Sequence 0: 0.5·2 = 1, 2·1 + 0.5 = 2.5, −0.5·2.5 + 1.5 = 0.25. Sequence 1: running sum from 10.
  assert.deepEqual(h.toArray(), [1, 2.5, 0.25, 11, 13, 16]);
});

test('linearScanComplex: a = i rotates, channels stay independent', () => {
  // C = 2: channel 0 has a = i, channel 1 has a = 0.5; b_0 = 1 in both, then 0.
  const aRe = fromArray([[[0, 0.5], [0, 0.5]]]);
  const aIm = fromArray([[[1, 0], [1, 0]]]);
  const bRe = fromArray([[[1, 1], [0, 0]]]);
  const bIm = fromArray([[[0, 0], [0, 0]]]);
  const [hRe, hIm] = linearScanComplex(aRe, aIm, bRe, bIm);
  assert.deepEqual(hRe.shape, [1, 2, 2]);
  assert.deepEqual(hRe.toArray(), [1, 1, 0, 0.5]);
  assert.deepEqual(hIm.toArray(), [0, 0, 1, 0]);
});

test('every algorithm gives the same values and gradients through the op (B 3, L 33, C 4, h0)', () => {
  const rng = new Rng(4);
  const [B, L, C] = [3, 33, 4];
  const h0 = rand([B, C], rng, { grad: false }).data;
  // Fresh leaves per algorithm: a, b (real scan) and aRe, aIm, bRe, bIm (complex scan).
  const make = () => {
    const r = new Rng(8);
    const decay = () => rand([B, L, C], r, { low: -0.6, high: 0.6 });
    return { a: decay(), b: rand([B, L, C], r), aRe: decay(), aIm: decay(), bRe: rand([B, L, C], r), bIm: rand([B, L, C], r) };
  };
  const g = rand([B, L, C], rng, { grad: false }).data;
  const results = SCAN_ALGORITHMS.map((algorithm) => {
    const x = make();
    const h = linearScan(x.a, x.b, { h0, algorithm });
    backward(h, g);
    const [hRe, hIm] = linearScanComplex(x.aRe, x.aIm, x.bRe, x.bIm, { h0, h0Im: h0, algorithm });
    backward(add(hRe, hIm), g);
    return {
      h: h.data, ga: x.a.grad!, gb: x.b.grad!, hRe: hRe.data, hIm: hIm.data,
      gaRe: x.aRe.grad!, gaIm: x.aIm.grad!, gbRe: x.bRe.grad!, gbIm: x.bIm.grad!,
    };
  });
  for (const [i, r] of results.entries()) {
    for (const key of Object.keys(r) as Array<keyof typeof r>) {
      // Regrouped f32 products: differences of a few ulps on values of order 1 to 10.
      assertClose(r[key], results[0][key], 1e-5, 1e-4, `${SCAN_ALGORITHMS[i]} ${key}`);
    }
  }
});

test('shape errors name the op and the shapes', () => {
  const t = (shape: number[]) => new Tensor(new Float32Array(shape.reduce((x, y) => x * y, 1)), shape);
  assert.throws(() => linearScan(t([2, 3]), t([2, 3])), /linearScan: inputs must be \[B, L, C\], got a \[2, 3\], b \[2, 3\]/);
  assert.throws(() => linearScan(t([1, 3, 2]), t([1, 3, 3])), /linearScan: inputs must all have the same shape/);
  assert.throws(() => linearScan(t([2, 3, 2]), t([2, 3, 2]), { h0: new Float32Array(2) }), /h0 has 2 elements, expected \[B, C\] = \[2, 2\]/);
  assert.throws(() => linearScanComplex(t([1, 3, 2]), t([1, 3, 2]), t([1, 3, 2]), t([1, 2, 2])), /linearScanComplex: inputs must all have the same shape/);
});

test('cos and sin of 0, π/2 and π', () => {
  const x = fromArray([0, Math.PI / 2, Math.PI]);
  assertClose(cos(x).data, [1, 0, -1], 1e-7, 0);
  assertClose(sin(x).data, [0, 1, 0], 1e-7, 0);
});
