// Gradient cases for attention and rope.

import { attention, rope } from '../../src/ops/index.js';
import { rand } from '../helpers.js';
import { GradCases } from './types.js';

export const attentionCases: GradCases = {
  attention: [
    { name: 'one head, L 5, odd head_dim', inputs: (r) => [rand([1, 5, 1, 3], r), rand([1, 5, 1, 3], r), rand([1, 5, 1, 3], r)], fn: (q, k, v) => attention(q, k, v) },
    { name: 'GQA 4 heads over 2, batch 2', inputs: (r) => [rand([2, 4, 4, 2], r), rand([2, 4, 2, 2], r), rand([2, 4, 2, 2], r)], fn: (q, k, v) => attention(q, k, v) },
    // L 19 spans two blocks of the blocked kernels (16), the second one partial.
    { name: 'L 19 across blocks, 2 heads over 1', inputs: (r) => [rand([1, 19, 2, 2], r), rand([1, 19, 1, 2], r), rand([1, 19, 1, 2], r)], fn: (q, k, v) => attention(q, k, v), options: { maxChecks: 12 } },
    { name: 'L 1', inputs: (r) => [rand([2, 1, 2, 4], r), rand([2, 1, 2, 4], r), rand([2, 1, 2, 4], r)], fn: (q, k, v) => attention(q, k, v) },
    // Not causal, rows of 19 and 7 real keys (the second padded): every query reads its row's real keys.
    { name: 'not causal, keys 19 and 7 of L 19', inputs: (r) => [rand([2, 19, 2, 2], r), rand([2, 19, 1, 2], r), rand([2, 19, 1, 2], r)], fn: (q, k, v) => attention(q, k, v, { causal: false, keys: Int32Array.of(19, 7) }), options: { maxChecks: 12 } },
  ],
  rope: [
    { name: 'two heads, d 4, offset 3', inputs: (r) => [rand([2, 3, 2, 4], r)], fn: (x) => rope(x, 10000, 3) },
    { name: 'd 2, small theta', inputs: (r) => [rand([1, 4, 1, 2], r)], fn: (x) => rope(x, 7) },
  ],
};
