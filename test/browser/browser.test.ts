// mamba-ts in a browser: headless Chromium (Debian's package, driven by playwright-core) opens a
// page served from the project folder that runs test/browser/page.ts. On a cross-origin isolated
// page the wasm kernels load from their URL and the pool runs on Web Workers; on a plain page
// (no shared memory) kernels-single.wasm, found beside kernels.wasm, runs on the page's thread.
// Either way the model's logits, losses and tokens match the reference kernels in the same page.
//
// Needs a Chromium binary (CHROMIUM_PATH, default /usr/bin/chromium). .ci/run installs it and
// sets MAMBA_TS_BROWSER_TEST=required, so that in CI a missing browser fails instead of skipping.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, Server } from 'node:http';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PageResult } from './page.js';

const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const required = process.env.MAMBA_TS_BROWSER_TEST === 'required';
const haveChromium = existsSync(chromiumPath);
// One pass of `npm test` is enough: the page does not depend on the backend Node runs with.
const skip = process.env.MAMBA_TS_BACKEND === 'ref'
  ? 'runs in the WebAssembly pass of npm test'
  : !haveChromium && !required ? `no Chromium at ${chromiumPath} (set CHROMIUM_PATH; CI installs Debian's chromium)` : false;

const root = fileURLToPath(new URL('../../../', import.meta.url)); // dist/test/browser → project root
const TYPES: Record<string, string> = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html', '.map': 'application/json' };
// Without a bundler, the page maps the one bare import (the tokenizers package) to its file.
const PAGE = `<!doctype html><meta charset="utf-8"><title>mamba-ts</title>
<script type="importmap">{"imports": {"@huggingface/tokenizers": "/node_modules/@huggingface/tokenizers/dist/tokenizers.mjs"}}</script>
<script type="module">
  import { runPage } from '/dist/test/browser/page.js';
  window.result = await runPage('/build/kernels.wasm').catch((e) => ({ error: String((e && e.stack) || e) }));
</script>`;

/** Serves "/" (the page), dist/, build/ and the tokenizers package; with `isolated`, the COOP/COEP headers. */
function serve(isolated: boolean): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const headers: Record<string, string> = isolated ? { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' } : {};
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    if (path === '/') {
      res.writeHead(200, { ...headers, 'Content-Type': 'text/html' }).end(PAGE);
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

/** Opens the page in headless Chromium; returns its result and what it printed to the console. */
async function runInChromium(isolated: boolean): Promise<{ result: PageResult; console: string[] }> {
  assert.ok(haveChromium, `no Chromium at ${chromiumPath}`);
  const { chromium } = await import('playwright-core');
  const { server, url } = await serve(isolated);
  // The flags the machine notes give for this sandbox: no sandbox as root, no network chatter.
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await browser.newPage();
    const messages: string[] = [];
    page.on('console', (m) => messages.push(m.text()));
    // An error outside runPage (a module that fails to load) ends the wait at once.
    const failed = new Promise<never>((_, reject) => page.on('pageerror', (e) => reject(new Error(`page error: ${e.message}\n${messages.join('\n')}`))));
    await page.goto(url);
    const done = page.waitForFunction(() => (globalThis as { result?: unknown }).result !== undefined, undefined, { timeout: 60_000 });
    await Promise.race([failed, done]).catch((e: Error) => {
      throw new Error(`${e.message}\npage console:\n${messages.join('\n')}`);
    });
    const result = await page.evaluate(() => (globalThis as unknown as { result: PageResult & { error?: string } }).result);
    assert.equal(result.error, undefined, `the page failed: ${result.error}\n${messages.join('\n')}`);
    return { result, console: messages };
  } finally {
    await browser.close();
    server.close();
  }
}

function assertMatchesReference(r: PageResult): void {
  assert.ok(r.maxLogitDiff < 1e-4, `logits differ from the reference kernels by ${r.maxLogitDiff}`);
  r.losses.forEach((loss, i) => assert.ok(Math.abs(loss - r.referenceLosses[i]) < 1e-4, `loss ${i}: ${loss} vs ${r.referenceLosses[i]}`));
  assert.ok(r.losses[2] < r.losses[0], `training lowers the loss: ${r.losses.join(', ')}`);
  assert.equal(r.tokens.length, 12);
  assert.deepEqual(r.tokens, r.referenceTokens);
}

test('in a cross-origin isolated page: the wasm kernels from a URL, Web Worker threads, results equal to the reference', { skip, timeout: 120_000 }, async () => {
  const { result, console: messages } = await runInChromium(true);
  assert.equal(result.crossOriginIsolated, true);
  assert.equal(result.backend, 'wasm', messages.join('\n'));
  assert.equal(result.shared, true);
  assert.ok(result.threads >= 2, `threads: ${result.threads}`);
  assert.ok(result.threadIds.some((tid) => tid > 0), `a Web Worker ran tasks (thread ids ${result.threadIds.join(', ')})`);
  assertMatchesReference(result);
});

test('in a page without cross-origin isolation: kernels-single.wasm on the page\'s thread, results equal to the reference', { skip, timeout: 120_000 }, async () => {
  const { result, console: messages } = await runInChromium(false);
  assert.equal(result.crossOriginIsolated, false);
  assert.equal(result.backend, 'wasm', messages.join('\n'));
  assert.equal(result.shared, false);
  assert.equal(result.threads, 1);
  assert.deepEqual(result.threadIds, [0]);
  assertMatchesReference(result);
});
