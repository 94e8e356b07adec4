// Gradient cases for the reductions sum, mean and max.

import { sum, mean, max } from '../../src/ops/index.js';
import { Tensor, sizeOf, Shape } from '../../src/tensor/tensor.js';
import { Rng } from '../../src/tensor/random.js';
import { rand } from '../helpers.js';
import { GradCases } from './types.js';

/**
 * A random permutation of 0, 0.1, 0.2, ...: distinct values 0.1 apart, so that the finite-difference
 * step (0.01) never changes which element is the maximum.
 */
function distinct(shape: Shape, r: Rng): Tensor {
  const n = sizeOf(shape);
  const values = Array.from({ length: n }, (_, i) => 0.1 * i);
  for (let i = n - 1; i > 0; i--) {
    const j = r.int(i + 1);
    [values[i], values[j]] = [values[j], values[i]];
  }
  return new Tensor(Float32Array.from(values), shape, true);
}

export const reduceCases: GradCases = {
  sum: [
    { name: 'all elements', inputs: (r) => [rand([3, 5], r)], fn: (x) => sum(x) },
    { name: 'middle axis, keepDims', inputs: (r) => [rand([2, 3, 4], r)], fn: (x) => sum(x, 1, true) },
    { name: 'two axes, one negative', inputs: (r) => [rand([3, 1, 2, 5], r)], fn: (x) => sum(x, [0, -1]) },
    { name: 'one element', inputs: (r) => [rand([1], r)], fn: (x) => sum(x, 0) },
  ],
  mean: [
    { name: 'all elements', inputs: (r) => [rand([7], r)], fn: (x) => mean(x) },
    { name: 'last axis', inputs: (r) => [rand([3, 5], r)], fn: (x) => mean(x, -1) },
    { name: 'first and last axes, keepDims', inputs: (r) => [rand([2, 3, 3], r)], fn: (x) => mean(x, [0, 2], true) },
  ],
  max: [
    { name: 'all elements, distinct values', inputs: (r) => [distinct([3, 5], r)], fn: (x) => max(x) },
    { name: 'first axis, distinct values', inputs: (r) => [distinct([4, 3], r)], fn: (x) => max(x, 0) },
    { name: 'two axes, distinct values, keepDims', inputs: (r) => [distinct([2, 3, 5], r)], fn: (x) => max(x, [1, 2], true) },
    { name: 'axis of size 1', inputs: (r) => [rand([3, 1], r)], fn: (x) => max(x, 1) },
  ],
};
