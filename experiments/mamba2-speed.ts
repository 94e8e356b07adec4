// Mamba-2 against Mamba-1 on this machine: (1) the SSD op alone, forward + backward, at the CLI's
// default Mamba-2 shape (batch 8 × 256 steps, 4 heads of 64, 1 group, N 16): the wasm backend's
// matmul-form chunked kernels at chunk sizes 16 … 256, the loop-form reference chunked kernels
// and the sequential reference; (2) a training step (loss + backward, no optimiser) at the CLI's
// default size (4 layers, d_model 128, vocab 80, batch 8 × 256) for Mamba-1 (N 16) and Mamba-2
// (head_dim 64, 1 group, N 16: the same state size as Mamba-1's E·N) at chunk 16, 64 and 256;
// (3) generation tokens/s at batch 1 for those two models and for the mamba-130m /
// mamba2-130m shapes (random weights, f32). Best of the repeats (at least 3, about 2 s per
// row). Writes each row to the JSON file as it goes.
//
//   npm run build && flock /work/wt/notes/bench.lock node dist/experiments/mamba2-speed.js [out.json]

import fs from 'node:fs';
import os from 'node:os';
import { initBackend, describeBackend } from '../src/kernels/index.js';
import { modelConfig, type ModelConfigInput } from '../src/models/config.js';
import { createModel } from '../src/models/create.js';
import { backward, noGrad } from '../src/autograd/tape.js';
import { withArena } from '../src/kernels/memory.js';
import { Rng } from '../src/tensor/random.js';
import { kernels, type Kernels } from '../src/kernels/backend.js';
import { referenceKernels } from '../src/kernels/reference/index.js';

await initBackend();
const out = process.argv[2] ?? 'docs/results/mamba2-speed.json';
const rows: Array<Record<string, unknown>> = [];
const save = () => fs.writeFileSync(out, JSON.stringify({ backend: describeBackend(), loadavg: os.loadavg(), rows }, null, 2) + '\n');

function bestMs(fn: () => void, budgetMs = 2000): number {
  fn();
  let best = Infinity;
  let spent = 0;
  for (let i = 0; i < 3 || (spent < budgetMs && i < 30); i++) {
    const t0 = performance.now();
    fn();
    const dt = performance.now() - t0;
    best = Math.min(best, dt);
    spent += dt;
  }
  return best;
}

const small = { vocab_size: 80, hidden_size: 128, num_hidden_layers: 4, state_size: 16 };
const mamba2 = (chunk: number): ModelConfigInput => ({ ...small, model_type: 'mamba2', num_heads: 4, head_dim: 64, n_groups: 1, chunk_size: chunk, tie_word_embeddings: true });
const [B, L] = [8, 256];
const rng = new Rng(1);
const ids = Int32Array.from({ length: B * L }, () => rng.int(80));
const targets = Int32Array.from({ length: B * L }, () => rng.int(80));

// (1) The SSD op alone.
{
  const [H, P, G, N] = [4, 64, 1, 16];
  const r = new Rng(2);
  const arr = (n: number, lo = -1, hi = 1) => Float32Array.from({ length: n }, () => lo + (hi - lo) * r.next());
  const a = {
    B, L, H, P, G, N,
    x: arr(B * L * H * P), dt: arr(B * L * H, -2, 1), A: arr(H, -4, -0.5), Bm: arr(B * L * G * N), C: arr(B * L * G * N),
    dtBias: arr(H, -0.5, 0.5), Dskip: arr(H), dtMin: 0, dtMax: Infinity,
  };
  const gradY = arr(B * L * H * P);
  const grads = () => ({
    gradY, gradX: new Float32Array(B * L * H * P), gradDt: new Float32Array(B * L * H), gradA: new Float32Array(H),
    gradBm: new Float32Array(B * L * G * N), gradC: new Float32Array(B * L * G * N), gradDtBias: new Float32Array(H), gradDskip: new Float32Array(H),
  });
  const chunked = (k: Kernels, T: number) => () => {
    const y = new Float32Array(B * L * H * P);
    const delta = new Float32Array(B * L * H);
    const chunkStates = new Float32Array(B * Math.ceil(L / T) * H * P * N);
    k.ssdChunkedForward({ ...a, T, initialState: null, y, delta, chunkStates, finalState: null });
    k.ssdChunkedBackward({ ...a, ...grads(), T, delta, chunkStates });
  };
  const sequential = () => {
    const delta = new Float32Array(B * L * H);
    const states = new Float32Array(B * L * H * P * N);
    referenceKernels.ssdNaiveForward({ ...a, initialState: null, y: new Float32Array(B * L * H * P), delta, states, finalState: null });
    referenceKernels.ssdNaiveBackward({ ...a, ...grads(), initialState: null, delta, states });
  };
  const ssdRows: Array<[string, () => void]> = [
    ...[16, 32, 64, 128, 256].map((T) => [`${describeBackend()} chunked, chunk ${T}`, chunked(kernels(), T)] as [string, () => void]),
    ['reference chunked (loops), chunk 64', chunked(referenceKernels, 64)],
    ['reference sequential recurrence', sequential],
  ];
  for (const [name, fn] of ssdRows) {
    const ms = bestMs(fn);
    rows.push({ kind: 'SSD op forward + backward', kernels: name, shape: `B ${B}, L ${L}, H ${H}, P ${P}, G ${G}, N ${N}`, ms: +ms.toFixed(1) });
    console.log(JSON.stringify(rows.at(-1)));
    save();
  }
}

// (2) A training step.
const trainRows: Array<[string, ModelConfigInput]> = [['mamba (N 16)', small as ModelConfigInput], ...[16, 64, 256].map((T) => [`mamba2 (chunk ${T})`, mamba2(T)] as [string, ModelConfigInput])];
for (const [name, input] of trainRows) {
  const model = createModel(modelConfig(input), { seed: 0 });
  const ms = bestMs(() =>
    withArena(() => {
      const loss = model.loss(ids, targets, B, L);
      backward(loss);
      return loss.item();
    }),
  );
  rows.push({ kind: 'train step (loss + backward)', model: name, batch: B, length: L, ms: +ms.toFixed(1), tokensPerSecond: Math.round((B * L) / (ms / 1000)), parameters: model.parameterCount() });
  console.log(JSON.stringify(rows.at(-1)));
  save();
}

// (3) Generation.
const genRows: Array<[string, ModelConfigInput]> = [
  ['mamba (N 16), CLI default size', small as ModelConfigInput],
  ['mamba2 (head_dim 64, N 16), CLI default size', mamba2(16)],
  ['mamba-130m shape', { vocab_size: 50280, hidden_size: 768, num_hidden_layers: 24, state_size: 16 } as ModelConfigInput],
  ['mamba2-130m shape', { model_type: 'mamba2', vocab_size: 50288, hidden_size: 768, num_hidden_layers: 24, num_heads: 24, head_dim: 64, n_groups: 1, state_size: 128, tie_word_embeddings: true }],
];
for (const [name, input] of genRows) {
  const model = createModel(modelConfig(input), { seed: 0 });
  const state = model.initState(1);
  const token = Int32Array.from([3]);
  const perToken = bestMs(() => {
    noGrad(() => {
      for (let i = 0; i < 8; i++) model.step(token, state);
    });
  }) / 8;
  rows.push({ kind: 'generation step, batch 1, f32', model: name, msPerToken: +perToken.toFixed(2), tokensPerSecond: +(1000 / perToken).toFixed(1), parameters: model.parameterCount() });
  console.log(JSON.stringify(rows.at(-1)));
  save();
}
console.log(`loadavg after: ${os.loadavg().map((v) => v.toFixed(2)).join(' ')}`);
