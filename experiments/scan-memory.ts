// How much memory do forward + backward of the selective scan need beyond inputs, output and
// gradients, fused (chunked recomputation) against naive (every state [B, L, E, N] kept)?
// B = 1, L = 4096, E = 256, N ∈ {1, 4, 16}. Each configuration runs in its own Node process so that
// the peak resident set size (getrusage maxRSS) belongs to it alone. Per configuration:
//   - kept for backward: the arrays the op's closure holds (analytic sizes), and the growth of
//     process.memoryUsage().arrayBuffers across the forward minus y, after a forced GC;
//   - backward scratch: allocated inside the backward kernel (analytic), and the arrayBuffers growth
//     across the kernel call (a wrapped kernel in a measuring backend; exact unless a GC happens
//     to run during the call, which would show as a mismatch with the analytic size);
//   - peak RSS growth over fwd + bwd (includes y and the gradients, the same for both ops);
//   - time per element B·L·E·N of fwd + bwd (best of 3).
//
//   npx tsc -p . --outDir /tmp/dist && node /tmp/dist/experiments/scan-memory.js

import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { selectiveScan, selectiveScanReference } from '../src/ops/index.js';
import { backward } from '../src/autograd/tape.js';
import { kernels, registerBackend, setBackend } from '../src/kernels/backend.js';
import { SCAN_CHUNK } from '../src/kernels/reference/selective_scan.js';
import { Tensor, sizeOf } from '../src/tensor/tensor.js';
import { Rng } from '../src/tensor/random.js';

const [B, L, E] = [1, 4096, 256];
const NS = [1, 4, 16];
const VARIANTS = ['fused', 'naive'] as const;
type Variant = (typeof VARIANTS)[number];

interface Row {
  variant: Variant; N: number;
  keptAnalytic: number; keptMeasured: number;
  scratchAnalytic: number; scratchMeasured: number;
  gradients: number; peakRssGrowth: number;
  fwdMs: number; bwdMs: number;
}

const arrayBytes = () => process.memoryUsage().arrayBuffers;
const maxRssBytes = () => process.resourceUsage().maxRSS * 1024;

function inputs(N: number, rng: Rng, len = L, width = E): Tensor[] {
  const t = (shape: number[], low: number, high: number) => {
    const data = new Float32Array(sizeOf(shape));
    for (let i = 0; i < data.length; i++) data[i] = low + (high - low) * rng.next();
    return new Tensor(data, shape, true);
  };
  // x, dt, A, Bm, C, D, deltaBias: ranges as in a trained Mamba layer.
  return [t([B, len, width], -1, 1), t([B, len, width], -4, 0), t([width, N], -N, -1), t([B, len, N], -1, 1), t([B, len, N], -1, 1), t([width], 0, 1), t([width], -4, -2)];
}

async function child(variant: Variant, N: number): Promise<Row> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('scan-memory: run the child with --expose-gc');
  // V8 frees dead ArrayBuffer memory on a concurrent sweeper thread: wait for it before reading.
  const settle = async () => {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 20));
  };
  const scan = variant === 'fused' ? selectiveScan : selectiveScanReference;
  const run = (ts: Tensor[]) => scan(ts[0], ts[1], ts[2], ts[3], ts[4], ts[5], { deltaBias: ts[6] });

  // A backend whose backward kernels report the array memory allocated while they run.
  let scratchMeasured = 0;
  const ref = kernels();
  const measured = <A>(fn: (a: A) => void) => (a: A) => {
    const before = arrayBytes();
    fn(a);
    scratchMeasured = arrayBytes() - before;
  };
  registerBackend({
    name: 'measured',
    kernels: { ...ref, selectiveScanBackward: measured(ref.selectiveScanBackward), selectiveScanNaiveBackward: measured(ref.selectiveScanNaiveBackward) },
  });
  setBackend('measured');

  const rng = new Rng(N);
  const warm = inputs(N, rng, 256, 16); // compile the kernels before timing
  for (let i = 0; i < 3; i++) backward(run(warm), new Float32Array(B * 256 * 16).fill(1));
  const ts = inputs(N, rng);
  const w = new Float32Array(B * L * E).fill(1 / (B * L * E));
  await settle();
  const rss0 = maxRssBytes();
  let fwdMs = Infinity;
  let bwdMs = Infinity;
  let keptMeasured = 0;
  // One forward + backward in its own frame, so that no stale slot keeps the previous y alive.
  const oneRun = async (): Promise<void> => {
    for (const t of ts) t.grad = null;
    await settle();
    const ab0 = arrayBytes();
    const t0 = performance.now();
    const y = run(ts);
    const t1 = performance.now();
    await settle(); // frees the forward kernel's own scratch; what remains is y and what the backward needs
    keptMeasured = arrayBytes() - ab0 - y.data.byteLength;
    const t2 = performance.now();
    backward(y, w);
    const t3 = performance.now();
    fwdMs = Math.min(fwdMs, t1 - t0);
    bwdMs = Math.min(bwdMs, t3 - t2);
  };
  for (let rep = 0; rep < 3; rep++) await oneRun();
  const f32 = 4;
  const delta = B * L * E * f32;
  const states = variant === 'fused' ? B * Math.ceil(L / SCAN_CHUNK) * E * N * f32 : B * L * E * N * f32;
  const scratchAnalytic = variant === 'fused' ? (2 * SCAN_CHUNK * N + E * N) * f32 : B * L * E * N * f32;
  return {
    variant, N,
    keptAnalytic: delta + states, keptMeasured,
    scratchAnalytic, scratchMeasured,
    gradients: ts.reduce((s, t) => s + t.size * f32, 0),
    peakRssGrowth: maxRssBytes() - rss0,
    fwdMs, bwdMs,
  };
}

function main(): void {
  const self = fileURLToPath(import.meta.url);
  const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(2);
  console.log(`B ${B}, L ${L}, E ${E}, chunk T ${SCAN_CHUNK}; MB = 2^20 bytes\n`);
  console.log('| op | N | kept for backward, analytic (MB) | kept, measured (MB) | backward scratch, analytic (MB) | scratch, measured (MB) | gradients (MB) | peak RSS growth fwd+bwd (MB) | fwd (ms) | bwd (ms) | ns per element B·L·E·N |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const N of NS) {
    for (const variant of VARIANTS) {
      const out = execFileSync(process.execPath, ['--expose-gc', self, 'child', variant, String(N)], { encoding: 'utf8' });
      const r = JSON.parse(out) as Row;
      const ns = ((r.fwdMs + r.bwdMs) * 1e6) / (B * L * E * N);
      console.log(`| ${r.variant} | ${r.N} | ${mb(r.keptAnalytic)} | ${mb(r.keptMeasured)} | ${mb(r.scratchAnalytic)} | ${mb(r.scratchMeasured)} | ${mb(r.gradients)} | ${mb(r.peakRssGrowth)} | ${r.fwdMs.toFixed(0)} | ${r.bwdMs.toFixed(0)} | ${ns.toFixed(1)} |`);
    }
  }
}

if (process.argv[2] === 'child') {
  process.stdout.write(JSON.stringify(await child(process.argv[3] as Variant, Number(process.argv[4]))));
} else {
  main();
}
