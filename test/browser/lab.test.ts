// The browser lab (web/) in headless Chromium, used as a person would: the page built by Vite and
// served by its preview server, with and without the COOP/COEP headers. Each run trains tiny
// models a few steps (loss falling), generates, draws the views from record() and checks the
// shapes of their data, saves a folder (the .zip the page downloads) and loads it back through the
// file input with the same logits; no console errors. Screenshots of each view go to
// test-results/lab/ (git-ignored).
//
// Needs Chromium (CHROMIUM_PATH, default /usr/bin/chromium); skipped without it, as
// test/browser/browser.test.ts, unless MAMBA_TS_BROWSER_TEST=required (CI).

import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { chromiumPath, haveChromium, pageHasThreads } from './harness.js';
import { buildLab, serveLab } from '../../web/build.js';

const required = process.env.MAMBA_TS_BROWSER_TEST === 'required';
const skip = process.env.MAMBA_TS_BACKEND === 'ref' || process.env.MAMBA_TS_SIMD === 'plain'
  ? 'runs in the default WebAssembly pass of npm test'
  : !haveChromium && !required ? `no Chromium at ${chromiumPath} (set CHROMIUM_PATH; CI installs Debian's chromium)` : false;

const shots = join(process.cwd(), 'test-results', 'lab');

/** What main.ts exposes as window.lab. */
interface LabWindow {
  lab: {
    backend: string; isolated: boolean; arch: string; losses: Array<[number, number]>; bpc: Array<[number, number]>;
    generated: string; generateTokensPerSec: number; views: Record<string, number[]>; errors: string[];
    busy: { training: boolean; generating: boolean };
    logits(text: string): Promise<Float32Array>;
  };
}
type Lab = LabWindow['lab'];

async function labState<T>(page: Page, f: (lab: Lab) => T): Promise<T> {
  return page.evaluate((src) => (new Function('lab', `return (${src})(lab)`) as (l: Lab) => T)((globalThis as unknown as LabWindow).lab), f.toString());
}

async function until(page: Page, what: string, f: (lab: Lab) => boolean, timeout = 60_000): Promise<void> {
  await page.waitForFunction((src) => (new Function('lab', `return (${src})(lab)`) as (l: Lab) => boolean)((globalThis as unknown as LabWindow).lab), f.toString(), { timeout })
    .catch((e: Error) => {
      throw new Error(`waiting for ${what}: ${e.message.split('\n')[0]}`);
    });
}

async function train(page: Page, arch: string, steps: number): Promise<void> {
  await page.selectOption('#arch', arch);
  await page.selectOption('#preset', 'tiny');
  await page.fill('#steps', String(steps));
  await page.click('#train-btn');
  await until(page, `${arch} to train ${steps} steps`, (lab) => !lab.busy.training && lab.losses.length > 0);
}

async function inspect(page: Page, text: string): Promise<void> {
  await page.evaluate(() => ((globalThis as unknown as LabWindow).lab.views = {}));
  await page.fill('#inspect-text', text);
  await page.click('#inspect-btn');
}

/** One whole visit: Mamba trained, generated, inspected, saved and loaded back; an LRU's ring; a Transformer's attention. */
async function visit(isolated: boolean): Promise<void> {
  const { chromium } = await import('playwright-core');
  const server = await serveLab({ isolated });
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const mode = isolated ? 'isolated' : 'plain';
  mkdirSync(shots, { recursive: true });
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
    const page = await context.newPage();
    const errors: string[] = [];
    const origin = new URL(server.url).origin;
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('request', (r) => !r.url().startsWith(origin) && !r.url().startsWith('blob:') && !r.url().startsWith('data:') && errors.push(`request outside the origin: ${r.url()}`));
    await page.goto(server.url);
    await until(page, 'the kernels', (lab) => lab.backend !== '');
    const state = await labState(page, (lab) => ({ backend: lab.backend, isolated: lab.isolated }));
    assert.equal(state.isolated, isolated);
    assert.match(state.backend, isolated ? (pageHasThreads ? /^wasm \(relaxed SIMD, [2-9]\d* threads\)$/ : /^wasm \(relaxed SIMD, 1 thread\)$/) : /^wasm \(relaxed SIMD, 1 thread, no shared memory\)$/);

    // Mamba: train, generate, look inside.
    await train(page, 'mamba', 30);
    const losses = await labState(page, (lab) => lab.losses.map(([, l]) => l));
    assert.equal(losses.length, 30);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    assert.ok(mean(losses.slice(-5)) < mean(losses.slice(0, 5)) - 0.3, `the loss falls: ${losses.map((l) => l.toFixed(2)).join(' ')}`);
    assert.ok((await labState(page, (lab) => lab.bpc.length)) >= 2, 'validation bpc at the start and the end');
    await page.screenshot({ path: join(shots, `${mode}-train.png`) });

    await page.fill('#max-tokens', '40');
    await page.click('#gen-btn');
    await until(page, 'generation', (lab) => !lab.busy.generating);
    const gen = await labState(page, (lab) => ({ text: lab.generated, speed: lab.generateTokensPerSec }));
    assert.equal([...gen.text].length, 40, `40 characters generated: ${JSON.stringify(gen.text)}`);
    assert.ok(gen.speed > 0);

    const text = 'Call me Ishmael.';
    await inspect(page, text);
    await until(page, 'the Δ and state views', (lab) => lab.views.delta !== undefined && lab.views.state !== undefined && lab.views.gate !== undefined);
    const views = await labState(page, (lab) => lab.views);
    assert.deepEqual(views.delta, [1, text.length, 64], 'Δ: batch 1 × tokens × E (2·d 32)');
    assert.deepEqual(views['mean-delta'], [text.length]);
    assert.deepEqual(views.state, [2, text.length], 'state norm: layers × tokens');
    assert.deepEqual(views.gate, [1, text.length, 64]);
    for (const id of ['delta', 'mean-delta', 'state', 'gate']) assert.equal(await page.locator(`#view-${id} canvas`).count(), 1, `#view-${id} is drawn`);
    await page.locator('#inside').screenshot({ path: join(shots, `${mode}-inside-mamba.png`) });

    // Save (the page's download) and load the zip back through the file input: the same logits.
    const before = await page.evaluate(async () => Array.from(await (globalThis as unknown as LabWindow).lab.logits('Call me')));
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#save-btn')]);
    assert.equal(download.suggestedFilename(), 'mamba-ts-mamba.zip');
    const zip = readFileSync(await download.path());
    await page.setInputFiles('#zip-input', { name: 'mamba-ts-mamba.zip', mimeType: 'application/zip', buffer: zip });
    await page.waitForFunction(() => document.getElementById('status')!.textContent!.startsWith('Model: mamba'), undefined, { timeout: 30_000 });
    const after = await page.evaluate(async () => Array.from(await (globalThis as unknown as LabWindow).lab.logits('Call me')));
    assert.equal(after.length, before.length);
    assert.deepEqual(after, before, 'the loaded folder gives the same logits');

    // The scan, stepped by keyboard.
    await page.focus('#scan-next');
    for (let i = 0; i < 4; i++) await page.keyboard.press('Enter');
    assert.deepEqual(await labState(page, (lab) => lab.views.scan), [4, 8]);
    await page.locator('#view-scan').screenshot({ path: join(shots, `${mode}-scan.png`) });

    // LRU: the ring, live while training.
    await train(page, 'lru', 10);
    await until(page, 'the ring view', (lab) => lab.views.ring !== undefined);
    assert.deepEqual(await labState(page, (lab) => lab.views.ring), [2, 32], 'λ: 2 layers × N 32');
    await page.locator('#view-ring').screenshot({ path: join(shots, `${mode}-lru-ring.png`) });

    // Mamba-2: Δ per head.
    await train(page, 'mamba2', 5);
    await inspect(page, text);
    await until(page, 'the Mamba-2 views', (lab) => lab.views.delta !== undefined && lab.views.state !== undefined);
    assert.deepEqual(await labState(page, (lab) => [lab.views.delta, lab.views.state]), [[1, text.length, 4], [2, text.length]], 'Δ: tokens × 4 heads (2·d 32 / 16)');

    // Transformer++: attention maps.
    await train(page, 'transformer', 10);
    await inspect(page, text);
    await until(page, 'the attention view', (lab) => lab.views.attention !== undefined);
    assert.deepEqual(await labState(page, (lab) => lab.views.attention), [1, 2, text.length, text.length], 'attention: batch × 2 heads × queries × keys');
    await page.locator('#inside').screenshot({ path: join(shots, `${mode}-inside-transformer.png`) });

    // A phone-sized window: the page still lays out (no horizontal scroll of the page itself).
    await page.setViewportSize({ width: 390, height: 844 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow} px at phone width`);
    await page.screenshot({ path: join(shots, `${mode}-phone.png`), fullPage: false });

    assert.deepEqual(await labState(page, (lab) => lab.errors), []);
    assert.deepEqual(errors, [], 'no console errors');
  } finally {
    await browser.close();
    await server.close();
  }
}

before(async () => {
  if (!skip) await buildLab();
});

test('the lab in a cross-origin isolated page: trains, generates, shows Δ (Mamba, Mamba-2), states, gate, ring and attention, saves and reloads a folder', { skip, timeout: 240_000 }, () => visit(true));

test('the lab in a page without cross-origin isolation: the same, on one thread', { skip, timeout: 240_000 }, () => visit(false));
