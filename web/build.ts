// Builds the browser lab with Vite and serves it on localhost: `npm run web` (after `npm run
// build`) runs this file. The page needs, beside its bundle, the kernels (build/*.wasm, found by
// name beside kernels.wasm, so they are copied unhashed into the public folder) and Moby Dick
// (written from the npm dataset, as the CLI reads it). Served with COOP/COEP, the page is
// cross-origin isolated and the kernels run on a pool of Web Workers; with --no-isolation it is
// served without them and runs on one thread.
//
//   node dist/web/build.js [--no-isolation] [--port 5173] [--build-only]

import { copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { InlineConfig, PreviewServer } from 'vite';
import { loadMobyDick } from '../src/data/corpus.js';

const project = fileURLToPath(new URL('../../', import.meta.url)); // dist/web → the project
const root = join(project, 'web');
const publicDir = join(root, 'public');
const outDir = join(root, 'dist');

/** COOP + COEP: what makes a page cross-origin isolated (SharedArrayBuffer, the worker pool). */
export const ISOLATION_HEADERS = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

/** Vite's logger without the notes that the kernels' Node-only branches (node:fs, node:worker_threads) are left out of the bundle. */
async function quietLogger() {
  const { createLogger } = await import('vite');
  const logger = createLogger('warn');
  const warn = logger.warn.bind(logger);
  logger.warn = (msg, opts) => {
    if (!msg.includes('externalized for browser compatibility')) warn(msg, opts);
  };
  return logger;
}

async function config(isolated: boolean, port = 0): Promise<InlineConfig> {
  const headers = isolated ? ISOLATION_HEADERS : {};
  return {
    configFile: false,
    customLogger: await quietLogger(),
    root,
    publicDir,
    base: './',
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 2000 },
    worker: { format: 'es' },
    server: { headers, port },
    preview: { headers, port, strictPort: port !== 0, host: '127.0.0.1' },
  };
}

/** web/public: the kernels and Moby Dick, which the page fetches from its own origin. */
export function writeAssets(): void {
  mkdirSync(publicDir, { recursive: true });
  const build = join(project, 'build');
  const wasm = existsSync(build) ? readdirSync(build).filter((f) => f.endsWith('.wasm')) : [];
  if (!wasm.includes('kernels.wasm')) throw new Error(`${build}/kernels.wasm is missing: run \`npm run build\` first`);
  for (const f of wasm) copyFileSync(join(build, f), join(publicDir, f));
  const moby = join(publicDir, 'moby-dick.txt');
  if (!existsSync(moby)) writeFileSync(moby, loadMobyDick());
}

/** Builds the lab into web/dist. */
export async function buildLab(): Promise<void> {
  writeAssets();
  const { build } = await import('vite');
  await build(await config(true));
}

/** Serves web/dist on 127.0.0.1 (port 0: any free port); returns the page's URL. */
export async function serveLab(o: { isolated: boolean; port?: number }): Promise<{ url: string; close: () => Promise<void> }> {
  const { preview } = await import('vite');
  const server: PreviewServer = await preview(await config(o.isolated, o.port ?? 0));
  const url = server.resolvedUrls?.local[0];
  if (!url) throw new Error('the preview server has no local URL');
  return { url, close: () => server.close() };
}

async function main(args: string[]): Promise<void> {
  const isolated = !args.includes('--no-isolation');
  const at = args.indexOf('--port');
  const port = at >= 0 ? Number(args[at + 1]) : 5173;
  if (!Number.isInteger(port) || port < 0) throw new Error(`--port must be a port number, got ${args[at + 1]}`);
  await buildLab();
  if (args.includes('--build-only')) return;
  const { url } = await serveLab({ isolated, port });
  console.log(`mamba-ts lab: ${url}  (${isolated ? 'cross-origin isolated: the kernels use every core' : 'not isolated: one thread'}; Ctrl-C stops)`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).catch((e: Error) => {
    console.error(`npm run web: ${e.message}`);
    process.exit(1);
  });
}
