// The code that test/browser/browser.test.ts runs inside a Chromium page (served from the
// project folder): the kernels loaded from a URL, the pool's Web Workers, and a small Mamba
// model's logits, training steps and generation, compared with the reference kernels in the
// same page. Importing this module does nothing; the page calls run().

// Everything through the package's browser entry (src/browser.ts), so that the test also shows
// that nothing it imports needs Node; wasmRuntime (the pool's internals) is for the test only.
import {
  initBackend, setBackend, noGrad, LanguageModel, modelConfig, generate, createOptimizer, optimizerStep,
} from '../../src/browser.js';
import { wasmRuntime } from '../../src/kernels/index.js';

export interface PageResult {
  backend: string;
  crossOriginIsolated: boolean;
  /** Whether the kernels run on a shared memory (kernels.wasm) or a plain one (kernels-single.wasm). */
  shared: boolean | null;
  /** Whether the relaxed-SIMD build runs (Chromium has relaxed SIMD since 114). */
  relaxedSimd: boolean | null;
  threads: number;
  /** Thread ids that ran tasks of a parallel job (wasm only): 0 is the page, 1.. Web Workers. */
  threadIds: number[];
  maxLogitDiff: number;
  losses: number[];
  referenceLosses: number[];
  tokens: number[];
  referenceTokens: number[];
  /** The same greedy tokens with bf16 weights in the steps (generate's weights: 'bf16'). */
  bf16Tokens: number[];
  referenceBf16Tokens: number[];
}

/** Logits, 3 training steps and 12 greedy tokens (f32 and bf16 weights) of a seeded 2-layer model on the current backend. */
function exercise(): { logits: Float32Array; losses: number[]; tokens: number[]; bf16Tokens: number[] } {
  const model = new LanguageModel(modelConfig({ vocab_size: 20, hidden_size: 32, num_hidden_layers: 2, state_size: 8 }), { seed: 1 });
  const inputs = Int32Array.from({ length: 64 }, (_, i) => (i * 7 + 3) % 20);
  const targets = Int32Array.from({ length: 64 }, (_, i) => (i * 5 + 1) % 20);
  const logits = noGrad(() => model.forward(inputs, 2, 32).data.slice());
  const opt = createOptimizer(model, { steps: 3, lr: 1e-2, minLr: 1e-3, warmupSteps: 1, weightDecay: 0.1 });
  const losses = [0, 1, 2].map((step) => optimizerStep(model, opt, step, { inputs, targets, batch: 2, length: 32 }, 1, '').loss);
  const tokens = generate(model, inputs.subarray(0, 5), { maxTokens: 12, temperature: 0 });
  const bf16Tokens = generate(model, inputs.subarray(0, 5), { maxTokens: 12, temperature: 0, weights: 'bf16' });
  return { logits, losses, tokens, bf16Tokens };
}

export async function run(wasmUrl: string): Promise<PageResult> {
  const backend = await initBackend('wasm', { wasm: new URL(wasmUrl, globalThis.location.href) });
  const rt = wasmRuntime();
  const threadIds = backend === 'wasm' && rt ? (rt.shared ? await rt.waitForWorkers() : [...new Set(rt.whoRuns(256))]) : [];
  const fast = exercise();
  setBackend('ref');
  const slow = exercise();
  let maxLogitDiff = 0;
  for (let i = 0; i < fast.logits.length; i++) maxLogitDiff = Math.max(maxLogitDiff, Math.abs(fast.logits[i] - slow.logits[i]));
  return {
    backend,
    crossOriginIsolated: globalThis.crossOriginIsolated === true,
    shared: rt?.shared ?? null,
    relaxedSimd: rt?.relaxedSimd ?? null,
    threads: rt?.threads ?? 1,
    threadIds,
    maxLogitDiff,
    losses: fast.losses,
    referenceLosses: slow.losses,
    tokens: fast.tokens,
    referenceTokens: slow.tokens,
    bf16Tokens: fast.bf16Tokens,
    referenceBf16Tokens: slow.bf16Tokens,
  };
}
