// One Hub-shaped checkpoint in fresh processes, so that peak memory is the load's own:
//   node dist/bench/checkpoint_probe.js write DIR CONFIG_JSON   writes DIR (config.json and
//       model.safetensors in F32, random weights, the Hub's tensor names) with the project's saver,
//       above 5 GB in the Hub's shards and index;
//   node dist/bench/checkpoint_probe.js run DIR THREADS TOKENS WEIGHTS  loads DIR as
//       `mamba-ts generate --weights WEIGHTS` does (bf16 / int8: packed as it streams in) and
//       prints JSON { loadSeconds, peakBytes (after the load), wasmBytes, tokensPerSec of TOKENS
//       steps after 2, bandwidth (read, around them), bytesPerToken }.
// Run by bench/checkpoints.ts.

import { loadModelFolder } from '../src/io/model_folder.js';
import { saveCheckpoint } from '../src/io/checkpoint.js';
import { createModel } from '../src/models/create.js';
import { modelConfig } from '../src/models/config.js';
import { LanguageModel } from '../src/models/language_model.js';
import { initBackend, setThreads, wasmRuntime } from '../src/kernels/index.js';
import type { WeightFormat } from '../src/kernels/weight_format.js';
import { stepsPerSec } from './generation.js';
import { makeBandwidthProbe, modelStepBytes } from './roofline.js';

/** transformers 4.x's max_shard_size ("5GB"), with which the Hub's mamba-*-hf folders were written: the larger ones load from shards. */
const SHARD_BYTES = 5e9;

const [mode, dir] = process.argv.slice(2);
if (mode === 'write') {
  const config = modelConfig(JSON.parse(process.argv[4]));
  const model = createModel(config, { seed: 0 });
  const weights = model.weights();
  saveCheckpoint(dir, { config, weights }, { maxShardBytes: SHARD_BYTES });
  console.log(JSON.stringify({ parameters: model.parameterCount() }));
} else if (mode === 'run') {
  const [threads, tokens] = process.argv.slice(4, 6).map(Number);
  const weights = process.argv[6] as WeightFormat;
  await initBackend('wasm', { threads });
  const t0 = performance.now();
  const { model } = loadModelFolder(dir, { requireTokenizer: false, weights });
  const loadSeconds = (performance.now() - t0) / 1000;
  const peakBytes = process.resourceUsage().maxRSS * 1024;
  const wasmBytes = wasmRuntime()!.memory.buffer.byteLength;
  if (!(model instanceof LanguageModel)) throw new Error(`checkpoint_probe: ${dir} is not a Mamba model`);
  const bandwidth = makeBandwidthProbe(wasmRuntime()!, 128);
  setThreads(threads);
  const state = model.initState(1);
  const before = bandwidth(threads);
  const tokensPerSec = stepsPerSec(model, state, tokens, 1);
  const after = bandwidth(threads);
  console.log(JSON.stringify({ loadSeconds, peakBytes, wasmBytes, tokensPerSec, bandwidth: (before + after) / 2, bytesPerToken: modelStepBytes(model, state) }));
} else {
  throw new Error('usage: checkpoint_probe.js write DIR CONFIG_JSON | run DIR THREADS TOKENS WEIGHTS');
}
process.exit(0);
