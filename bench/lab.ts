// The browser lab's training speed against Node on the same code: web/src/lab.ts's Lab (the
// same model, data and step) trained in Node and in the lab page's Web Worker (the Vite bundle
// served by its preview server, with and without COOP/COEP), in one run, alternating Node and
// page so that a change of load shows. The page's figure is what a person sees in it: each
// step's tokens/s as the worker reports it. Skipped with a note where Chromium is missing.

import { chromiumPath, haveChromium } from '../test/browser/harness.js';
import { buildLab, serveLab } from '../web/build.js';
import { Lab, PRESETS, type Preset } from '../web/src/lab.js';
import { loadMobyDick } from '../src/data/corpus.js';
import { describeBackend, initBackend } from '../src/kernels/index.js';
import { BenchContext, median, registerSection } from './sections.js';

const STEPS = 24; // the first 4 warm up and are left out of the median

async function inNode(text: string, preset: Preset): Promise<number> {
  const lab = Lab.forText(text, { arch: 'mamba', preset, steps: STEPS });
  const speeds: number[] = [];
  for (let i = 0; i < STEPS; i++) speeds.push(lab.trainStep().tokensPerSec);
  return median(speeds.slice(4));
}

async function inPage(isolated: boolean, preset: Preset): Promise<{ tokensPerSec: number; backend: string }> {
  const { chromium } = await import('playwright-core');
  const server = await serveLab({ isolated });
  const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(server.url);
    await page.waitForFunction(() => (globalThis as unknown as { lab: { backend: string } }).lab.backend !== '');
    await page.selectOption('#arch', 'mamba');
    await page.selectOption('#preset', preset);
    await page.fill('#steps', String(STEPS));
    await page.click('#train-btn');
    await page.waitForFunction((n) => (globalThis as unknown as { lab: { stepTokensPerSec: number[]; busy: { training: boolean } } }).lab.stepTokensPerSec.length === n && !(globalThis as unknown as { lab: { busy: { training: boolean } } }).lab.busy.training, STEPS, { timeout: 600_000 });
    const r = await page.evaluate(() => {
      const lab = (globalThis as unknown as { lab: { stepTokensPerSec: number[]; backend: string } }).lab;
      return { speeds: lab.stepTokensPerSec, backend: lab.backend };
    });
    return { tokensPerSec: median(r.speeds.slice(4)), backend: r.backend };
  } finally {
    await browser.close();
    await server.close();
  }
}

registerSection({
  name: 'lab',
  description: 'the browser lab: Mamba training tokens/s in the page (Web Worker) vs the same Lab class in Node',
  async run(ctx: BenchContext) {
    const columns = ['preset', 'where', 'kernels', 'train tok/s', '× Node'];
    if (!haveChromium) return { title: 'Browser lab', table: { columns, rows: [] }, notes: [`skipped: no Chromium at ${chromiumPath} (set CHROMIUM_PATH)`], data: [] };
    await buildLab();
    const text = loadMobyDick();
    const rows: (string | number | null)[][] = [];
    const data: unknown[] = [];
    for (const preset of (ctx.quick ? ['tiny'] : ['tiny', 'base']) as Preset[]) {
      const p = PRESETS[preset];
      const label = `${preset} (d ${p.hidden}, ${p.layers} layers, B ${p.batch}, L ${p.context})`;
      const node: number[] = [];
      const measure = async (where: string, get: () => Promise<{ tokensPerSec: number; backend: string }>) => {
        ctx.log(`lab: ${preset}, ${where} ...`);
        const r = await get();
        ctx.log(`lab: ${preset}, ${where}: ${Math.round(r.tokensPerSec)} tokens/s`);
        if (where === 'Node') node.push(r.tokensPerSec);
        data.push({ preset, where, ...r });
        return r;
      };
      // The kernels the Node rows run on, chosen as an application would (the bench does not select them for a section).
      await initBackend('wasm', { threads: ctx.threads });
      const nodeRun = async () => ({ tokensPerSec: await inNode(text, preset), backend: describeBackend() });
      const results = [
        ['Node', await measure('Node', nodeRun)],
        ['page, isolated', await measure('page, isolated', () => inPage(true, preset))],
        ['page, not isolated', await measure('page, not isolated', () => inPage(false, preset))],
        ['Node (again)', await measure('Node', nodeRun)],
      ] as const;
      const ref = median(node);
      for (const [where, r] of results) rows.push([label, where, r.backend, Math.round(r.tokensPerSec), Number((r.tokensPerSec / ref).toFixed(2))]);
    }
    return {
      title: 'Browser lab: Mamba training in the page vs Node (same Lab class, Moby Dick, seed 0)',
      table: { columns, rows },
      notes: [
        `median tokens/s of steps 5–${STEPS} (batch × context ÷ the step's wall time, the optimizer step included); × Node: against the mean of the two Node runs.`,
        `The page: web/ built by Vite, served by its preview server on 127.0.0.1, ${chromiumPath} headless; training in the lab's Web Worker, the kernels' pool nested in it.`,
      ],
      data,
    };
  },
});
