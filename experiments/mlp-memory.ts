// Does training leak memory? 1,000 AdamW steps of a two-layer MLP (256 → 256 → 10, relu,
// crossEntropy) on a fresh random batch of 64 each step, printing the resident set size and the
// V8 heap at steps 0, 100, 500 and 1000. Flat figures after warm-up mean the autograd graph and the
// gradients are released every step.
//
//   npx tsc -p . --outDir /tmp/dist && node /tmp/dist/experiments/mlp-memory.js

import { Linear } from '../src/nn/index.js';
import { Module } from '../src/nn/module.js';
import { relu, crossEntropy } from '../src/ops/index.js';
import { AdamW } from '../src/optim/index.js';
import { backward } from '../src/autograd/tape.js';
import { Tensor } from '../src/tensor/tensor.js';
import { Rng } from '../src/tensor/random.js';

const [WIDTH, BATCH, CLASSES, STEPS] = [256, 64, 10, 1000];
const REPORT = new Set([0, 100, 500, 1000]);

class Mlp extends Module {
  readonly fc1: Linear;
  readonly fc2: Linear;
  constructor(rng: Rng) {
    super();
    this.fc1 = this.child('fc1', new Linear(WIDTH, WIDTH, { rng }));
    this.fc2 = this.child('fc2', new Linear(WIDTH, CLASSES, { rng }));
  }
  forward(x: Tensor): Tensor {
    return this.fc2.forward(relu(this.fc1.forward(x))); // [B, W] → [B, W] → [B, classes]
  }
}

const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
const rng = new Rng(0);
const model = new Mlp(rng);
const opt = new AdamW(model.parameters(), { lr: 1e-3 });
const x = new Float32Array(BATCH * WIDTH);
const targets = new Int32Array(BATCH);
console.log('| step | loss | RSS (MB) | heap used (MB) | ms/step since last row |');
console.log('| ---: | ---: | ---: | ---: | ---: |');
let last = performance.now();
let lastStep = 0;
for (let step = 0; step <= STEPS; step++) {
  for (let i = 0; i < x.length; i++) x[i] = rng.normal();
  for (let i = 0; i < BATCH; i++) targets[i] = rng.int(CLASSES);
  const loss = crossEntropy(model.forward(new Tensor(x.slice(), [BATCH, WIDTH])), targets);
  opt.zeroGrad();
  backward(loss);
  opt.step();
  if (REPORT.has(step)) {
    const now = performance.now();
    const perStep = step === 0 ? now - last : (now - last) / (step - lastStep);
    const m = process.memoryUsage();
    console.log(`| ${step} | ${loss.item().toFixed(3)} | ${mb(m.rss)} | ${mb(m.heapUsed)} | ${perStep.toFixed(1)} |`);
    last = now;
    lastStep = step;
  }
}
