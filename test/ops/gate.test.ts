// gate(y, z) is y ⊙ SiLU(z) in one op: the same bits as mul(y, silu(z)), the same gradients.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/tensor/random.js';
import { backward } from '../../src/autograd/tape.js';
import { gate, mul, silu, sum } from '../../src/ops/index.js';
import { rand } from '../helpers.js';

test('gate(y, z) gives the bits of mul(y, silu(z)) and gradients within 1e-6 of theirs', () => {
  const rng = new Rng(5);
  const y = rand([2, 3, 7], rng);
  const z = rand([2, 3, 7], rng, { low: -6, high: 6 });
  const fused = gate(y, z);
  const composed = mul(y, silu(z));
  assert.deepEqual([...fused.data], [...composed.data]);
  backward(sum(fused));
  const [gy, gz] = [y.grad!.slice(), z.grad!.slice()];
  y.zeroGrad();
  z.zeroGrad();
  backward(sum(mul(y, silu(z))));
  for (let i = 0; i < gy.length; i++) {
    assert.ok(Math.abs(gy[i] - y.grad![i]) <= 1e-6 && Math.abs(gz[i] - z.grad![i]) <= 1e-6, `gradient ${i}`);
  }
});

test('gate refuses tensors of different shapes, naming both', () => {
  const rng = new Rng(6);
  assert.throws(() => gate(rand([2, 3], rng), rand([3, 2], rng)), /gate: y \[2, 3\] and z \[3, 2\] must have the same shape/);
});
