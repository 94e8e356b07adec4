// One point of the generation experiment in a fresh process, so that a large KV cache (or running
// out of the 4 GiB WebAssembly memory) stays this point's own:
//   node generation_probe.js '{"kind":"context"|"throughput","arch":"mamba"|"transformer","settings":{...},"context"|"batch":n}'
// Prints one JSON line: a ContextPoint or a ThroughputPoint.

import { initBackend } from '../kernels/index.js';
import { createModel } from '../models/create.js';
import { Rng } from '../tensor/random.js';
import { contextPoint, modelFor, throughputPoint, type Arch } from './generation_points.js';
import type { GenerationSettings } from './generation.js';

const job = JSON.parse(process.argv[2]) as { kind: 'context' | 'throughput'; arch: Arch; settings: GenerationSettings; context?: number; batch?: number };
await initBackend();
const model = createModel(modelFor(job.arch, job.settings).config, { seed: 0 });
const rng = new Rng(7);
const point = job.kind === 'context' ? contextPoint(model, job.arch, job.settings, job.context!, rng) : throughputPoint(model, job.arch, job.settings, job.batch!, rng);
console.log(JSON.stringify(point));
process.exit(0);
