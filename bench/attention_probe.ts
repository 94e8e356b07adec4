// One attention measurement in a fresh process, so that its peak resident memory is its own:
//   node dist/bench/attention_probe.js fused|naive|nomask L H d threads   (nomask: fused, no causal mask)
// prints JSON { seconds (median forward + backward), peakBytes (peak RSS above the inputs) }.
// Run by bench/attention.ts.

import { attention, mul, sum } from '../src/ops/index.js';
import { backward } from '../src/autograd/tape.js';
import { withArena } from '../src/kernels/memory.js';
import { initBackend } from '../src/kernels/index.js';
import { Tensor } from '../src/tensor/tensor.js';
import { randomArray } from './baselines.js';

const [kind, L, H, d, threads] = [process.argv[2], ...process.argv.slice(3).map(Number)];
await initBackend(kind === 'naive' ? 'ref' : 'wasm', { threads });
const make = (seed: number) => new Tensor(randomArray(L * H * d, seed), [1, L, H, d], true);
const [q, k, v] = [make(1), make(2), make(3)];
const w = new Tensor(randomArray(L * H * d, 4), [1, L, H, d]);
const base = process.resourceUsage().maxRSS * 1024;
const run = () => {
  for (const t of [q, k, v]) t.grad = null;
  const opts = kind === 'naive' ? { kernel: 'naive' as const } : kind === 'nomask' ? { causal: false } : {};
  withArena(() => backward(sum(mul(attention(q, k, v, opts), w))));
};
// Long or slow calls are timed once, without a warm-up: compilation is then a negligible part.
const long = kind === 'naive' || L > 2048;
if (!long) run();
const samples: number[] = [];
const repeats = long ? 1 : 3;
for (let r = 0; r < repeats; r++) {
  const t0 = performance.now();
  run();
  samples.push((performance.now() - t0) / 1000);
}
samples.sort((a, b) => a - b);
console.log(JSON.stringify({ seconds: samples[samples.length >> 1], peakBytes: process.resourceUsage().maxRSS * 1024 - base }));
process.exit(0);
