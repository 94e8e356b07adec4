// Gradient cases for the layer ops: embedding, rmsNorm, layerNorm, conv1d, softmax, logSoftmax,
// crossEntropy, dropout.

import { embedding, rmsNorm, layerNorm, conv1d, softmax, logSoftmax, crossEntropy, dropout } from '../../src/ops/index.js';
import { Rng } from '../../src/tensor/random.js';
import { rand } from '../helpers.js';
import { GradCases } from './types.js';

export const nnCases: GradCases = {
  embedding: [
    { name: 'repeated ids, 2-d ids', inputs: (r) => [rand([5, 3], r)], fn: (w) => embedding(w, Int32Array.from([1, 4, 1, 0, 1, 4]), [2, 3]) },
    { name: 'vocab 1, dim 1', inputs: (r) => [rand([1, 1], r)], fn: (w) => embedding(w, Int32Array.from([0, 0, 0]), [3]) },
  ],
  rmsNorm: [
    { name: 'odd width', inputs: (r) => [rand([2, 3, 7], r), rand([7], r)], fn: (x, w) => rmsNorm(x, w) },
    // D = 1 normalises x to ±1: keep x away from 0, where the finite difference would cross the jump.
    { name: 'width 1, x away from 0', inputs: (r) => [rand([3, 1], r, { low: 0.5, high: 1.5 }), rand([1], r)], fn: (x, w) => rmsNorm(x, w) },
    { name: 'one row, large eps', inputs: (r) => [rand([1, 5], r), rand([5], r)], fn: (x, w) => rmsNorm(x, w, 0.5) },
  ],
  layerNorm: [
    { name: 'with bias, odd width', inputs: (r) => [rand([2, 2, 5], r), rand([5], r), rand([5], r)], fn: (x, w, b) => layerNorm(x, w, b) },
    { name: 'no bias, one row', inputs: (r) => [rand([1, 3], r), rand([3], r)], fn: (x, w) => layerNorm(x, w, null) },
    { name: 'width 1 (output is the bias)', inputs: (r) => [rand([4, 1], r), rand([1], r), rand([1], r)], fn: (x, w, b) => layerNorm(x, w, b) },
  ],
  conv1d: [
    { name: 'K 4, odd C', inputs: (r) => [rand([2, 6, 3], r), rand([3, 1, 4], r), rand([3], r)], fn: (x, w, b) => conv1d(x, w, b) },
    { name: 'K 1, no bias', inputs: (r) => [rand([1, 3, 5], r), rand([5, 1, 1], r)], fn: (x, w) => conv1d(x, w, null) },
    { name: 'K > L', inputs: (r) => [rand([2, 2, 1], r), rand([1, 1, 5], r), rand([1], r)], fn: (x, w, b) => conv1d(x, w, b) },
    { name: 'L 1', inputs: (r) => [rand([3, 1, 2], r), rand([2, 1, 3], r), rand([2], r)], fn: (x, w, b) => conv1d(x, w, b) },
    { name: 'with SiLU, K 4, odd C', inputs: (r) => [rand([2, 6, 3], r), rand([3, 1, 4], r), rand([3], r)], fn: (x, w, b) => conv1d(x, w, b, { activation: 'silu' }) },
    { name: 'with SiLU, K > L, no bias', inputs: (r) => [rand([2, 2, 1], r), rand([1, 1, 5], r)], fn: (x, w) => conv1d(x, w, null, { activation: 'silu' }) },
  ],
  softmax: [
    { name: 'last axis', inputs: (r) => [rand([3, 5], r, { low: -3, high: 3 })], fn: (x) => softmax(x) },
    { name: 'middle axis', inputs: (r) => [rand([2, 3, 4], r)], fn: (x) => softmax(x, 1) },
    { name: 'axis of size 1', inputs: (r) => [rand([4, 1], r)], fn: (x) => softmax(x, -1) },
  ],
  logSoftmax: [
    { name: 'last axis', inputs: (r) => [rand([2, 7], r, { low: -3, high: 3 })], fn: (x) => logSoftmax(x) },
    { name: 'first axis', inputs: (r) => [rand([3, 2, 1], r)], fn: (x) => logSoftmax(x, 0) },
  ],
  crossEntropy: [
    { name: '3-d logits', inputs: (r) => [rand([2, 3, 5], r, { low: -3, high: 3 })], fn: (z) => crossEntropy(z, Int32Array.from([0, 4, 2, 2, 1, 3])) },
    { name: 'an ignored row', inputs: (r) => [rand([3, 4], r)], fn: (z) => crossEntropy(z, Int32Array.from([3, -100, 0]), { ignoreIndex: -100 }) },
    { name: 'one row, vocab 1', inputs: (r) => [rand([1, 1], r)], fn: (z) => crossEntropy(z, Int32Array.from([0])) },
  ],
  dropout: [
    // A fresh Rng(seed) per call draws the same mask in every evaluation of the finite difference.
    { name: 'p 0.3, fixed mask', inputs: (r) => [rand([3, 7], r)], fn: (x) => dropout(x, 0.3, new Rng(7)) },
    { name: 'p 0.5, one element', inputs: (r) => [rand([1], r)], fn: (x) => dropout(x, 0.5, new Rng(3)) },
  ],
};
