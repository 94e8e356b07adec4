// Gradient cases for matmul, linear and the broadcasting binary ops.

import { matmul, linear, add, sub, mul, div } from '../../src/ops/index.js';
import { rand } from '../helpers.js';
import { GradCases } from './types.js';

export const coreCases: GradCases = {
  matmul: [
    { name: '2d odd sizes', inputs: (r) => [rand([3, 5], r), rand([5, 7], r)], fn: (a, b) => matmul(a, b) },
    { name: 'size 1', inputs: (r) => [rand([1, 1], r), rand([1, 1], r)], fn: (a, b) => matmul(a, b) },
    { name: 'transA', inputs: (r) => [rand([5, 3], r), rand([5, 4], r)], fn: (a, b) => matmul(a, b, { transA: true }) },
    { name: 'transB', inputs: (r) => [rand([3, 5], r), rand([4, 5], r)], fn: (a, b) => matmul(a, b, { transB: true }) },
    { name: 'both', inputs: (r) => [rand([5, 3], r), rand([4, 5], r)], fn: (a, b) => matmul(a, b, { transA: true, transB: true }) },
    { name: 'batched', inputs: (r) => [rand([2, 3, 3, 4], r), rand([2, 3, 4, 2], r)], fn: (a, b) => matmul(a, b) },
    { name: 'shared B', inputs: (r) => [rand([3, 2, 5], r), rand([5, 3], r)], fn: (a, b) => matmul(a, b) },
    { name: 'shared A, transposes', inputs: (r) => [rand([5, 2], r), rand([3, 3, 5], r)], fn: (a, b) => matmul(a, b, { transA: true, transB: true }) },
  ],
  linear: [
    { name: 'with bias', inputs: (r) => [rand([2, 3, 5], r), rand([4, 5], r), rand([4], r)], fn: (x, w, b) => linear(x, w, b) },
    { name: 'no bias, 1 row', inputs: (r) => [rand([1, 7], r), rand([3, 7], r)], fn: (x, w) => linear(x, w) },
    // x feeds three layers: the second and third gradients are added into x's in place (accumulateWith).
    { name: 'input used three times', inputs: (r) => [rand([2, 5], r), rand([3, 5], r), rand([3, 5], r)], fn: (x, w, v) => add(add(linear(x, w), linear(x, v)), linear(x, w)) },
  ],
  add: [
    { name: 'same shape', inputs: (r) => [rand([3, 4], r), rand([3, 4], r)], fn: (a, b) => add(a, b) },
    // The first input adopts the output's gradient array, the second copies it: one tensor as both.
    { name: 'one input twice', inputs: (r) => [rand([3, 4], r)], fn: (x) => add(x, x) },
    { name: 'adopted gradient, then more added to it', inputs: (r) => [rand([3, 4], r), rand([3, 4], r)], fn: (a, b) => mul(add(add(a, b), a), b) },
    { name: 'broadcast both', inputs: (r) => [rand([3, 1, 5], r), rand([4, 1], r)], fn: (a, b) => add(a, b) },
  ],
  sub: [{ name: 'broadcast row', inputs: (r) => [rand([2, 3], r), rand([3], r)], fn: (a, b) => sub(a, b) }],
  mul: [
    { name: 'broadcast', inputs: (r) => [rand([2, 1, 3], r), rand([4, 3], r)], fn: (a, b) => mul(a, b) },
    { name: 'same tensor twice', inputs: (r) => [rand([5], r)], fn: (a) => mul(a, a) },
  ],
  div: [{ name: 'broadcast, denominators away from 0', inputs: (r) => [rand([3, 4], r), rand([4], r, { low: 0.5, high: 2 })], fn: (a, b) => div(a, b) }],
};
