// Gradient cases for the LRU's ops: the linear recurrence (real and complex, every algorithm,
// with an initial state) and cos/sin.

import { linearScan, linearScanComplex, concat, cos, sin } from '../../src/ops/index.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { Rng } from '../../src/tensor/random.js';
import { ScanAlgorithm } from '../../src/kernels/scan/index.js';
import { rand } from '../helpers.js';
import { GradCase, GradCases } from './types.js';

// |a| ≤ 0.9 keeps the states of order 1, so a step of 0.01 stays in the linear regime.
const decay = (shape: number[], r: Rng) => rand(shape, r, { low: -0.9, high: 0.9 });
// Complex a = re + i·im with |re|, |im| ≤ 0.6 (|a| ≤ 0.85).
const decayPart = (shape: number[], r: Rng) => rand(shape, r, { low: -0.6, high: 0.6 });

function realCase(name: string, B: number, L: number, C: number, algorithm: ScanAlgorithm, withH0: boolean): GradCase {
  const h0 = withH0 ? rand([B, C], new Rng(17), { grad: false }).data : null;
  return {
    name,
    inputs: (r) => [decay([B, L, C], r), rand([B, L, C], r)],
    fn: (a: Tensor, b: Tensor) => linearScan(a, b, { h0, algorithm }),
  };
}

function complexCase(name: string, B: number, L: number, C: number, algorithm: ScanAlgorithm, use: 'both' | 're' | 'im'): GradCase {
  const h0 = rand([B, C], new Rng(18), { grad: false }).data;
  const h0Im = rand([B, C], new Rng(19), { grad: false }).data;
  return {
    name,
    inputs: (r) => [decayPart([B, L, C], r), decayPart([B, L, C], r), rand([B, L, C], r), rand([B, L, C], r)],
    fn: (aRe: Tensor, aIm: Tensor, bRe: Tensor, bIm: Tensor) => {
      const [hRe, hIm] = linearScanComplex(aRe, aIm, bRe, bIm, { h0, h0Im, algorithm });
      return use === 'both' ? concat([hRe, hIm], 2) : use === 're' ? hRe : hIm;
    },
  };
}

export const lruCases: GradCases = {
  linearScan: [
    realCase('sequential, h0, odd sizes', 2, 5, 3, 'sequential', true),
    realCase('L 1, C 1, no h0', 1, 1, 1, 'sequential', false),
    realCase('Blelloch, L 7 (not a power of two), h0', 2, 7, 2, 'blelloch', true),
    realCase('Hillis–Steele, L 6, no h0', 1, 6, 3, 'hillis-steele', false),
    realCase('chunked, L 9, h0', 2, 9, 2, 'chunked', true),
  ],
  linearScanComplex: [
    complexCase('both outputs (concatenated), sequential, h0', 2, 5, 3, 'sequential', 'both'),
    complexCase('only the real output used', 1, 4, 2, 'sequential', 're'),
    complexCase('only the imaginary output used', 1, 4, 2, 'sequential', 'im'),
    complexCase('both outputs, Blelloch, L 6', 1, 6, 2, 'blelloch', 'both'),
    complexCase('both outputs, chunked, L 7', 2, 7, 1, 'chunked', 'both'),
    complexCase('both outputs, Hillis–Steele, L 5', 1, 5, 2, 'hillis-steele', 'both'),
  ],
  cos: [{ name: 'range ±4', inputs: (r) => [rand([3, 5], r, { low: -4, high: 4 })], fn: (x) => cos(x) }],
  sin: [{ name: 'range ±4, one element too', inputs: (r) => [rand([7], r, { low: -4, high: 4 })], fn: (x) => sin(x) }],
};
