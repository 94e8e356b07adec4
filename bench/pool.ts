// The worker pool's own cost, and where parallel matmul starts to pay:
// - an empty job (one no-op task per thread) dispatched through the shared control block
//   (Atomics.notify/wait), back to back (workers still spinning) and after 2 ms idle (asleep);
// - the same hand-off by postMessage: an async echo, and postMessage in + Atomics.wait for the
//   reply (what a synchronous kernel would have to do with messages);
// - matmul speed-up of N threads over 1 on small shapes (sets PARALLEL_MIN_MACS).

import { Worker } from 'node:worker_threads';
import { createWasmBackend, createWasmRuntime } from '../src/kernels/wasm/index.js';
import { JOB_NOP } from '../src/kernels/wasm/control.js';
import type { MatmulDims } from '../src/kernels/reference/matmul.js';
import { BenchContext, median, registerSection, time } from './sections.js';
import { randomArray } from './baselines.js';

const ECHO_WORKER = `
const { parentPort } = require('node:worker_threads');
parentPort.on('message', (m) => {
  if (m.flag) { Atomics.store(m.flag, 0, 1); Atomics.notify(m.flag, 0); } else parentPort.postMessage(m);
});`;

function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

async function postMessageRoundTrips(count: number): Promise<{ asyncEcho: number; syncWait: number }> {
  const w = new Worker(ECHO_WORKER, { eval: true });
  const reply = () => new Promise<void>((resolve) => w.once('message', () => resolve()));
  for (let i = 0; i < 50; i++) {
    const r = reply();
    w.postMessage({ i });
    await r;
  }
  const echo: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    const r = reply();
    w.postMessage({ i });
    await r;
    echo.push(performance.now() - t0);
  }
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const sync: number[] = [];
  for (let i = 0; i < count; i++) {
    flag[0] = 0;
    const t0 = performance.now();
    w.postMessage({ flag });
    Atomics.wait(flag, 0, 0, 1000);
    sync.push(performance.now() - t0);
  }
  await w.terminate();
  return { asyncEcho: median(echo) / 1000, syncWait: median(sync.slice(10)) / 1000 };
}

registerSection({
  name: 'pool',
  description: 'worker pool dispatch cost (Atomics vs postMessage) and small-matmul thread speed-up',
  async run(ctx: BenchContext) {
    const N = ctx.threads;
    const rt = await createWasmRuntime(undefined, N);
    const rows: (string | number | null)[][] = [];
    const us = (s: number) => s * 1e6;
    rt.run(JOB_NOP, N, N); // starts the workers
    sleepMs(100);
    const hot = time(() => rt.run(JOB_NOP, N, N), 5, 20).median;
    const coldSamples: number[] = [];
    for (let i = 0; i < (ctx.quick ? 20 : 60); i++) {
      sleepMs(2);
      const t0 = performance.now();
      rt.run(JOB_NOP, N, N);
      coldSamples.push((performance.now() - t0) / 1000);
    }
    const pm = await postMessageRoundTrips(ctx.quick ? 100 : 400);
    rows.push([`Atomics job, ${N} threads, back to back`, us(hot)]);
    rows.push([`Atomics job, ${N} threads, after 2 ms idle`, us(median(coldSamples))]);
    rows.push(['postMessage echo (async)', us(pm.asyncEcho)]);
    rows.push(['postMessage in, Atomics.wait for the reply', us(pm.syncWait)]);

    const wasm = createWasmBackend(rt).kernels;
    const speedups: (string | number | null)[][] = [];
    const cases: [number, number, number][] = ctx.quick
      ? [[64, 64, 64], [128, 128, 128], [256, 256, 256]]
      : [[32, 32, 32], [64, 64, 64], [96, 96, 96], [128, 128, 128], [192, 192, 192], [256, 256, 256], [16, 256, 256], [64, 256, 512]];
    // Warm-up: V8 first runs wasm functions in its baseline compiler and tiers them up after
    // enough calls; without this the first row would time baseline code.
    for (const [m, k, n] of cases) {
      const c = new Float32Array(m * n);
      const d: MatmulDims = { batch: 1, m, k, n, transA: false, transB: true, strideA: 0, strideB: 0, accumulate: false };
      for (const threads of [1, N]) {
        rt.threads = threads;
        time(() => wasm.matmul(randomArray(m * k), randomArray(k * n), c, d), 1, 20);
      }
    }
    for (const [m, k, n] of cases) {
      const a = randomArray(m * k);
      const b = randomArray(k * n);
      const c = new Float32Array(m * n);
      const d: MatmulDims = { batch: 1, m, k, n, transA: false, transB: true, strideA: 0, strideB: 0, accumulate: false };
      const at = (threads: number) => {
        rt.threads = threads;
        return time(() => wasm.matmul(a, b, c, d), ctx.quick ? 3 : 5, 20).median;
      };
      const t1 = at(1);
      const tn = at(N); // the kernel decides whether to use the threads (PARALLEL_MIN_MACS)
      speedups.push([`matmul ${m}×${k}×${n} (${((m * k * n) / 2 ** 20).toFixed(2)} M MACs)`, us(t1), us(tn), t1 / tn]);
    }
    return {
      title: `Worker pool (µs per job, median; N = ${N})`,
      table: { columns: ['what', 'µs', `µs ${N}t`, 'speed-up'], rows: [...rows.map((r) => [...r, null, null]), ...speedups] },
      notes: [
        'An empty job still wakes N−1 workers and waits for them: the floor under any parallel kernel.',
        `Matmul rows: 1 thread vs ${N} threads as the kernel decides (parallel only above PARALLEL_MIN_MACS).`,
      ],
      data: { hotJob: hot, coldJob: median(coldSamples), coldSamples, postMessage: pm, speedups },
    };
  },
});
