// mamba-ts in a browser: headless Chromium (Debian's package, driven by playwright-core) opens a
// page served from the project folder that runs test/browser/page.ts. On a cross-origin isolated
// page the wasm kernels load from their URL and the pool runs on Web Workers; on a plain page
// (no shared memory) kernels-single.wasm, found beside kernels.wasm, runs on the page's thread.
// Either way the model's logits, losses and tokens match the reference kernels in the same page.
//
// Needs a Chromium binary (CHROMIUM_PATH, default /usr/bin/chromium). .ci/run installs it and
// sets MAMBA_TS_BROWSER_TEST=required, so that in CI a missing browser fails instead of skipping.
// The page and the server: harness.ts.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PageResult } from './page.js';
import { chromiumPath, haveChromium, pageHasThreads, runInChromium } from './harness.js';

const required = process.env.MAMBA_TS_BROWSER_TEST === 'required';
// One pass of `npm test` is enough: the page does not depend on the kernels Node runs with.
const skip = process.env.MAMBA_TS_BACKEND === 'ref' || process.env.MAMBA_TS_SIMD === 'plain'
  ? 'runs in the default WebAssembly pass of npm test'
  : !haveChromium && !required ? `no Chromium at ${chromiumPath} (set CHROMIUM_PATH; CI installs Debian's chromium)` : false;

const PAGE = 'dist/test/browser/page.js';

function assertMatchesReference(r: PageResult): void {
  assert.ok(r.maxLogitDiff < 1e-4, `logits differ from the reference kernels by ${r.maxLogitDiff}`);
  r.losses.forEach((loss, i) => assert.ok(Math.abs(loss - r.referenceLosses[i]) < 1e-4, `loss ${i}: ${loss} vs ${r.referenceLosses[i]}`));
  assert.ok(r.losses[2] < r.losses[0], `training lowers the loss: ${r.losses.join(', ')}`);
  assert.equal(r.tokens.length, 12);
  assert.deepEqual(r.tokens, r.referenceTokens);
  assert.deepEqual(r.bf16Tokens, r.referenceBf16Tokens, 'bf16 weights: the same greedy tokens as the reference kernels with them');
}

test('in a cross-origin isolated page: the wasm kernels from a URL, Web Worker threads, results equal to the reference', { skip, timeout: 120_000 }, async () => {
  const { result, console: messages } = await runInChromium<PageResult>(PAGE, true);
  assert.equal(result.crossOriginIsolated, true);
  assert.equal(result.backend, 'wasm', messages.join('\n'));
  assert.equal(result.shared, true);
  assert.equal(result.relaxedSimd, true, 'kernels-relaxed.wasm, found beside kernels.wasm');
  if (pageHasThreads) {
    assert.ok(result.threads >= 2, `threads: ${result.threads}`);
    assert.ok(result.threadIds.some((tid) => tid > 0), `a Web Worker ran tasks (thread ids ${result.threadIds.join(', ')})`);
  } else assert.equal(result.threads, 1, 'one CPU: one thread');
  assertMatchesReference(result);
});

test('in a page without cross-origin isolation: kernels-single.wasm on the page\'s thread, results equal to the reference', { skip, timeout: 120_000 }, async () => {
  const { result, console: messages } = await runInChromium<PageResult>(PAGE, false);
  assert.equal(result.crossOriginIsolated, false);
  assert.equal(result.backend, 'wasm', messages.join('\n'));
  assert.equal(result.shared, false);
  assert.equal(result.relaxedSimd, true, 'kernels-single-relaxed.wasm, found beside kernels.wasm');
  assert.equal(result.threads, 1);
  assert.deepEqual(result.threadIds, [0]);
  assertMatchesReference(result);
});
