// Gradient cases for the element-wise ops: the unary functions, pow, addScalar, mulScalar and gate.

import { exp, log, sqrt, neg, silu, sigmoid, softplus, tanh, gelu, relu, pow, addScalar, mulScalar, gate } from '../../src/ops/index.js';
import { Tensor, sizeOf, Shape } from '../../src/tensor/tensor.js';
import { Rng } from '../../src/tensor/random.js';
import { rand } from '../helpers.js';
import { GradCases } from './types.js';

/** Uniform in ±[0.1, 1]: farther from a kink at 0 than the finite-difference step (0.01). */
function awayFromZero(shape: Shape, r: Rng): Tensor {
  const data = new Float32Array(sizeOf(shape));
  for (let i = 0; i < data.length; i++) data[i] = (r.next() < 0.5 ? -1 : 1) * (0.1 + 0.9 * r.next());
  return new Tensor(data, shape, true);
}

// Inputs of log, sqrt and negative or fractional powers stay in [0.5, 2]: near 0 they blow up and
// a central difference with step 0.01 no longer approximates the derivative.
const positive = (shape: Shape, r: Rng) => rand(shape, r, { low: 0.5, high: 2 });

export const elementwiseCases: GradCases = {
  exp: [
    { name: 'odd shape', inputs: (r) => [rand([3, 5], r, { low: -2, high: 2 })], fn: (x) => exp(x) },
    { name: 'one element', inputs: (r) => [rand([1], r)], fn: (x) => exp(x) },
  ],
  log: [{ name: 'inputs in [0.5, 2], away from the pole at 0', inputs: (r) => [positive([2, 3, 1], r)], fn: (x) => log(x) }],
  sqrt: [{ name: 'inputs in [0.5, 2], away from the infinite slope at 0', inputs: (r) => [positive([7], r)], fn: (x) => sqrt(x) }],
  neg: [{ name: 'odd shape', inputs: (r) => [rand([3, 1, 5], r)], fn: (x) => neg(x) }],
  silu: [
    { name: 'odd shape', inputs: (r) => [rand([2, 7], r, { low: -4, high: 4 })], fn: (x) => silu(x) },
    { name: 'one element', inputs: (r) => [rand([1, 1], r)], fn: (x) => silu(x) },
  ],
  gate: [
    { name: 'odd shape, z in ±4', inputs: (r) => [rand([2, 3, 5], r), rand([2, 3, 5], r, { low: -4, high: 4 })], fn: (y, z) => gate(y, z) },
    { name: 'one element', inputs: (r) => [rand([1], r), rand([1], r)], fn: (y, z) => gate(y, z) },
  ],
  sigmoid: [{ name: 'range ±8', inputs: (r) => [rand([3, 5], r, { low: -8, high: 8 })], fn: (x) => sigmoid(x) }],
  softplus: [
    { name: 'range ±3', inputs: (r) => [rand([4, 3], r, { low: -3, high: 3 })], fn: (x) => softplus(x) },
    { name: 'range ±25, across the ±20 branch switches', inputs: (r) => [rand([2, 9], r, { low: -25, high: 25 })], fn: (x) => softplus(x) },
  ],
  tanh: [{ name: 'range ±3', inputs: (r) => [rand([5, 3], r, { low: -3, high: 3 })], fn: (x) => tanh(x) }],
  gelu: [
    { name: 'range ±4', inputs: (r) => [rand([3, 7], r, { low: -4, high: 4 })], fn: (x) => gelu(x) },
    { name: 'one element', inputs: (r) => [rand([1], r)], fn: (x) => gelu(x) },
  ],
  relu: [{ name: 'inputs away from the kink at 0', inputs: (r) => [awayFromZero([4, 5], r)], fn: (x) => relu(x) }],
  pow: [
    { name: 'square, any sign', inputs: (r) => [rand([3, 4], r, { low: -2, high: 2 })], fn: (x) => pow(x, 2) },
    { name: 'cube, one element', inputs: (r) => [rand([1], r)], fn: (x) => pow(x, 3) },
    { name: 'p 0.5, inputs in [0.5, 2] away from the infinite slope at 0', inputs: (r) => [positive([2, 5], r)], fn: (x) => pow(x, 0.5) },
    { name: 'p −1.5, inputs in [0.5, 2] away from the pole at 0', inputs: (r) => [positive([5, 1], r)], fn: (x) => pow(x, -1.5) },
    { name: 'p 0 (gradient 0)', inputs: (r) => [rand([3], r)], fn: (x) => pow(x, 0) },
  ],
  addScalar: [
    { name: 'odd shape', inputs: (r) => [rand([3, 5], r)], fn: (x) => addScalar(x, 2.5) },
    { name: 'one element', inputs: (r) => [rand([1], r)], fn: (x) => addScalar(x, -1) },
  ],
  mulScalar: [
    { name: 'odd shape', inputs: (r) => [rand([2, 3, 5], r)], fn: (x) => mulScalar(x, -1.7) },
    { name: 'one element, by 0', inputs: (r) => [rand([1], r)], fn: (x) => mulScalar(x, 0) },
  ],
};
