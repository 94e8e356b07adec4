// Finding, checking and instantiating kernels.wasm (shared memory, worker pool) or
// kernels-single.wasm (plain memory, one thread: pages without cross-origin isolation). In Node
// the binaries are read from <project root>/build/ (see findKernelsWasm); browsers pass the bytes
// or a URL.

import { WasmRuntime } from './runtime.js';
import type { SpawnWorker } from './pool.js';

export type WasmSource = Uint8Array | ArrayBuffer | URL | string;

/** Pages of the memory's maximum: 2 GiB, the module's own declared maximum. */
const MAX_PAGES = 32768;

const isNode = typeof process !== 'undefined' && !!process.versions?.node;

/** A 1-function module using v128 ops (i8x16.splat, i8x16.popcnt): validates iff SIMD is supported. */
const SIMD_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11]);

export function simdSupported(): boolean {
  return typeof WebAssembly === 'object' && WebAssembly.validate(SIMD_PROBE);
}

/**
 * The mamba-ts project folder (Node only): the nearest folder with a package.json named
 * mamba-ts above this module, above the TypeScript source its source map names (when compiled
 * into an outDir outside the project, e.g. /tmp/x-dist), or above the working directory.
 */
export async function findProjectRoot(from: string | URL = import.meta.url): Promise<string> {
  const { existsSync, readFileSync } = await import('node:fs');
  const { dirname, join, resolve } = await import('node:path');
  const { fileURLToPath } = await import('node:url');
  const projectAbove = (start: string): string | null => {
    for (let dir = start; ; dir = dirname(dir)) {
      const pkg = join(dir, 'package.json');
      try {
        if (existsSync(pkg) && JSON.parse(readFileSync(pkg, 'utf8')).name === 'mamba-ts') return dir;
      } catch {
        // an unreadable package.json is not ours; keep walking up
      }
      if (dirname(dir) === dir) return null;
    }
  };
  const file = fileURLToPath(from);
  const starts = [dirname(file)];
  try {
    const map = JSON.parse(readFileSync(`${file}.map`, 'utf8')) as { sources?: string[]; sourceRoot?: string };
    if (map.sources?.[0]) starts.push(dirname(resolve(dirname(file), map.sourceRoot ?? '', map.sources[0])));
  } catch {
    // no source map next to the module
  }
  starts.push(process.cwd());
  for (const start of starts) {
    const root = projectAbove(start);
    if (root) return root;
  }
  throw new Error(`no mamba-ts project above ${starts.join(' or ')}`);
}

/** build/kernels.wasm of the project (Node only), or the file MAMBA_TS_WASM names. */
export async function findKernelsWasm(from: string | URL = import.meta.url): Promise<string> {
  const { join, resolve } = await import('node:path');
  if (process.env.MAMBA_TS_WASM) return resolve(process.env.MAMBA_TS_WASM);
  try {
    return join(await findProjectRoot(from), 'build', 'kernels.wasm');
  } catch (e) {
    throw new Error(`${(e as Error).message} (looking for build/kernels.wasm; set MAMBA_TS_WASM to its path)`);
  }
}

async function readSource(source: WasmSource | undefined, file = 'kernels.wasm'): Promise<Uint8Array | ArrayBuffer> {
  if (source instanceof Uint8Array || source instanceof ArrayBuffer) return source;
  if (source === undefined) {
    if (!isNode) throw new Error(`${file}: pass its bytes or URL to initBackend outside Node`);
    const { readFileSync, existsSync } = await import('node:fs');
    const { dirname, join } = await import('node:path');
    const shared = await findKernelsWasm();
    const path = file === 'kernels.wasm' ? shared : join(dirname(shared), file);
    if (!existsSync(path)) throw new Error(`${path} is missing: run \`npm run build\` (or \`node scripts/build-wasm.mjs\`)`);
    return readFileSync(path);
  }
  const url = source instanceof URL ? source : new URL(source, isNode ? `file://${process.cwd()}/` : globalThis.location?.href);
  if (isNode && url.protocol === 'file:') {
    const { readFileSync } = await import('node:fs');
    return readFileSync(url);
  }
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${file}: fetching ${url} failed with HTTP ${res.status}`);
  return res.arrayBuffer();
}

/**
 * Threads for parallel kernels: MAMBA_TS_THREADS, else every available core (in a browser:
 * navigator.hardwareConcurrency on a cross-origin isolated page, else 1).
 */
export async function defaultThreads(): Promise<number> {
  if (!isNode) return sharedMemoryAvailable() ? Math.max(1, globalThis.navigator?.hardwareConcurrency ?? 1) : 1;
  const fromEnv = process.env.MAMBA_TS_THREADS;
  if (fromEnv !== undefined && fromEnv !== '') {
    const t = Number(fromEnv);
    if (!Number.isInteger(t) || t < 1) throw new Error(`MAMBA_TS_THREADS must be a positive integer, got '${fromEnv}'`);
    return t;
  }
  const os = await import('node:os');
  return os.availableParallelism?.() ?? os.cpus().length;
}

/** Shared memory exists: always in Node, on cross-origin isolated pages in browsers. */
function sharedMemoryAvailable(): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && (isNode || globalThis.crossOriginIsolated === true);
}

/** Starts pool workers: worker_threads in Node, module Web Workers in browsers. */
async function workerSpawner(): Promise<SpawnWorker | null> {
  if (isNode) {
    const { Worker } = await import('node:worker_threads');
    return (init) => new Worker(new URL('./worker.js', import.meta.url), { workerData: init }).unref();
  }
  if (typeof Worker === 'undefined') return null;
  return (init) => new Worker(new URL('./worker_web.js', import.meta.url), { type: 'module' }).postMessage(init);
}

export interface RuntimeOptions {
  /** Shared memory and the pool (kernels.wasm), or one thread on a plain memory (kernels-single.wasm); default: shared where available. */
  shared?: boolean;
  /** kernels-single.wasm; by default the file beside `source` (or build/kernels-single.wasm in Node). */
  singleSource?: WasmSource;
}

/** The single-thread module beside the shared one: the same name with -single. */
function singleBeside(source: WasmSource | undefined): WasmSource | undefined {
  if (source === undefined) return undefined;
  if (source instanceof Uint8Array || source instanceof ArrayBuffer) {
    throw new Error('this page has no shared memory, so the kernels need kernels-single.wasm: pass its bytes as wasmSingle');
  }
  const url = source instanceof URL ? source : new URL(source, isNode ? `file://${process.cwd()}/` : globalThis.location?.href);
  if (!url.pathname.endsWith('kernels.wasm')) {
    throw new Error(`this page has no shared memory, so the kernels need kernels-single.wasm, and ${url} does not end in kernels.wasm: pass its URL as wasmSingle`);
  }
  return new URL(url.pathname.replace(/kernels\.wasm$/, 'kernels-single.wasm') + url.search, url);
}

/**
 * Compiles the kernels and instantiates them on a fresh memory: shared, with the worker pool,
 * where shared memory exists (Node, cross-origin isolated pages); else plain, on one thread.
 * Throws (with the reason) when SIMD is missing or the bytes are not a valid kernels module.
 */
export async function createWasmRuntime(source?: WasmSource, threads?: number, opts: RuntimeOptions = {}): Promise<WasmRuntime> {
  if (!simdSupported()) throw new Error('this WebAssembly engine has no SIMD support');
  const shared = opts.shared ?? sharedMemoryAvailable();
  if (shared && !sharedMemoryAvailable()) {
    throw new Error('shared WebAssembly memory needs a cross-origin isolated page (serve it with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp)');
  }
  const bytes = shared ? await readSource(source) : await readSource(opts.singleSource ?? singleBeside(source), 'kernels-single.wasm');
  const module = new WebAssembly.Module(bytes as BufferSource);
  const memory = new WebAssembly.Memory({ initial: 64, maximum: MAX_PAGES, shared });
  const rt = new WasmRuntime(module, memory, shared ? threads ?? (await defaultThreads()) : 1, shared ? await workerSpawner() : null);
  // The test suite sets this: released arena memory becomes NaN, so a use after release shows.
  rt.poisonReleased = isNode && process.env.MAMBA_TS_ARENA_CHECK === '1';
  return rt;
}
