// Where does a time-chunked scan on 2 cores beat a channel-parallel sequential scan on 2 cores?
// The real recurrence h_t = a_t ⊙ h_{t−1} + b_t, time-major [L, C], for C ∈ {1, 2, 8, 64} and
// L ∈ {2^12, 2^16, 2^18}, with the kernels of src/kernels/scan on SharedArrayBuffers:
//   single:   the main thread runs sequentialRange over [0, L), all channels (the baseline);
//   channels: worker k runs sequentialRange over [0, L) on its half of the channels. The kernels
//             take a contiguous [L, C] block, so the channels are pre-split (outside the timing)
//             into one [L, C_k] block per worker, the layout a batch × channel split would have;
//   chunked:  worker k runs chunkLocalScan on its time range, the main thread scans the 2 carries
//             (sequentialRange over [2, C]) into the entering states, then worker 1 runs chunkFixUp
//             on its range (chunk 0 starts from h0 = 0 and needs no fix-up, so worker 0 idles);
//             once with halves, once with chunk 0 = 5/8 of L, which evens the load because
//             worker 1 does two passes over its chunk and worker 0 one.
// Workers wait on Atomics.wait and are woken with Atomics.notify (no postMessage in the timed
// part); worker start-up and the data hand-over are outside the timing. Median of 5 timed runs
// after three warm-up runs; Melem/s counts L·C elements per second. The worker is this same file,
// started with workerData { worker: true }.
//
//   npx tsc -p . --outDir /tmp/dist && node /tmp/dist/experiments/scan-multicore.js

import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { ChunkCarries, LinearRecurrence, chunkFixUp, chunkLocalScan, sequentialRange } from '../src/kernels/scan/index.js';
import { Rng } from '../src/tensor/random.js';

const WORKERS = 2;
const CHANNELS = [1, 2, 8, 64];
const LOG2_LENGTHS = [12, 16, 18];
const REPEATS = 5;

// Control words (Int32Array on a SharedArrayBuffer): per worker k, CMD + k holds a job counter
// that the main thread bumps to start a job, DONE + k the counter of the last job finished;
// JOB + 4k .. JOB + 4k + 3 hold the job (kind, t0, t1, unused).
const CMD = 0;
const DONE = WORKERS;
const JOB = 2 * WORKERS;
const FAILED = JOB + 4 * WORKERS; // set by a worker whose job threw, so that the main thread stops waiting
const CONTROL_WORDS = FAILED + 1;
const enum Kind { Channels = 1, Local = 2, FixUp = 3, Exit = 4 }

/** The shared arrays of one (L, C) configuration, all Float32 over SharedArrayBuffers. */
interface Shared {
  L: number;
  C: number;
  a: SharedArrayBuffer; // [L, C]
  b: SharedArrayBuffer; // [L, C]
  hChunked: SharedArrayBuffer; // [L, C]
  carriesA: SharedArrayBuffer; // [WORKERS, C]
  carriesB: SharedArrayBuffer; // [WORKERS, C]
  entering: SharedArrayBuffer; // [WORKERS, C]: row k is the state leaving chunk k
  split: Array<{ C: number; a: SharedArrayBuffer; b: SharedArrayBuffer; h: SharedArrayBuffer }>; // per worker [L, C_k]
}

const f32 = (buf: SharedArrayBuffer) => new Float32Array(buf);
const sab = (n: number) => new SharedArrayBuffer(4 * n);

function workerMain(): void {
  const control = new Int32Array(workerData.control as SharedArrayBuffer);
  const k = workerData.k as number;
  let shared: Shared | null = null;
  parentPort!.on('message', (msg: Shared) => {
    shared = msg;
    parentPort!.postMessage('ready');
  });
  let seen = 0;
  const serve = (): void => {
    // Jobs until a wait times out; then the event loop gets a turn, so that the 'message' event
    // can install the next configuration's arrays, and serving resumes.
    while (Atomics.wait(control, CMD + k, seen, 20) !== 'timed-out') {
      seen = Atomics.load(control, CMD + k);
      const kind = control[JOB + 4 * k];
      if (kind === Kind.Exit) process.exit(0);
      try {
        runJob(shared!, k, kind, control[JOB + 4 * k + 1], control[JOB + 4 * k + 2]);
      } catch (e) {
        console.error(`worker ${k}:`, e);
        Atomics.store(control, FAILED, 1);
      }
      Atomics.store(control, DONE + k, seen);
      Atomics.notify(control, DONE + k);
    }
    setImmediate(serve);
  };
  serve();
}

function runJob(s: Shared, k: number, kind: Kind, t0: number, t1: number): void {
  if (kind === Kind.Channels) {
    const part = s.split[k];
    if (part.C > 0) sequentialRange({ L: s.L, C: part.C, a: f32(part.a), b: f32(part.b) }, 0, s.L, null, null, f32(part.h), null);
    return;
  }
  const r: LinearRecurrence = { L: s.L, C: s.C, a: f32(s.a), b: f32(s.b) };
  if (kind === Kind.Local) {
    const carries: ChunkCarries = { a: f32(s.carriesA), b: f32(s.carriesB), aIm: null, bIm: null };
    chunkLocalScan(r, t0, t1, f32(s.hChunked), null, carries, k);
  } else {
    chunkFixUp(r, t0, t1, f32(s.entering), null, k - 1, f32(s.hChunked), null);
  }
}

/** Starts job `kind` on the workers listed with their time ranges, and waits for all of them. */
function runJobs(control: Int32Array, jobs: Array<{ k: number; kind: Kind; t0?: number; t1?: number }>): void {
  for (const j of jobs) {
    control[JOB + 4 * j.k] = j.kind;
    control[JOB + 4 * j.k + 1] = j.t0 ?? 0;
    control[JOB + 4 * j.k + 2] = j.t1 ?? 0;
    Atomics.add(control, CMD + j.k, 1);
    Atomics.notify(control, CMD + j.k);
  }
  const deadline = performance.now() + 30_000;
  for (const j of jobs) {
    const want = Atomics.load(control, CMD + j.k);
    while (Atomics.load(control, DONE + j.k) !== want) {
      Atomics.wait(control, DONE + j.k, Atomics.load(control, DONE + j.k), 1000);
      if (Atomics.load(control, FAILED) || performance.now() > deadline) throw new Error(`scan-multicore: worker ${j.k} failed or did not answer`);
    }
  }
}

function medianMs(fn: () => void): number {
  for (let i = 0; i < 3; i++) fn(); // warm-up (JIT, in the workers too)
  const times: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  times.sort((x, y) => x - y);
  return times[Math.floor(REPEATS / 2)];
}

function maxAbsDiff(x: Float32Array, y: Float32Array): number {
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - y[i]));
  return m;
}

async function main(): Promise<void> {
  const control = new Int32Array(new SharedArrayBuffer(4 * CONTROL_WORDS));
  const workers = Array.from({ length: WORKERS }, (_, k) => new Worker(new URL(import.meta.url), { workerData: { worker: true, k, control: control.buffer } }));
  const rng = new Rng(1);
  const started = performance.now();
  console.log('| C | L | single Melem/s | channel-parallel Melem/s (×) | chunked ½–½ Melem/s (×) | chunked ⅝–⅜ Melem/s (×) | max abs diff (channels, chunked) |');
  console.log('| ---: | ---: | ---: | ---: | ---: | ---: | --- |');
  for (const C of CHANNELS) {
    for (const lg of LOG2_LENGTHS) {
      const L = 2 ** lg;
      const n = L * C;
      const s: Shared = {
        L, C, a: sab(n), b: sab(n), hChunked: sab(n),
        carriesA: sab(WORKERS * C), carriesB: sab(WORKERS * C), entering: sab(WORKERS * C), split: [],
      };
      const a = f32(s.a);
      const b = f32(s.b);
      // |a| < 0.95 keeps the recurrence stable, b in [−1, 1): states stay O(10).
      for (let i = 0; i < n; i++) {
        a[i] = -0.95 + 1.9 * rng.next();
        b[i] = -1 + 2 * rng.next();
      }
      // Channel split: worker k owns channels [c0, c1), copied into its own contiguous [L, C_k] block.
      for (let k = 0; k < WORKERS; k++) {
        const c0 = Math.floor((k * C) / WORKERS);
        const c1 = Math.floor(((k + 1) * C) / WORKERS);
        const Ck = c1 - c0;
        const part = { C: Ck, a: sab(L * Ck), b: sab(L * Ck), h: sab(L * Ck) };
        const pa = f32(part.a);
        const pb = f32(part.b);
        for (let t = 0; t < L; t++) {
          pa.set(a.subarray(t * C + c0, t * C + c1), t * Ck);
          pb.set(b.subarray(t * C + c0, t * C + c1), t * Ck);
        }
        s.split.push(part);
      }
      await Promise.all(workers.map((w) => new Promise((resolve) => {
        w.once('message', resolve);
        w.postMessage(s);
      })));

      const r: LinearRecurrence = { L, C, a, b };
      const hSingle = new Float32Array(n);
      const single = medianMs(() => sequentialRange(r, 0, L, null, null, hSingle, null));
      const channels = medianMs(() => runJobs(control, workers.map((_, k) => ({ k, kind: Kind.Channels }))));
      let diffChannels = 0;
      for (let k = 0, c0 = 0; k < WORKERS; c0 += s.split[k].C, k++) {
        const Ck = s.split[k].C;
        const h = f32(s.split[k].h);
        for (let t = 0; t < L; t++) {
          for (let c = 0; c < Ck; c++) diffChannels = Math.max(diffChannels, Math.abs(h[t * Ck + c] - hSingle[t * C + c0 + c]));
        }
      }
      const carries: LinearRecurrence = { L: WORKERS, C, a: f32(s.carriesA), b: f32(s.carriesB) };
      const entering = f32(s.entering);
      const chunked = (split: number) => {
        const mid = Math.round(L * split);
        const ranges = [[0, mid], [mid, L]];
        runJobs(control, ranges.map(([t0, t1], k) => ({ k, kind: Kind.Local, t0, t1 })));
        // Row k of entering is the state leaving chunk k (h0 = 0), so chunk k is entered with row k − 1.
        sequentialRange(carries, 0, WORKERS, null, null, entering, null);
        runJobs(control, ranges.slice(1).map(([t0, t1], i) => ({ k: i + 1, kind: Kind.FixUp, t0, t1 })));
      };
      const halves = medianMs(() => chunked(1 / 2));
      const diffHalves = maxAbsDiff(f32(s.hChunked), hSingle);
      const uneven = medianMs(() => chunked(5 / 8));
      const diffChunked = Math.max(diffHalves, maxAbsDiff(f32(s.hChunked), hSingle));
      const rate = (ms: number) => (n / (ms * 1e3)).toFixed(1);
      const cell = (ms: number) => `${rate(ms)} (${(single / ms).toFixed(2)})`;
      console.log(`| ${C} | 2^${lg} | ${rate(single)} | ${cell(channels)} | ${cell(halves)} | ${cell(uneven)} | ${diffChannels.toExponential(1)}, ${diffChunked.toExponential(1)} |`);
    }
  }
  for (let k = 0; k < WORKERS; k++) {
    control[JOB + 4 * k] = Kind.Exit;
    Atomics.add(control, CMD + k, 1);
    Atomics.notify(control, CMD + k);
  }
  await Promise.all(workers.map((w) => new Promise((resolve) => w.once('exit', resolve))));
  console.log(`\n${((performance.now() - started) / 1e3).toFixed(1)} s`);
}

if (isMainThread) await main();
else if (workerData?.worker) workerMain();
