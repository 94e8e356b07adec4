// Runs a module of this project in headless Chromium (Debian's package, driven by playwright-core):
// a local server serves a page that imports `module` (a path under dist/) and calls one of its
// exports (`run` unless told) with the URL of kernels.wasm, with or without the COOP/COEP headers that make the page cross-origin
// isolated. Used by test/browser/browser.test.ts and the bench's browser section.

import { createServer, Server } from 'node:http';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { availableParallelism } from 'node:os';

export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const haveChromium = existsSync(chromiumPath);
/**
 * Whether a cross-origin isolated page should run the kernels on worker threads: the page takes
 * navigator.hardwareConcurrency, which counts the CPUs this process may use (one under `taskset -c 1`).
 */
export const pageHasThreads = availableParallelism() >= 2;

const root = fileURLToPath(new URL('../../../', import.meta.url)); // dist/test/browser → project root
const TYPES: Record<string, string> = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html', '.map': 'application/json' };

// Without a bundler, the page maps the one bare import (the tokenizers package) to its file.
function page(module: string, entry: string): string {
  return `<!doctype html><meta charset="utf-8"><title>mamba-ts</title>
<script type="importmap">{"imports": {"@huggingface/tokenizers": "/node_modules/@huggingface/tokenizers/dist/tokenizers.mjs"}}</script>
<script type="module">
  import { ${entry} as run } from '/${module}';
  window.result = await run('/build/kernels.wasm').catch((e) => ({ error: String((e && e.stack) || e) }));
</script>`;
}

/** Serves "/" (the page), dist/, build/ and the tokenizers package; with `isolated`, the COOP/COEP headers. */
function serve(html: string, isolated: boolean): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const headers: Record<string, string> = isolated ? { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' } : {};
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    if (path === '/') {
      res.writeHead(200, { ...headers, 'Content-Type': 'text/html' }).end(html);
      return;
    }
    const file = normalize(join(root, path));
    const allowed = ['dist', 'build', join('node_modules', '@huggingface')].some((dir) => file.startsWith(join(root, dir) + sep));
    if (!allowed || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, headers).end();
      return;
    }
    res.writeHead(200, { ...headers, 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    resolve({ server, url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/` });
  }));
}

/** Opens the page in headless Chromium; returns what the entry returned and what the page printed. */
export async function runInChromium<T>(module: string, isolated: boolean, opts: { entry?: string; timeoutMs?: number } = {}): Promise<{ result: T; console: string[] }> {
  if (!haveChromium) throw new Error(`no Chromium at ${chromiumPath} (set CHROMIUM_PATH)`);
  const { chromium } = await import('playwright-core');
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const { server, url } = await serve(page(module, opts.entry ?? 'run'), isolated);
  // The flags the machine notes give for this sandbox: no sandbox as root, no network chatter.
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const tab = await browser.newPage();
    const messages: string[] = [];
    tab.on('console', (m) => messages.push(m.text()));
    // An error outside the entry (a module that fails to load) ends the wait at once.
    const failed = new Promise<never>((_, reject) => tab.on('pageerror', (e) => reject(new Error(`page error: ${e.message}\n${messages.join('\n')}`))));
    await tab.goto(url);
    const done = tab.waitForFunction(() => (globalThis as { result?: unknown }).result !== undefined, undefined, { timeout: timeoutMs });
    await Promise.race([failed, done]).catch((e: Error) => {
      throw new Error(`${e.message}\npage console:\n${messages.join('\n')}`);
    });
    const result = await tab.evaluate(() => (globalThis as unknown as { result: { error?: string } }).result);
    if (result.error !== undefined) throw new Error(`the page failed: ${result.error}\n${messages.join('\n')}`);
    return { result: result as T, console: messages };
  } finally {
    await browser.close();
    server.close();
  }
}
