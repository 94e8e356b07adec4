// Finding, checking and instantiating the kernels: kernels.wasm (shared memory, worker pool) or
// kernels-single.wasm (plain memory, one thread: pages without cross-origin isolation), each also
// built with relaxed SIMD (kernels-relaxed.wasm, kernels-single-relaxed.wasm: fused multiply-adds,
// 13 % more training tokens/s at d 256), taken where the engine has it. In Node the binaries are
// read from <project root>/build/ (see findKernelsWasm); browsers pass the bytes or a URL.

import { WasmRuntime } from './runtime.js';
import type { SpawnWorker } from './pool.js';

export type WasmSource = Uint8Array | ArrayBuffer | URL | string;

/**
 * Pages of the memory's maximum: 4 GiB, the module's own declared maximum, so that a training
 * step at long contexts keeps its activations in the arenas instead of copying them at every
 * kernel call (d 128, L 4096, B 8: 11,700 tokens/s with its 2.4 GiB in arenas, 7,500 when they
 * were held to 768 MiB of a 2 GiB memory). A shared memory reserves its maximum up front; where
 * 4 GiB cannot be reserved (32-bit hosts), 2 GiB.
 */
const MAX_PAGES = 65536;
const FALLBACK_MAX_PAGES = 32768;

/** A fresh memory and its maximum in bytes. */
function createMemory(shared: boolean): [WebAssembly.Memory, number] {
  let pages = MAX_PAGES;
  let memory: WebAssembly.Memory;
  try {
    memory = new WebAssembly.Memory({ initial: 64, maximum: pages, shared });
  } catch {
    pages = FALLBACK_MAX_PAGES;
    memory = new WebAssembly.Memory({ initial: 64, maximum: pages, shared });
  }
  return [memory, pages * 65536];
}

const isNode = typeof process !== 'undefined' && !!process.versions?.node;

/** A 1-function module using v128 ops (i8x16.splat, i8x16.popcnt): validates iff SIMD is supported. */
const SIMD_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11]);

export function simdSupported(): boolean {
  return typeof WebAssembly === 'object' && WebAssembly.validate(SIMD_PROBE);
}

/** A 1-function module returning f32x4.relaxed_madd of three zero vectors. */
const RELAXED_SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 61, 1, 59, 0,
  ...[0, 1, 2].flatMap(() => [253, 12, ...new Array<number>(16).fill(0)]), 253, 133, 2, 11,
]);

/** Which instruction set the kernels use: relaxed SIMD where the engine has it ('auto'), or not. */
export type SimdLevel = 'auto' | 'relaxed' | 'plain';

/**
 * Whether the engine validates relaxed SIMD. Node 20 and 21 (V8 11.3, 11.8) have it behind
 * --experimental-wasm-relaxed-simd, which this turns on: the same implementation that V8 ships
 * enabled from 11.4 (Chrome 114, Node 22); the test suite checks its results against the
 * reference kernels. Browsers without it (Safari) keep plain SIMD.
 */
async function relaxedSimdSupported(): Promise<boolean> {
  if (WebAssembly.validate(RELAXED_SIMD_PROBE)) return true;
  if (!isNode) return false;
  const major = Number(process.versions.node.split('.')[0]);
  if (major !== 20 && major !== 21) return false;
  const v8 = await import('node:v8');
  v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  return WebAssembly.validate(RELAXED_SIMD_PROBE);
}

/** MAMBA_TS_SIMD (Node), else 'auto'. */
function simdFromEnv(): SimdLevel {
  const v = isNode ? process.env.MAMBA_TS_SIMD : undefined;
  if (v === undefined || v === '') return 'auto';
  if (v !== 'auto' && v !== 'relaxed' && v !== 'plain') throw new Error(`MAMBA_TS_SIMD must be 'auto', 'relaxed' or 'plain', got '${v}'`);
  return v;
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

function toUrl(source: string | URL): URL {
  return source instanceof URL ? source : new URL(source, isNode ? `file://${process.cwd()}/` : globalThis.location?.href);
}

async function readSource(source: WasmSource): Promise<Uint8Array | ArrayBuffer> {
  if (source instanceof Uint8Array || source instanceof ArrayBuffer) return source;
  const url = toUrl(source);
  if (isNode && url.protocol === 'file:') {
    const { readFileSync, existsSync } = await import('node:fs');
    if (!existsSync(url)) throw new Error(`${url.pathname} is missing: run \`npm run build\` (or \`node scripts/build-wasm.mjs\`)`);
    return readFileSync(url);
  }
  const res = await fetch(url);
  if (!res.ok) throw new Error(`fetching ${url} failed with HTTP ${res.status}`);
  return res.arrayBuffer();
}

/** The build's file name: kernels[-single][-relaxed].wasm. */
function buildName(shared: boolean, relaxed: boolean): string {
  return `kernels${shared ? '' : '-single'}${relaxed ? '-relaxed' : ''}.wasm`;
}

/**
 * The build `name` beside `source` (a path or URL ending in kernels.wasm); null for bytes and
 * other names, which are taken as they are.
 */
function beside(source: WasmSource, name: string): URL | null {
  if (source instanceof Uint8Array || source instanceof ArrayBuffer) return null;
  const url = toUrl(source);
  if (!url.pathname.endsWith('kernels.wasm')) return null;
  return new URL(url.pathname.replace(/kernels\.wasm$/, name) + url.search, url);
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
  /** Relaxed SIMD builds where the engine has them ('auto', the default, or MAMBA_TS_SIMD), always, or never. */
  simd?: SimdLevel;
}

/**
 * Compiles the kernels and instantiates them on a fresh memory: shared, with the worker pool,
 * where shared memory exists (Node, cross-origin isolated pages); else plain, on one thread.
 * `source` is kernels.wasm (Node: build/kernels.wasm, or MAMBA_TS_WASM); the single-thread and
 * relaxed-SIMD builds are read from beside it. Throws (with the reason) when SIMD is missing or
 * the bytes are not a valid kernels module.
 */
export async function createWasmRuntime(source?: WasmSource, threads?: number, opts: RuntimeOptions = {}): Promise<WasmRuntime> {
  if (!simdSupported()) throw new Error('this WebAssembly engine has no SIMD support');
  const shared = opts.shared ?? sharedMemoryAvailable();
  if (shared && !sharedMemoryAvailable()) {
    throw new Error('shared WebAssembly memory needs a cross-origin isolated page (serve it with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp)');
  }
  const level = opts.simd ?? simdFromEnv();
  const relaxed = level !== 'plain' && (await relaxedSimdSupported());
  if (level === 'relaxed' && !relaxed) throw new Error("this WebAssembly engine has no relaxed SIMD (simd: 'relaxed' or MAMBA_TS_SIMD=relaxed asked for it)");
  if (source === undefined) {
    if (!isNode) throw new Error('pass the URL of kernels.wasm (or its bytes) to initBackend outside Node');
    source = await findKernelsWasm();
  }
  const plain = shared ? source : opts.singleSource ?? beside(source, buildName(false, false));
  if (plain === null) {
    throw new Error(`this page has no shared memory, so the kernels need kernels-single.wasm, and ${source instanceof URL || typeof source === 'string' ? `${source} does not end in kernels.wasm` : 'kernels.wasm came as bytes'}: pass it as wasmSingle`);
  }
  // The relaxed build beside kernels.wasm (not beside a wasmSingle given by name); a deployment
  // without it still runs the plain one.
  const fast = relaxed && (shared || opts.singleSource === undefined) ? beside(source, buildName(shared, true)) : null;
  let bytes: Uint8Array | ArrayBuffer;
  try {
    bytes = await readSource(fast ?? plain);
  } catch (e) {
    if (fast === null || level === 'relaxed') throw e;
    bytes = await readSource(plain);
  }
  const module = new WebAssembly.Module(bytes as BufferSource);
  const [memory, maxBytes] = createMemory(shared);
  const rt = new WasmRuntime(module, memory, shared ? threads ?? (await defaultThreads()) : 1, shared ? await workerSpawner() : null, maxBytes);
  // The test suite sets this: released arena memory becomes NaN, so a use after release shows.
  rt.poisonReleased = isNode && process.env.MAMBA_TS_ARENA_CHECK === '1';
  return rt;
}
