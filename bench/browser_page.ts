// What the bench's browser section runs in a Chromium page (and, for comparison, in Node): the
// end-to-end figures of bench/e2e.ts for the default model (d 128, 4 layers, vocab 96, B 8,
// L 256): training tokens/s with the trainer's step, generation tokens/s at batch 1.

import { initBackend, backendName, LanguageModel, modelConfig, generate, createOptimizer, optimizerStep, Rng } from '../src/browser.js';
import { wasmRuntime } from '../src/kernels/index.js';

export interface BrowserBenchResult {
  backend: string;
  shared: boolean | null;
  relaxedSimd: boolean | null;
  threads: number;
  trainTokensPerSec: number;
  generateTokensPerSec: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

/** `wasmUrl`: kernels.wasm in a page; undefined in Node (found by itself). `backend` 'ref' measures the reference kernels. */
export async function run(wasmUrl?: string, backend: 'wasm' | 'ref' = 'wasm'): Promise<BrowserBenchResult> {
  const wasm = wasmUrl === undefined ? undefined : new URL(wasmUrl, globalThis.location.href);
  await initBackend(backend, { wasm });
  const B = 8, L = 256;
  const model = new LanguageModel(modelConfig({ vocab_size: 96, hidden_size: 128, num_hidden_layers: 4 }), { seed: 0 });
  const rng = new Rng(1);
  const inputs = Int32Array.from({ length: B * L }, () => rng.int(96));
  const targets = Int32Array.from({ length: B * L }, () => rng.int(96));
  const steps = backend === 'ref' ? 2 : 4;
  const opt = createOptimizer(model, { steps: steps + 1, lr: 1e-3, minLr: 1e-4, warmupSteps: 1, weightDecay: 0.1 });
  const train: number[] = [];
  for (let step = 0; step <= steps; step++) {
    const t0 = performance.now();
    optimizerStep(model, opt, step, { inputs, targets, batch: B, length: L }, 1, '');
    if (step > 0) train.push((B * L) / ((performance.now() - t0) / 1000)); // step 0 warms up
  }
  const prompt = Int32Array.of(1, 2, 3, 4);
  const tokens = backend === 'ref' ? 100 : 1000;
  generate(model, prompt, { maxTokens: Math.min(tokens, 500), temperature: 1, seed: 0 }); // warm-up
  const t0 = performance.now();
  generate(model, prompt, { maxTokens: tokens, temperature: 1, seed: 1 });
  const rt = wasmRuntime();
  return {
    backend: backendName(),
    shared: backendName() === 'wasm' && rt ? rt.shared : null,
    relaxedSimd: backendName() === 'wasm' && rt ? rt.relaxedSimd : null,
    threads: backendName() === 'wasm' && rt ? rt.threads : 1,
    trainTokensPerSec: median(train),
    generateTokensPerSec: tokens / ((performance.now() - t0) / 1000),
  };
}

/** The page's entry for the reference kernels. */
export const runReference = (wasmUrl?: string) => run(wasmUrl, 'ref');
