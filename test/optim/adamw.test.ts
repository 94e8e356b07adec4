// AdamW against the update written out by hand, exact resume from its state, and the decay groups.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AdamW, paramGroupsForDecay } from '../../src/optim/index.js';
import { Module } from '../../src/nn/module.js';
import { Linear, RMSNorm } from '../../src/nn/index.js';
import { Tensor, fromArray, zeros } from '../../src/tensor/tensor.js';
import { Rng } from '../../src/tensor/random.js';
import { assertClose } from '../helpers.js';

test('AdamW takes two steps as the formulas give them (decoupled decay, bias correction)', () => {
  const p = fromArray([1, -2], undefined, { requiresGrad: true });
  const opt = new AdamW([p], { lr: 0.1, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0.1 });
  p.grad = Float32Array.from([0.5, -1]);
  opt.step();
  // Step 1: decay p·(1 − 0.1·0.1) = [0.99, −1.98]; m = 0.1·g, v = 0.001·g²; m̂ = g, v̂ = g²,
  // so the update is lr·g/|g| = ±0.1 (eps negligible).
  assertClose(p.data, [0.99 - 0.1, -1.98 + 0.1], 1e-6, 1e-6);
  p.grad = Float32Array.from([0.2, 0.4]);
  opt.step();
  // Step 2: m = 0.9·[0.05, −0.1] + 0.1·[0.2, 0.4] = [0.065, −0.05];
  // v = 0.999·[0.00025, 0.001] + 0.001·[0.04, 0.16] = [0.00028975, 0.001159];
  // corrections 1 − 0.9² = 0.19 and 1 − 0.999² = 0.001999.
  const expected = [
    0.89 * 0.99 - (0.1 * (0.065 / 0.19)) / Math.sqrt(0.00028975 / 0.001999),
    -1.88 * 0.99 - (0.1 * (-0.05 / 0.19)) / Math.sqrt(0.001159 / 0.001999),
  ];
  // Moments are stored in f32: 1e-6 covers their rounding.
  assertClose(p.data, expected, 1e-6, 1e-6);
  assert.equal(opt.stepCount, 2);
});

test('AdamW skips parameters without a gradient, and a group may fix its own lr and decay', () => {
  const a = fromArray([1], undefined, { requiresGrad: true });
  const b = fromArray([1], undefined, { requiresGrad: true });
  const opt = new AdamW([{ params: [a], lr: 0.5, weightDecay: 0 }, { params: [b] }], { lr: 0.1 });
  a.grad = Float32Array.from([2]);
  opt.step();
  assertClose(a.data, [0.5], 1e-6, 1e-6); // first step moves by lr·sign(g)
  assert.deepEqual(Array.from(b.data), [1]);
  opt.zeroGrad();
  assert.equal(a.grad, null);
});

function gradsAt(params: Tensor[], step: number): void {
  const rng = new Rng(100 + step);
  for (const p of params) p.grad = Float32Array.from(p.data, () => rng.normal());
}

test('AdamW resumed from its state dict continues exactly as the uninterrupted run', () => {
  const make = () => [fromArray([0.5, -0.25, 1], undefined, { requiresGrad: true }), fromArray([[2, 3]], undefined, { requiresGrad: true })];
  const straight = make();
  const optA = new AdamW(straight, { lr: 0.01 });
  for (let s = 0; s < 4; s++) {
    gradsAt(straight, s);
    optA.step();
  }
  const resumed = make();
  const optB = new AdamW(resumed, { lr: 0.01 });
  for (let s = 0; s < 2; s++) {
    gradsAt(resumed, s);
    optB.step();
  }
  const saved = optB.stateDict();
  const optC = new AdamW(resumed, { lr: 0.01 });
  optC.loadStateDict(saved);
  for (let s = 2; s < 4; s++) {
    gradsAt(resumed, s);
    optC.step();
  }
  straight.forEach((p, i) => assert.deepEqual(Array.from(resumed[i].data), Array.from(p.data)));
  assert.equal(optC.stepCount, 4);
});

class Tiny extends Module {
  readonly proj = this.child('proj', new Linear(3, 2));
  readonly norm = this.child('norm', new RMSNorm(2));
  readonly A_log = this.param('A_log', zeros([2, 4]), { decay: false });
  readonly D = this.param('D', zeros([2]));
}

test('loadStateDict names the parameter whose moment has the wrong size', () => {
  const model = new Tiny();
  const opt = new AdamW(paramGroupsForDecay(model, 0.1));
  const state = opt.stateDict();
  assert.throws(() => opt.loadStateDict({ ...state, m: state.m.slice(1) }), /state has 4 first and 5 second moments, the optimiser has 5 parameters/);
  state.v[1] = new Float32Array(3);
  assert.throws(() => opt.loadStateDict(state), /moment v of parameter 1 \(A_log\) has 3 elements, the tensor \[2, 4\] has 8/);
});

test('paramGroupsForDecay decays matrices, not vectors (biases, norms, D) nor a matrix made with { decay: false } (A_log)', () => {
  const model = new Tiny();
  const [decay, noDecay] = paramGroupsForDecay(model, 0.1);
  const names = (ts: Tensor[]) => ts.map((t) => t.name);
  assert.deepEqual(names(decay.params), ['proj.weight']);
  assert.equal(decay.weightDecay, 0.1);
  assert.deepEqual(names(noDecay.params).sort(), ['A_log', 'D', 'norm.weight', 'proj.bias']);
  assert.equal(noDecay.weightDecay, 0);
});
