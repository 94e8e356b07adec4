// One Hub-shaped checkpoint in fresh processes, so that peak memory is the load's own:
//   node dist/bench/checkpoint_probe.js write DIR CONFIG_JSON   writes DIR (config.json and
//       model.safetensors in F32, random weights, the Hub's tensor names) with the project's saver,
//       or above 1 GiB the Hub's shards and index;
//   node dist/bench/checkpoint_probe.js run DIR THREADS TOKENS  loads DIR as `mamba-ts generate`
//       does and prints JSON { loadSeconds, peakBytes (after the load), per format: tokens/s of
//       TOKENS steps after 2, the read bandwidth around them, the bytes a token reads }.
// Run by bench/checkpoints.ts.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadModelFolder } from '../src/io/model_folder.js';
import { encodeSafetensors, type NamedTensor } from '../src/io/safetensors_codec.js';
import { writeConfig } from '../src/io/config.js';
import { saveCheckpoint } from '../src/io/checkpoint.js';
import { createModel } from '../src/models/create.js';
import { modelConfig, type MambaConfig, type ModelConfig } from '../src/models/config.js';
import { LanguageModel } from '../src/models/language_model.js';
import { initBackend, setThreads, wasmRuntime } from '../src/kernels/index.js';
import { WEIGHT_FORMATS } from '../src/kernels/weight_format.js';
import { stepsPerSec } from './generation.js';
import { makeBandwidthProbe, stepBytes } from './roofline.js';

/** A single file above 2 GiB cannot be written in one call: larger models go in shards, as the Hub's do. */
const SHARD_BYTES = 2 ** 30;

/** model-0000k-of-0000n.safetensors of at most SHARD_BYTES each, model.safetensors.index.json, config.json. */
function writeShards(dir: string, config: ModelConfig, weights: Map<string, NamedTensor>): void {
  const shards: Map<string, NamedTensor>[] = [new Map()];
  let bytes = 0;
  for (const [name, t] of weights) {
    if (bytes + 4 * t.data.length > SHARD_BYTES && shards[shards.length - 1].size > 0) {
      shards.push(new Map());
      bytes = 0;
    }
    shards[shards.length - 1].set(name, t);
    bytes += 4 * t.data.length;
  }
  const file = (k: number) => `model-${String(k + 1).padStart(5, '0')}-of-${String(shards.length).padStart(5, '0')}.safetensors`;
  const weightMap: Record<string, string> = {};
  shards.forEach((shard, k) => {
    writeFileSync(join(dir, file(k)), encodeSafetensors(shard, { format: 'pt' }));
    for (const name of shard.keys()) weightMap[name] = file(k);
  });
  writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: {}, weight_map: weightMap }));
  writeConfig(join(dir, 'config.json'), config);
}

const [mode, dir] = process.argv.slice(2);
if (mode === 'write') {
  const config = modelConfig(JSON.parse(process.argv[4]));
  const model = createModel(config, { seed: 0 });
  const weights = model.weights();
  const total = [...weights.values()].reduce((n, t) => n + 4 * t.data.length, 0);
  if (total <= SHARD_BYTES) saveCheckpoint(dir, { config, weights });
  else writeShards(dir, config, weights);
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
