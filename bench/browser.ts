// The default model's end-to-end figures in headless Chromium (bench/browser_page.ts): on a
// cross-origin isolated page (kernels.wasm, Web Worker threads), on a plain page
// (kernels-single.wasm, one thread) and with the reference kernels, beside the same code in
// Node in the same run. Skipped with a note where Chromium is missing (CHROMIUM_PATH).

import { run } from './browser_page.js';
import type { BrowserBenchResult } from './browser_page.js';
import { chromiumPath, haveChromium, runInChromium } from '../test/browser/harness.js';
import { BenchContext, registerSection } from './sections.js';
import { setThreads } from '../src/kernels/index.js';

const PAGE = 'dist/bench/browser_page.js';

registerSection({
  name: 'browser',
  description: 'Mamba LM (d 128) training and generation tokens/s in headless Chromium vs Node',
  async run(ctx: BenchContext) {
    const columns = ['where', 'kernels', 'threads', 'train tok/s', 'generate tok/s (B 1)'];
    if (!haveChromium) {
      return { title: 'Browser', table: { columns, rows: [] }, notes: [`skipped: no Chromium at ${chromiumPath} (set CHROMIUM_PATH)`], data: [] };
    }
    const runs: Array<{ where: string; get: () => Promise<BrowserBenchResult> }> = [
      { where: 'Node', get: async () => { const r = await run(undefined); setThreads(ctx.threads); return r; } },
      { where: 'Chromium, isolated page', get: async () => (await runInChromium<BrowserBenchResult>(PAGE, true, { timeoutMs: 300_000 })).result },
      { where: 'Chromium, plain page', get: async () => (await runInChromium<BrowserBenchResult>(PAGE, false, { timeoutMs: 300_000 })).result },
    ];
    if (!ctx.quick) runs.push({ where: 'Chromium, plain page', get: async () => (await runInChromium<BrowserBenchResult>(PAGE, false, { entry: 'runReference', timeoutMs: 300_000 })).result });
    const rows: (string | number | null)[][] = [];
    const data: unknown[] = [];
    for (const r of runs) {
      ctx.log(`browser: ${r.where} ...`);
      const res = await r.get();
      const kernels = res.backend === 'ref' ? 'reference' : `kernels${res.shared ? '' : '-single'}${res.relaxedSimd ? '-relaxed' : ''}.wasm`;
      rows.push([r.where, kernels, String(res.threads), Math.round(res.trainTokensPerSec), Math.round(res.generateTokensPerSec)]);
      data.push({ where: r.where, ...res });
    }
    return {
      title: 'Browser: Mamba LM d 128 (4 layers, vocab 96, B 8, L 256) in headless Chromium and in Node',
      table: { columns, rows },
      notes: [
        `Chromium: ${chromiumPath}, headless, one page per row; the page imports dist/ unbundled.`,
        'train: median of 4 trainer steps after one warm-up (2 on the reference); generate: 1,000 tokens after a 500-token warm-up (100 on the reference).',
        "Chromium's renderer processes are not this process's children once it forks them, so the load note below counts them as other processes: here that is the page under test.",
      ],
      data,
    };
  },
});
