// How fast is each scan algorithm of src/kernels/scan on one core, and how deep is it? The linear
// recurrence h_t = a_t ⊙ h_{t−1} + b_t over C = 64 channels, L = 2^8 … 2^16, real and complex,
// forward only. Elements/s counts L·C recurrence elements per second (best of the repeats);
// depth is the number of dependent rounds the algorithm reports (what unbounded parallelism
// would wait for). Everything runs on one thread here: the parallel algorithms pay their extra
// work and get none of the parallelism, which the depth column shows.
// Chunked runs twice: with the default ⌈√(2L)⌉ chunks (minimum depth) and with 2 chunks (one
// per core of this machine).
//
//   npx tsc -p . --outDir /tmp/dist && node /tmp/dist/experiments/scan-bench.js [--max-log2 16]

import { LinearRecurrence, ScanAlgorithm, runScan } from '../src/kernels/scan/index.js';
import { Rng } from '../src/tensor/random.js';

const C = 64;
const MIN_LOG2 = 8;
const maxArg = process.argv.indexOf('--max-log2');
const MAX_LOG2 = maxArg >= 0 ? Number(process.argv[maxArg + 1]) : 16;
const VARIANTS: Array<{ name: string; algorithm: ScanAlgorithm; chunks?: number }> = [
  { name: 'sequential', algorithm: 'sequential' },
  { name: 'hillis-steele', algorithm: 'hillis-steele' },
  { name: 'blelloch', algorithm: 'blelloch' },
  { name: 'chunked (√2L chunks)', algorithm: 'chunked' },
  { name: 'chunked (2 chunks)', algorithm: 'chunked', chunks: 2 },
];

function recurrence(L: number, complex: boolean, rng: Rng): LinearRecurrence {
  const n = L * C;
  const fill = (lo: number, hi: number) => Float32Array.from({ length: n }, () => lo + (hi - lo) * rng.next());
  return complex
    ? { L, C, a: fill(-0.6, 0.6), aIm: fill(-0.6, 0.6), b: fill(-1, 1), bIm: fill(-1, 1) }
    : { L, C, a: fill(-0.95, 0.95), b: fill(-1, 1) };
}

/** Best time (ms) over repeats, at least 3 runs and about 0.3 s in all per configuration. */
function bestMs(fn: () => void): number {
  fn(); // warm-up (JIT)
  let best = Infinity;
  let spent = 0;
  for (let i = 0; i < 3 || (spent < 300 && i < 50); i++) {
    const t0 = performance.now();
    fn();
    const dt = performance.now() - t0;
    best = Math.min(best, dt);
    spent += dt;
  }
  return best;
}

const rng = new Rng(1);
console.log(`| kind | L | ${VARIANTS.map((v) => `${v.name} Melem/s (depth)`).join(' | ')} |`);
console.log(`| --- | ---: | ${VARIANTS.map(() => '---:').join(' | ')} |`);
for (const complex of [false, true]) {
  for (let lg = MIN_LOG2; lg <= MAX_LOG2; lg += 2) {
    const L = 2 ** lg;
    const r = recurrence(L, complex, rng);
    const cells = VARIANTS.map((v) => {
      let depth = 0;
      const ms = bestMs(() => {
        depth = runScan(r, v.algorithm, { chunks: v.chunks }).depth;
      });
      return `${((L * C) / (ms * 1e3)).toFixed(1)} (${depth})`;
    });
    console.log(`| ${complex ? 'complex' : 'real'} | 2^${lg} | ${cells.join(' | ')} |`);
  }
}
