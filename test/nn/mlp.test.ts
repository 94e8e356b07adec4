// End to end: a two-layer MLP built from Linear, relu and crossEntropy, trained with AdamW, fits a
// seeded XOR-like task (the label is whether x and y have the same sign), which no linear model can.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Linear } from '../../src/nn/index.js';
import { Module } from '../../src/nn/module.js';
import { relu, crossEntropy } from '../../src/ops/index.js';
import { AdamW } from '../../src/optim/index.js';
import { backward } from '../../src/autograd/tape.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { Rng } from '../../src/tensor/random.js';

class Mlp extends Module {
  readonly fc1: Linear;
  readonly fc2: Linear;
  constructor(hidden: number, rng: Rng) {
    super();
    this.fc1 = this.child('fc1', new Linear(2, hidden, { rng }));
    this.fc2 = this.child('fc2', new Linear(hidden, 2, { rng }));
  }
  forward(x: Tensor): Tensor {
    return this.fc2.forward(relu(this.fc1.forward(x))); // [n, 2] → [n, hidden] → [n, 2]
  }
}

test('a two-layer MLP learns an XOR-like classification to near-zero loss', () => {
  const rng = new Rng(42);
  const n = 64;
  const x = new Float32Array(n * 2);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    // Quadrant i % 4, points kept 0.2 away from the axes so that the classes are separated.
    const sx = i % 2 === 0 ? 1 : -1;
    const sy = i % 4 < 2 ? 1 : -1;
    x[2 * i] = sx * (0.2 + 0.8 * rng.next());
    x[2 * i + 1] = sy * (0.2 + 0.8 * rng.next());
    labels[i] = sx === sy ? 1 : 0;
  }
  const inputs = new Tensor(x, [n, 2]);
  const model = new Mlp(16, rng);
  const opt = new AdamW(model.parameters(), { lr: 0.03, weightDecay: 0 });
  let loss = Infinity;
  for (let step = 0; step < 300; step++) {
    const l = crossEntropy(model.forward(inputs), labels);
    loss = l.item();
    opt.zeroGrad();
    backward(l);
    opt.step();
  }
  assert.ok(loss < 0.02, `final loss ${loss}`);
});
