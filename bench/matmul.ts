// Matmul GFLOP/s: reference TypeScript, the wasm kernels on 1 and on all threads, tfjs-backend-wasm,
// and OpenBLAS (numpy) on 1 and all threads. Square sizes and the linear layers of a d=256 Mamba
// block at batch × length = 2048 rows (in_proj 256→1024, out_proj 512→256) with their two
// backward products, as src/ops/linear.ts calls them.

import { referenceKernels } from '../src/kernels/reference/index.js';
import type { MatmulDims } from '../src/kernels/reference/matmul.js';
import { createWasmBackend, createWasmRuntime } from '../src/kernels/wasm/index.js';
import { BenchContext, registerSection, time } from './sections.js';
import { MatmulShape, loadTfjs, randomArray, runNumpy } from './baselines.js';

function linearShapes(name: string, rows: number, nIn: number, nOut: number): MatmulShape[] {
  return [
    { label: `${name} fwd x·Wᵀ ${rows}×${nIn}×${nOut}`, m: rows, k: nIn, n: nOut, transA: false, transB: true },
    { label: `${name} dX g·W ${rows}×${nOut}×${nIn}`, m: rows, k: nOut, n: nIn, transA: false, transB: false },
    { label: `${name} dW gᵀ·x ${nOut}×${rows}×${nIn}`, m: nOut, k: rows, n: nIn, transA: true, transB: false },
  ];
}

function shapes(quick: boolean): MatmulShape[] {
  const square = (s: number): MatmulShape => ({ label: `square ${s}³`, m: s, k: s, n: s, transA: false, transB: false });
  if (quick) return [square(256), square(512), linearShapes('in_proj', 2048, 256, 1024)[0], linearShapes('out_proj', 2048, 512, 256)[0]];
  return [square(256), square(512), square(1024), ...linearShapes('in_proj', 2048, 256, 1024), ...linearShapes('out_proj', 2048, 512, 256)];
}

const flops = (s: MatmulShape) => 2 * s.m * s.k * s.n;

registerSection({
  name: 'matmul',
  description: 'matmul GFLOP/s: reference, wasm 1 and N threads, tfjs-backend-wasm, OpenBLAS',
  async run(ctx: BenchContext) {
    const repeats = ctx.quick ? 3 : 5;
    const list = shapes(ctx.quick);
    const notes: string[] = [
      'GFLOP/s = 2·m·k·n / median seconds per call; m×k×n = rows of C × inner × columns of C.',
      'wasm and tfjs calls include copying the inputs in and the output out; numpy times A @ B on resident arrays.',
      'tfjs = tfjs-backend-wasm with the same transposes; tfjs NN = the same product with operands pre-laid out untransposed; wasm/tfjs uses the better of the two.',
    ];
    const rt = await createWasmRuntime(undefined, ctx.threads);
    const wasm = createWasmBackend(rt).kernels;
    const runner = (k: typeof wasm.matmul, s: MatmulShape) => {
      const a = randomArray(s.m * s.k, 1);
      const b = randomArray(s.k * s.n, 2);
      const c = new Float32Array(s.m * s.n);
      const d: MatmulDims = { batch: 1, m: s.m, k: s.k, n: s.n, transA: s.transA, transB: s.transB, strideA: 0, strideB: 0, accumulate: false };
      return () => k(a, b, c, d);
    };

    let tfjs: Awaited<ReturnType<typeof loadTfjs>> | null = null;
    try {
      tfjs = await loadTfjs((fn, r) => time(fn, r).median, ctx.threads);
      notes.push(`tfjs-core ${tfjs.version} + tfjs-backend-wasm, ${tfjs.threads} thread(s) after setThreadsCount(${ctx.threads}).`);
    } catch (e) {
      notes.push(`tfjs-backend-wasm skipped: ${(e as Error).message}`);
    }
    let numpy: ReturnType<typeof runNumpy> | null = null;
    const blasThreads = [...new Set([1, ctx.threads])];
    try {
      ctx.log('matmul: numpy/OpenBLAS…');
      numpy = runNumpy(list, repeats, blasThreads);
      notes.push(`numpy ${numpy.numpy}, ${numpy.blas}, OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE unset.`);
    } catch (e) {
      notes.push(`OpenBLAS skipped: ${(e as Error).message}`);
    }

    const rows: (string | number | null)[][] = [];
    const data: Record<string, unknown>[] = [];
    for (const s of list) {
      ctx.log(`matmul: ${s.label}`);
      const gf = (sec: number) => flops(s) / sec / 1e9;
      // The reference kernel is slow: fewer repeats, and none beyond 512³-sized work in quick mode.
      const refOk = !ctx.quick || flops(s) <= 2 * 512 ** 3;
      const ref = refOk ? gf(time(runner(referenceKernels.matmul, s), 3, 1).median) : null;
      rt.threads = 1;
      const w1 = gf(time(runner(wasm.matmul, s), repeats).median);
      rt.threads = ctx.threads;
      const wn = gf(time(runner(wasm.matmul, s), repeats).median);
      const tf = tfjs ? gf(tfjs.matmulTimer(s, repeats)) : null;
      // tfjs-backend-wasm's transposed products are far slower than its plain one: also time the
      // same product with the operands already laid out [m, k] · [k, n], and compare with the better.
      const transposed = s.transA || s.transB;
      const tfNN = tfjs && transposed ? gf(tfjs.matmulTimer({ ...s, transA: false, transB: false }, repeats)) : tf;
      const tfBest = tf !== null && tfNN !== null ? Math.max(tf, tfNN) : null;
      const blas1 = numpy?.gflops['1']?.[s.label] ?? null;
      const blasN = numpy?.gflops[String(ctx.threads)]?.[s.label] ?? null;
      rows.push([s.label, ref, w1, wn, tf, transposed ? tfNN : null, blas1, blasN, tfBest ? wn / tfBest : null, blasN ? wn / blasN : null]);
      data.push({ ...s, gflops: { reference: ref, wasm1: w1, wasmN: wn, tfjsWasm: tf, tfjsWasmUntransposed: tfNN, openblas1: blas1, openblasN: blasN } });
    }
    const N = ctx.threads;
    return {
      title: `Matmul (GFLOP/s, median of ${repeats}; N = ${N} threads)`,
      table: { columns: ['shape m×k×n', 'ref TS', 'wasm 1t', `wasm ${N}t`, 'tfjs', 'tfjs NN', 'BLAS 1t', `BLAS ${N}t`, `wasm ${N}t/tfjs`, `wasm ${N}t/BLAS ${N}t`], rows },
      notes,
      data,
    };
  },
});
