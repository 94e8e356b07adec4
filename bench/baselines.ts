// Outside implementations the kernels are compared with: @tensorflow/tfjs-backend-wasm (XNNPACK,
// loaded from node_modules, no download) and native OpenBLAS through numpy (when python3 and
// numpy exist). Both are optional: a missing one is skipped with the reason.

import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export interface MatmulShape {
  label: string;
  m: number;
  k: number;
  n: number;
  transA: boolean;
  transB: boolean;
}

export type MatmulTimer = (shape: MatmulShape, repeats: number) => number; // median seconds per call

export interface Tfjs {
  version: string;
  threads: number;
  matmulTimer: MatmulTimer;
}

/**
 * Loads tfjs-core with the wasm backend. Timed work per call: creating the input tensors from
 * Float32Arrays, matMul, dataSync (copy out), dispose: the same copies the mamba-ts kernels make.
 */
export async function loadTfjs(time: (fn: () => void, repeats: number) => number, threads: number): Promise<Tfjs> {
  const tf = await import('@tensorflow/tfjs-core');
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const require = createRequire(import.meta.url);
  wasm.setWasmPaths(join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + '/');
  wasm.setThreadsCount(threads);
  if (!(await tf.setBackend('wasm'))) throw new Error('tf.setBackend("wasm") failed');
  await tf.ready();
  const matmulTimer: MatmulTimer = (s, repeats) => {
    const a = randomArray(s.m * s.k);
    const b = randomArray(s.k * s.n);
    const shapeA: [number, number] = s.transA ? [s.k, s.m] : [s.m, s.k];
    const shapeB: [number, number] = s.transB ? [s.n, s.k] : [s.k, s.n];
    return time(() => {
      const ta = tf.tensor2d(a, shapeA);
      const tb = tf.tensor2d(b, shapeB);
      const tc = tf.matMul(ta, tb, s.transA, s.transB);
      tc.dataSync();
      tf.dispose([ta, tb, tc]);
    }, repeats);
  };
  return { version: tf.version_core, threads: wasm.getThreadsCount(), matmulTimer };
}

export interface NumpyResult {
  numpy: string;
  blas: string;
  /** GFLOP/s per shape label, for each thread setting run. */
  gflops: Record<string, Record<string, number>>;
}

const NUMPY_SCRIPT = `
import json, sys, time
import numpy as np
shapes, repeats = json.loads(sys.argv[1]), int(sys.argv[2])
rng = np.random.default_rng(0)
out = {}
for s in shapes:
    a = rng.standard_normal((s['k'], s['m']) if s['transA'] else (s['m'], s['k'])).astype(np.float32)
    b = rng.standard_normal((s['n'], s['k']) if s['transB'] else (s['k'], s['n'])).astype(np.float32)
    A = a.T if s['transA'] else a
    B = b.T if s['transB'] else b
    A @ B
    t = time.perf_counter(); A @ B; once = max(time.perf_counter() - t, 1e-6)
    calls = max(1, int(0.04 / once) + 1)
    samples = []
    for _ in range(repeats):
        t = time.perf_counter()
        for _ in range(calls): A @ B
        samples.append((time.perf_counter() - t) / calls)
    samples.sort()
    out[s['label']] = 2 * s['m'] * s['k'] * s['n'] / samples[len(samples) // 2] / 1e9
cfg = np.__config__.CONFIG['Build Dependencies']['blas'] if hasattr(np, '__config__') and hasattr(np.__config__, 'CONFIG') else {}
print(json.dumps({'numpy': np.__version__, 'blas': str(cfg.get('name', '?')) + ' ' + str(cfg.get('version', '')), 'gflops': out}))
`;

/**
 * Runs the shapes through numpy (OpenBLAS) once per thread count. The machine's
 * OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE overrides are removed for this subprocess only, so that
 * OpenBLAS picks its own kernels for this CPU.
 */
export function runNumpy(shapes: MatmulShape[], repeats: number, threadCounts: number[]): NumpyResult {
  const result: NumpyResult = { numpy: '', blas: '', gflops: {} };
  for (const t of threadCounts) {
    const env: NodeJS.ProcessEnv = { ...process.env, OPENBLAS_NUM_THREADS: String(t), OMP_NUM_THREADS: String(t) };
    delete env.OPENBLAS_CORETYPE;
    delete env.OPENBLAS_L2_SIZE;
    const r = spawnSync('python3', ['-c', NUMPY_SCRIPT, JSON.stringify(shapes), String(repeats)], { env, encoding: 'utf8', timeout: 300_000 });
    if (r.error) throw new Error(`python3 not runnable: ${r.error.message}`);
    if (r.status !== 0) throw new Error(`python3/numpy failed: ${(r.stderr || '').trim().split('\n').pop()}`);
    const parsed = JSON.parse(r.stdout) as { numpy: string; blas: string; gflops: Record<string, number> };
    result.numpy = parsed.numpy;
    result.blas = parsed.blas;
    result.gflops[String(t)] = parsed.gflops;
  }
  return result;
}

export function randomArray(n: number, seed = 1): Float32Array {
  const a = new Float32Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    a[i] = ((x >>> 0) / 4294967296) * 2 - 1;
  }
  return a;
}
