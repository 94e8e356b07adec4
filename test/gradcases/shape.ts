// Gradient cases for the shape ops: reshape, transpose, permute, slice, split and concat.

import { reshape, transpose, permute, slice, split, concat, mul } from '../../src/ops/index.js';
import { rand } from '../helpers.js';
import { GradCases } from './types.js';

export const shapeCases: GradCases = {
  reshape: [
    { name: 'inferred dimension', inputs: (r) => [rand([2, 3, 5], r)], fn: (x) => reshape(x, [5, -1]) },
    { name: 'one element to a scalar', inputs: (r) => [rand([1, 1], r)], fn: (x) => reshape(x, []) },
  ],
  transpose: [
    { name: 'last two axes', inputs: (r) => [rand([2, 3, 5], r)], fn: (x) => transpose(x, -1, -2) },
    { name: 'outer axes with a size-1 axis', inputs: (r) => [rand([3, 1, 4], r)], fn: (x) => transpose(x, 0, 2) },
  ],
  permute: [
    { name: 'cycle of 3 axes', inputs: (r) => [rand([2, 3, 5], r)], fn: (x) => permute(x, [2, 0, 1]) },
    { name: '4 axes, odd sizes', inputs: (r) => [rand([3, 1, 2, 5], r)], fn: (x) => permute(x, [1, 3, 0, 2]) },
  ],
  slice: [
    { name: 'middle axis, negative end', inputs: (r) => [rand([2, 7, 3], r)], fn: (x) => slice(x, 1, 2, -1) },
    { name: 'one element of the last axis', inputs: (r) => [rand([3, 5], r)], fn: (x) => slice(x, -1, 4, 5) },
    // Overlapping slices: the second gradient is added into the first's in place.
    { name: 'two overlapping slices', inputs: (r) => [rand([2, 6, 3], r)], fn: (x) => mul(slice(x, 1, 0, 4), slice(x, 1, 2, 6)) },
  ],
  split: [
    // Each piece is weighted differently, so that a gradient landing in the wrong place shows.
    {
      name: 'three pieces of the last axis, recombined',
      inputs: (r) => [rand([2, 3, 7], r), rand([2, 3, 4], r)],
      fn: (x, w) => {
        const [a, b, c] = split(x, [3, 1, 3], -1);
        return concat([mul(a, slice(w, 2, 0, 3)), b, mul(c, c)], -1);
      },
    },
    { name: 'first axis, a piece of size 0', inputs: (r) => [rand([5, 2], r)], fn: (x) => concat(split(x, [2, 0, 3], 0).reverse(), 0) },
  ],
  concat: [
    { name: 'middle axis, three inputs', inputs: (r) => [rand([2, 1, 3], r), rand([2, 4, 3], r), rand([2, 2, 3], r)], fn: (a, b, c) => concat([a, b, c], 1) },
    { name: 'the same tensor twice', inputs: (r) => [rand([3, 2], r)], fn: (a) => concat([a, a], -1) },
  ],
};
