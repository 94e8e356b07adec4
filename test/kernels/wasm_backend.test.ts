// The backend switch: initBackend picks the wasm kernels, honours MAMBA_TS_BACKEND, and falls
// back to the reference kernels with a one-line notice when the wasm cannot be used.

import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { describeBackend, initBackend, setThreads, wasmRuntime } from '../../src/kernels/index.js';
import { backendName, kernels } from '../../src/kernels/backend.js';
import { referenceKernels } from '../../src/kernels/reference/index.js';
import { createWasmBackend, createWasmRuntime, findKernelsWasm, simdSupported } from '../../src/kernels/wasm/index.js';
import { BinaryParams, JOB_BINARY, MAX_PHASES } from '../../src/kernels/wasm/control.js';
import { Rng } from '../../src/tensor/random.js';

async function withEnv<T>(value: string | undefined, fn: () => Promise<T>): Promise<T> {
  const saved = process.env.MAMBA_TS_BACKEND;
  if (value === undefined) delete process.env.MAMBA_TS_BACKEND;
  else process.env.MAMBA_TS_BACKEND = value;
  try {
    return await fn();
  } finally {
    if (saved === undefined) delete process.env.MAMBA_TS_BACKEND;
    else process.env.MAMBA_TS_BACKEND = saved;
  }
}

test('this Node has WebAssembly SIMD, so the default backend is wasm', async () => {
  assert.equal(simdSupported(), true);
  assert.equal(await withEnv(undefined, () => initBackend()), 'wasm');
  assert.equal(backendName(), 'wasm');
  assert.notEqual(kernels().matmul, referenceKernels.matmul);
  assert.equal(kernels().embeddingForward, referenceKernels.embeddingForward, 'kernels without a wasm version stay the reference ones');
});

test('MAMBA_TS_BACKEND=ref selects the reference kernels; an explicit name wins over it', async () => {
  assert.equal(await withEnv('ref', () => initBackend()), 'ref');
  assert.equal(kernels().matmul, referenceKernels.matmul);
  assert.equal(await withEnv('ref', () => initBackend('wasm')), 'wasm');
  await assert.rejects(withEnv('gpu', () => initBackend()), /unknown backend 'gpu'/);
});

test('invalid wasm bytes fall back to the reference kernels with a notice on stderr', async () => {
  const notices: string[] = [];
  const spy = mock.method(console, 'error', (msg: string) => notices.push(msg));
  try {
    assert.equal(await initBackend('wasm', { wasm: new Uint8Array([0, 97, 115, 109, 9, 9]) }), 'ref');
  } finally {
    spy.mock.restore();
  }
  assert.equal(backendName(), 'ref');
  assert.equal(notices.length, 1);
  assert.match(notices[0], /^mamba-ts: WebAssembly kernels unavailable \(.+\); using the reference kernels$/);
});

test('build/kernels.wasm is found from the compiled module wherever it was compiled to, or from MAMBA_TS_WASM', async () => {
  const found = await findKernelsWasm();
  assert.match(found, /build[\\/]kernels\.wasm$/);
  assert.ok(existsSync(found), `${found} exists`);
  process.env.MAMBA_TS_WASM = '/elsewhere/k.wasm';
  try {
    assert.equal(await findKernelsWasm(), '/elsewhere/k.wasm');
  } finally {
    delete process.env.MAMBA_TS_WASM;
  }
});

test('a missing kernels.wasm is reported with its path, and initBackend then falls back with a notice', async () => {
  process.env.MAMBA_TS_WASM = '/nonexistent/kernels.wasm';
  try {
    await assert.rejects(createWasmRuntime(), /\/nonexistent\/kernels\.wasm is missing: run `npm run build`/);
  } finally {
    delete process.env.MAMBA_TS_WASM;
  }
  const notices: string[] = [];
  const spy = mock.method(console, 'error', (msg: string) => notices.push(msg));
  try {
    assert.equal(await initBackend('wasm', { wasm: new URL('file:///nonexistent/kernels.wasm') }), 'ref');
  } finally {
    spy.mock.restore();
  }
  assert.equal(notices.length, 1);
  assert.match(notices[0], /nonexistent\/kernels\.wasm.*using the reference kernels/);
});

test('the relaxed-SIMD builds run by default (Node 20 turns on its V8 flag), the plain ones when asked; both match the reference', async () => {
  const runtimes = {
    auto: await createWasmRuntime(undefined, 2),
    autoSingle: await createWasmRuntime(undefined, 1, { shared: false }),
    plain: await createWasmRuntime(undefined, 2, { simd: 'plain' }),
    plainSingle: await createWasmRuntime(undefined, 1, { shared: false, simd: 'plain' }),
  };
  const wantRelaxed = process.env.MAMBA_TS_SIMD !== 'plain';
  assert.equal(runtimes.auto.relaxedSimd, wantRelaxed);
  assert.equal(runtimes.autoSingle.relaxedSimd, wantRelaxed);
  assert.equal(runtimes.plain.relaxedSimd, false);
  assert.equal(runtimes.plainSingle.relaxedSimd, false);
  assert.equal((await createWasmRuntime(undefined, 1, { simd: 'relaxed' })).relaxedSimd, true);
  // A 64×300×48 product: each build within the f32 rounding bound of the reference; the fused
  // multiply-adds of the relaxed build (this CPU has FMA) round differently from mul + add.
  const rng = new Rng(5);
  const dims = { batch: 1, m: 64, k: 300, n: 48, transA: false, transB: true, strideA: 0, strideB: 0, accumulate: false };
  const a = Float32Array.from({ length: 64 * 300 }, () => rng.next() - 0.5);
  const b = Float32Array.from({ length: 48 * 300 }, () => rng.next() - 0.5);
  const want = new Float32Array(64 * 48);
  referenceKernels.matmul(a, b, want, dims);
  const results = Object.values(runtimes).map((rt) => {
    const c = new Float32Array(64 * 48);
    createWasmBackend(rt).kernels.matmul(a, b, c, dims);
    for (let i = 0; i < c.length; i++) assert.ok(Math.abs(c[i] - want[i]) < 1e-4, `${rt.relaxedSimd ? 'relaxed' : 'plain'} [${i}]: ${c[i]} vs ${want[i]}`);
    return c;
  });
  assert.deepEqual(results[0], results[1], 'the shared and single relaxed builds agree');
  assert.deepEqual(results[2], results[3], 'the shared and single plain builds agree');
  if (wantRelaxed) assert.ok(results[0].some((v, i) => v !== results[2][i]), 'the relaxed build fuses its multiply-adds');
  process.env.MAMBA_TS_SIMD = 'fast';
  try {
    await assert.rejects(createWasmRuntime(), /MAMBA_TS_SIMD must be 'auto', 'relaxed' or 'plain', got 'fast'/);
  } finally {
    if (wantRelaxed) delete process.env.MAMBA_TS_SIMD;
    else process.env.MAMBA_TS_SIMD = 'plain';
  }
});

test('a folder without the relaxed-SIMD builds still loads: the plain ones run', async () => {
  const { mkdtempSync, copyFileSync, rmSync } = await import('node:fs');
  const { join, dirname } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'mamba-ts-plain-'));
  try {
    const built = dirname(await findKernelsWasm());
    for (const f of ['kernels.wasm', 'kernels-single.wasm']) copyFileSync(join(built, f), join(dir, f));
    const shared = await createWasmRuntime(join(dir, 'kernels.wasm'), 1);
    const single = await createWasmRuntime(join(dir, 'kernels.wasm'), 1, { shared: false });
    assert.equal(shared.relaxedSimd, false);
    assert.equal(single.relaxedSimd, false);
    assert.equal(single.shared, false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('describeBackend names the kernels in use: the build, the threads, and ref', async () => {
  await initBackend('wasm', { threads: 2 });
  const build = wasmRuntime()!.relaxedSimd ? 'relaxed SIMD' : 'SIMD';
  assert.equal(describeBackend(), `wasm (${build}, 2 threads)`);
  setThreads(1);
  assert.equal(describeBackend(), `wasm (${build}, 1 thread)`);
  await initBackend('ref');
  assert.equal(describeBackend(), 'ref');
});

test('arrays above 2 GiB in the 4 GiB memory are addressed right (byte offsets past 2³¹)', async (t) => {
  const rt = await createWasmRuntime(undefined, 2);
  if (rt.maxBytes <= 2 ** 31) return t.skip('this host gave the memory a 2 GiB maximum');
  rt.poisonReleased = false; // the filler below must stay untouched (uncommitted)
  const k = createWasmBackend(rt).kernels;
  const rng = new Rng(9);
  const rand = (n: number) => Float32Array.from({ length: n }, () => rng.next() - 0.5);
  rt.openArena();
  try {
    assert.ok(rt.arenaArray(2 ** 29 + 2 ** 18, false), 'a 2 GiB filler block, never written');
    const [m, kk, n] = [64, 48, 40];
    const a = rt.arenaArray(m * kk)!, b = rt.arenaArray(kk * n)!, c = rt.arenaArray(m * n, false)!;
    assert.ok(c.byteOffset > 2 ** 31, `c at ${c.byteOffset}`);
    a.set(rand(m * kk));
    b.set(rand(kk * n));
    const dims = { batch: 1, m, k: kk, n, transA: false, transB: false, strideA: 0, strideB: 0, accumulate: false };
    const want = new Float32Array(m * n);
    referenceKernels.matmul(a, b, want, dims);
    k.matmul(a, b, c, dims); // operands read and written in place, high in the memory
    for (let i = 0; i < want.length; i++) assert.ok(Math.abs(c[i] - want[i]) < 1e-5, `in place [${i}]`);
    const plain = new Float32Array(m * n);
    k.matmul(a.slice(), b.slice(), plain, dims); // copied in above the arena and out again
    for (let i = 0; i < want.length; i++) assert.ok(Math.abs(plain[i] - want[i]) < 1e-5, `copied [${i}]`);
    // A kernel whose weight gradient the JavaScript side reads back from the memory (sumRows).
    const x = rand(m * kk), w = rand(kk), g = rand(m * kk), rstd = Float32Array.from({ length: m }, () => 1.5);
    const [gwWant, gwGot] = [new Float32Array(kk), new Float32Array(kk)];
    referenceKernels.rmsNormBackward(g, x, w, rstd, null, gwWant, m, kk);
    k.rmsNormBackward(g, x, w, rstd, null, gwGot, m, kk);
    for (let i = 0; i < kk; i++) assert.ok(Math.abs(gwGot[i] - gwWant[i]) < 1e-4, `gradWeight [${i}]`);
  } finally {
    rt.closeArena();
  }
});

test('the kernels can be given as bytes, and setThreads changes the pool size', async () => {
  const bytes = readFileSync(await findKernelsWasm());
  assert.equal(await initBackend('wasm', { wasm: bytes, threads: 1 }), 'wasm');
  assert.equal(wasmRuntime()!.threads, 1);
  setThreads(2);
  assert.equal(wasmRuntime()!.threads, 2);
  assert.throws(() => setThreads(0), /positive integer/);
  await initBackend('ref');
});

test('waitForWorkers resolves once every worker has started and waits for jobs; its probe job ran on a worker', async () => {
  // Before, it ran probe jobs of 256 empty tasks until a worker took one: a worker asleep on GEN is
  // woken too late for such a job whenever the other core is busy, and it gave up after 5 s.
  const rt = await createWasmRuntime(undefined, 3);
  assert.equal(rt.pool.running, 0, 'workers start with the first parallel job');
  assert.ok((await rt.waitForWorkers()).some((tid) => tid > 0), 'a worker ran a task of the probe');
  assert.equal(rt.pool.running, 2);
  assert.equal(rt.pool.started, 2);
});

test('with workerFirst, every parallel job runs a task on a worker, even a job of empty tasks', async () => {
  const rt = await createWasmRuntime(undefined, 2);
  await rt.pool.ready(2);
  rt.pool.workerFirst = true;
  for (let j = 0; j < 200; j++) {
    const before = rt.pool.workerTasks;
    assert.ok(rt.whoRuns(2).includes(1), `job ${j}: thread 1 ran a task`);
    assert.ok(rt.pool.workerTasks > before, `job ${j}: counted`);
  }
});

test('a process that ran parallel kernels exits by itself: the workers are unref\'ed', () => {
  const index = new URL('../../src/kernels/wasm/index.js', import.meta.url).href;
  const script = `
    const { createWasmRuntime, createWasmBackend } = await import(${JSON.stringify(index)});
    const rt = await createWasmRuntime(undefined, 2);
    const k = createWasmBackend(rt).kernels;
    const n = 128;
    k.matmul(new Float32Array(n * n), new Float32Array(n * n), new Float32Array(n * n),
      { batch: 1, m: n, k: n, n, transA: false, transB: false, strideA: 0, strideB: 0, accumulate: false });
    if (rt.pool.started < 1) throw new Error('no worker started');
    console.log('done');`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 120_000 }); // only a hang guard: it exits in about a second
  assert.equal(r.error, undefined, 'the process did not exit within 120 s');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'done');
});

test('the wasm memory grows on demand and results stay right after growing', async () => {
  const { createWasmRuntime, createWasmBackend } = await import('../../src/kernels/wasm/index.js');
  const rt = await createWasmRuntime(undefined, 1);
  const before = rt.memory.buffer.byteLength;
  const n = 700; // A, B, C and the packed B: ~8 MB, more than the initial 4 MB
  const eye = new Float32Array(n * n);
  for (let i = 0; i < n; i++) eye[i * n + i] = 1;
  const b = Float32Array.from({ length: n * n }, (_, i) => (i % 97) - 48);
  const c = new Float32Array(n * n);
  createWasmBackend(rt).kernels.matmul(eye, b, c, { batch: 1, m: n, k: n, n, transA: false, transB: false, strideA: 0, strideB: 0, accumulate: false });
  assert.ok(rt.memory.buffer.byteLength > before, 'the memory grew');
  assert.deepEqual(c, b, 'I · B = B exactly');
});

test('without shared memory (kernels-single.wasm): one thread, plain arrays, results equal to the reference, also after the memory grows', async () => {
  const rt = await createWasmRuntime(undefined, 4, { shared: false });
  const k = createWasmBackend(rt).kernels;
  assert.equal(rt.shared, false);
  assert.equal(rt.threads, 1);
  assert.equal(rt.pool.canSpawn, false);
  assert.ok(!rt.isResident(rt.residentArray(8)), 'resident arrays are plain: a growing plain memory would detach them');
  rt.openArena();
  assert.equal(rt.arenaArray(8), null);
  rt.closeArena();
  const before = rt.memory.buffer.byteLength;
  // 600 × 600 operands and the packed panels outgrow the initial 4 MiB: the control block and
  // the views are re-made after the memory grows, and the next call still runs.
  for (const n of [600, 33]) {
    const a = Float32Array.from({ length: n * n }, (_, i) => ((i * 7) % 13) / 13 - 0.5);
    const b = Float32Array.from({ length: n * n }, (_, i) => ((i * 5) % 11) / 11 - 0.5);
    const dims = { batch: 1, m: n, k: n, n, transA: false, transB: true, strideA: 0, strideB: 0, accumulate: false };
    const want = new Float32Array(n * n);
    const got = new Float32Array(n * n);
    referenceKernels.matmul(a, b, want, dims);
    k.matmul(a, b, got, dims);
    for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i] - want[i]) <= 1e-4, `n ${n}: [${i}] ${got[i]} vs ${want[i]}`);
  }
  assert.ok(rt.memory.buffer.byteLength > before, 'the memory grew');
});

test('back-to-back parallel jobs run every task exactly once (in-place adds, 20,000 jobs on 2 threads)', async () => {
  // Each job adds b into a in place, in 2 tasks of one row: a task run twice, or run before its
  // job is fully published, leaves a wrong count. Integers stay exact in f32. (It did not catch
  // the publication race fixed in pool.ts, whose window is a few nanoseconds: that one showed as
  // two concurrent 720-step training runs diverging at step 285. It guards exactly-once runs.)
  const rt = await createWasmRuntime(undefined, 2);
  await rt.waitForWorkers();
  const len = 64;
  const a = rt.residentArray(2 * len);
  const b = rt.residentArray(2 * len).fill(1);
  const jobs = 20_000;
  for (let j = 0; j < jobs; j++) {
    rt.setParams(BinaryParams, { op: 0 /* add */, a: a.byteOffset, b: b.byteOffset, out: a.byteOffset, rows: 2, len, rowStrideA: len, rowStrideB: len, alongA: 1, alongB: 1, rowsPerTask: 1 });
    rt.run(JOB_BINARY, 2, 2);
  }
  for (let i = 0; i < a.length; i++) if (a[i] !== jobs) assert.fail(`a[${i}] = ${a[i]}, want ${jobs}`);
});

test('a phased job runs its phases in order: each row, its own phase, reads the row the phase before wrote (2,000 jobs on 2 threads)', async () => {
  // out[r] = out[r − 1] + 1 for rows 1..7, one task per row and one phase per task: a task that
  // started before the previous phase finished would read a stale row and leave a wrong value.
  const rt = await createWasmRuntime(undefined, 2);
  await rt.waitForWorkers();
  const len = 1024;
  const rows = MAX_PHASES;
  const buf = rt.residentArray((rows + 1) * len);
  const one = rt.residentArray(4).fill(1);
  const ends = Array.from({ length: rows }, (_, r) => r + 1);
  for (let j = 0; j < 2000; j++) {
    buf.fill(0);
    // add: a = the row above the output row, b = the constant 1 (stride 0, not along the row).
    rt.setParams(BinaryParams, { op: 0, a: buf.byteOffset, b: one.byteOffset, out: buf.byteOffset + len * 4, rows, len, rowStrideA: len, rowStrideB: 0, alongA: 1, alongB: 0, rowsPerTask: 1 });
    rt.run(JOB_BINARY, rows, 2, ends);
    for (let r = 1; r <= rows; r++) if (buf[r * len] !== r || buf[r * len + len - 1] !== r) assert.fail(`job ${j}: row ${r} holds ${buf[r * len]}, want ${r}`);
  }
  assert.throws(() => rt.run(JOB_BINARY, 8, 2, [1, 2, 3, 4, 5, 6, 7, 8]), /8 phases exceed the limit of 7/);
});
