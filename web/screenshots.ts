// The README's screenshots of the lab (docs/lab/*.png), taken from the built page in headless
// Chromium after training tiny models long enough for the views to show structure:
//   npm run build && node dist/web/screenshots.js
// (needs Chromium: CHROMIUM_PATH, default /usr/bin/chromium). Seeds fixed; timings vary.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { buildLab, serveLab } from './build.js';

const out = fileURLToPath(new URL('../../docs/lab/', import.meta.url));
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

async function train(page: Page, arch: string, steps: number): Promise<void> {
  await page.selectOption('#arch', arch);
  await page.selectOption('#preset', 'tiny');
  await page.fill('#steps', String(steps));
  await page.click('#train-btn');
  await page.waitForFunction((n) => {
    const lab = (globalThis as unknown as { lab: { losses: unknown[]; busy: { training: boolean } } }).lab;
    return lab.losses.length === n && !lab.busy.training;
  }, steps, { timeout: 600_000 });
}

async function inspect(page: Page, view: string): Promise<void> {
  await page.evaluate(() => ((globalThis as unknown as { lab: { views: object } }).lab.views = {}));
  await page.click('#inspect-btn');
  await page.waitForFunction((v) => (globalThis as unknown as { lab: { views: Record<string, unknown> } }).lab.views[v] !== undefined, view);
}

async function main(): Promise<void> {
  mkdirSync(out, { recursive: true });
  await buildLab();
  const server = await serveLab({ isolated: true });
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(server.url);
    await page.waitForFunction(() => (globalThis as unknown as { lab: { backend: string } }).lab.backend !== '');
    await train(page, 'mamba', 600);
    await page.fill('#max-tokens', '200');
    await page.click('#gen-btn');
    await page.waitForFunction(() => !(globalThis as unknown as { lab: { busy: { generating: boolean } } }).lab.busy.generating);
    await page.screenshot({ path: join(out, 'train.png'), fullPage: true });
    await inspect(page, 'gate');
    await page.locator('#views').screenshot({ path: join(out, 'inside-mamba.png') });
    await train(page, 'lru', 300);
    await page.locator('#view-ring').screenshot({ path: join(out, 'lru-ring.png') });
    await train(page, 'transformer', 400);
    await inspect(page, 'attention');
    await page.selectOption('#layer', '1');
    await page.waitForTimeout(500);
    await page.focus('#scan-next');
    for (let i = 0; i < 3; i++) await page.keyboard.press('Enter');
    await page.locator('#inside').screenshot({ path: join(out, 'inside-transformer.png') });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(server.url);
    await page.screenshot({ path: join(out, 'phone.png') });
  } finally {
    await browser.close();
    await server.close();
  }
}

main().catch((e: Error) => {
  console.error(e.message);
  process.exit(1);
});
