// Choosing the kernels: initBackend() loads the WebAssembly kernels and selects them, or falls
// back to the reference kernels with a one-line notice when they cannot run here.

import { registerBackend, setBackend, backendName } from './backend.js';
import { createWasmBackend, createWasmRuntime, defaultThreads, simdSupported, SimdLevel, WasmRuntime, WasmSource } from './wasm/index.js';

export type BackendName = 'wasm' | 'ref';

export interface InitBackendOptions {
  /** kernels.wasm as bytes or URL (browsers); Node finds build/kernels.wasm by itself. */
  wasm?: WasmSource;
  /**
   * kernels-single.wasm, used where there is no shared memory (pages without cross-origin
   * isolation); by default the file beside `wasm`.
   */
  wasmSingle?: WasmSource;
  /** Threads for parallel kernels (default: MAMBA_TS_THREADS, else all cores). */
  threads?: number;
  /**
   * 'auto' (default, or MAMBA_TS_SIMD): the relaxed-SIMD builds (fused multiply-adds) where the
   * engine has relaxed SIMD; 'plain': never; 'relaxed': always (an error where it is missing).
   */
  simd?: SimdLevel;
}

let runtime: WasmRuntime | null = null;

/**
 * Selects the backend `name`, else the one in MAMBA_TS_BACKEND, else 'wasm' where WebAssembly
 * SIMD exists. When the wasm kernels fail to load, selects 'ref' and says why on stderr.
 * Returns the name of the backend now in use.
 */
export async function initBackend(name?: BackendName, opts: InitBackendOptions = {}): Promise<BackendName> {
  const fromEnv = typeof process !== 'undefined' ? process.env.MAMBA_TS_BACKEND : undefined;
  const want = name ?? (fromEnv || (simdSupported() ? 'wasm' : 'ref'));
  if (want !== 'wasm' && want !== 'ref') throw new Error(`initBackend: unknown backend '${want}' (MAMBA_TS_BACKEND must be 'wasm' or 'ref')`);
  if (want === 'ref') {
    setBackend('ref');
    return 'ref';
  }
  // Read before the fallback below: a mistyped MAMBA_TS_THREADS is the user's to fix, not a reason
  // to run the slow kernels.
  const threads = opts.threads ?? (runtime ? undefined : await defaultThreads());
  try {
    if (!runtime || opts.wasm !== undefined || opts.simd !== undefined) {
      const rt = await createWasmRuntime(opts.wasm, threads, { singleSource: opts.wasmSingle, simd: opts.simd });
      registerBackend(createWasmBackend(rt));
      runtime = rt;
    } else if (opts.threads !== undefined) {
      runtime.threads = opts.threads;
    }
    setBackend('wasm');
    return 'wasm';
  } catch (e) {
    console.error(`mamba-ts: WebAssembly kernels unavailable (${(e as Error).message}); using the reference kernels`);
    setBackend('ref');
    return 'ref';
  }
}

/** Sets how many threads the wasm kernels may use (1 = the calling thread only). */
export function setThreads(threads: number): void {
  if (!Number.isInteger(threads) || threads < 1) throw new Error(`setThreads: need a positive integer, got ${threads}`);
  if (!runtime) throw new Error('setThreads: the wasm backend is not initialised (call initBackend first)');
  runtime.threads = threads;
}

/**
 * The kernels in use, in a few words: 'ref', or e.g. 'wasm (relaxed SIMD, 2 threads)' and
 * 'wasm (SIMD, 1 thread, no shared memory)'. The CLI prints it with every run.
 */
export function describeBackend(): string {
  if (backendName() !== 'wasm' || !runtime) return backendName();
  const threads = `${runtime.threads} thread${runtime.threads === 1 ? '' : 's'}`;
  return `wasm (${runtime.relaxedSimd ? 'relaxed SIMD' : 'SIMD'}, ${threads}${runtime.shared ? '' : ', no shared memory'})`;
}

/** The wasm runtime after a successful initBackend('wasm'), else null. */
export function wasmRuntime(): WasmRuntime | null {
  return runtime;
}

export { backendName };
