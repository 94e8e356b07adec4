// One Hub-shaped checkpoint in fresh processes, so that peak memory is the load's own:
//   node dist/bench/checkpoint_probe.js write DIR CONFIG_JSON   writes DIR (config.json and
//       model.safetensors in F32, random weights, the Hub's tensor names) with the project's saver,
//       above 5 GB in the Hub's shards and index;
//   node dist/bench/checkpoint_probe.js run DIR THREADS TOKENS  loads DIR as `mamba-ts generate`
//       does and prints JSON { loadSeconds, peakBytes (after the load), per format: tokens/s of
//       TOKENS steps after 2, the read bandwidth around them, the bytes a token reads }.
// Run by bench/checkpoints.ts.

import { loadModelFolder } from '../src/io/model_folder.js';
import { saveCheckpoint } from '../src/io/checkpoint.js';
import { createModel } from '../src/models/create.js';
import { modelConfig, type MambaConfig } from '../src/models/config.js';
import { LanguageModel } from '../src/models/language_model.js';
import { initBackend, setThreads, wasmRuntime } from '../src/kernels/index.js';
import { WEIGHT_FORMATS } from '../src/kernels/weight_format.js';
import { stepsPerSec } from './generation.js';
import { makeBandwidthProbe, stepBytes } from './roofline.js';

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
  const [threads, tokens] = process.argv.slice(4).map(Number);
  await initBackend('wasm', { threads });
  const t0 = performance.now();
  const { model } = loadModelFolder(dir, { requireTokenizer: false });
  const loadSeconds = (performance.now() - t0) / 1000;
  const peakBytes = process.resourceUsage().maxRSS * 1024;
  if (!(model instanceof LanguageModel)) throw new Error(`checkpoint_probe: ${dir} is not a Mamba model`);
  const bandwidth = makeBandwidthProbe(wasmRuntime()!, 128);
  setThreads(threads);
  const formats = WEIGHT_FORMATS.map((weights) => {
    const state = model.initState(1, { weights });
    const before = bandwidth(threads);
    const perSec = stepsPerSec(model, state, tokens, 1);
    const after = bandwidth(threads);
    return { weights, tokensPerSec: perSec, bandwidth: (before + after) / 2, bytesPerToken: stepBytes(model.config as MambaConfig, weights) };
  });
  console.log(JSON.stringify({ loadSeconds, peakBytes, formats }));
} else {
  throw new Error('usage: checkpoint_probe.js write DIR CONFIG_JSON | run DIR THREADS TOKENS');
}
process.exit(0);
