// One point of the context-scaling experiment in a fresh process, so that its peak resident
// memory is its own: forward + backward of one sequence-mixing op on B sequences of length L.
//   node context_probe.js <kind> <B> <L> <E> <N> <H> <d>
//   kind: scan-fused | scan-naive | attention-fused | attention-naive
// Prints one JSON line { seconds (median of the timed runs), peakBytes (peak RSS above the inputs) }.

import { attention, mul, sum, selectiveScan, selectiveScanReference } from '../ops/index.js';
import { backward } from '../autograd/tape.js';
import { withArena } from '../kernels/memory.js';
import { initBackend } from '../kernels/index.js';
import { Tensor } from '../tensor/tensor.js';
import { Rng } from '../tensor/random.js';

const [kind, ...dims] = process.argv.slice(2);
const [B, L, E, N, H, d] = dims.map(Number);
await initBackend();
const rng = new Rng(1);
const random = (shape: number[], scale = 1, grad = true) => {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = scale * (rng.next() * 2 - 1);
  return new Tensor(data, shape, grad);
};

let run: () => void;
if (kind.startsWith('scan')) {
  // The selective scan at a Mamba block's shapes: x, dt [B, L, E]; A [E, N] < 0; Bm, C [B, L, N].
  const x = random([B, L, E]);
  const dt = random([B, L, E], 0.5);
  const A = new Tensor(Float32Array.from({ length: E * N }, (_, i) => -(1 + (i % N))), [E, N], true);
  const [Bm, C] = [random([B, L, N]), random([B, L, N])];
  const Dskip = random([E]);
  const w = random([B, L, E], 1, false);
  const scan = kind === 'scan-naive' ? selectiveScanReference : selectiveScan;
  run = () => withArena(() => backward(sum(mul(scan(x, dt, A, Bm, C, Dskip, { deltaSoftplus: true }), w))));
} else {
  // Causal attention at a Transformer++ block's shapes: q, k, v [B, L, H, d].
  const [q, k, v] = [random([B, L, H, d]), random([B, L, H, d]), random([B, L, H, d])];
  const w = random([B, L, H, d], 1, false);
  const kernel = kind === 'attention-naive' ? 'naive' : 'fused';
  run = () => withArena(() => backward(sum(mul(attention(q, k, v, { kernel }), w))));
}
const base = process.resourceUsage().maxRSS * 1024;
// A call of several seconds is timed once (compilation is then negligible); a short one three
// times after a warm-up, and the median kept.
const t0 = performance.now();
run();
const first = (performance.now() - t0) / 1000;
const samples = [first];
if (first < 2) {
  samples.length = 0;
  for (let r = 0; r < 3; r++) {
    const t = performance.now();
    run();
    samples.push((performance.now() - t) / 1000);
  }
}
samples.sort((a, b) => a - b);
console.log(JSON.stringify({ seconds: samples[samples.length >> 1], peakBytes: process.resourceUsage().maxRSS * 1024 - base }));
process.exit(0);
