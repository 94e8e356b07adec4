// How long a trained induction-heads Mamba can hold a token (after `npm run build`):
//   node scripts/induction-memory.mjs MODEL_DIR... [--length L]
// For each layer, Δ averaged over the noise tokens of one sequence (every token but the triggers
// and the tokens right after them), and the slowest decay rate of the state, min over channels e
// and states n of mean Δ_e · |A_en|: its inverse is the longest time constant, in tokens, over
// which the state forgets while the noise streams by (docs/results/induction-heads.md).
import { loadModelFolder } from '../dist/src/io/model_folder.js';
import { record } from '../dist/src/models/record.js';
import { makeTask } from '../dist/src/data/tasks.js';
import { initBackend } from '../dist/src/kernels/index.js';

const args = process.argv.slice(2);
const at = args.indexOf('--length');
const L = at < 0 ? 4096 : Number(args[at + 1]);
const dirs = args.filter((a, i) => !a.startsWith('--') && (at < 0 || i !== at + 1));
if (dirs.length === 0 || !(Number.isInteger(L) && L >= 16)) {
  console.error('usage: node scripts/induction-memory.mjs MODEL_DIR... [--length L ≥ 16]');
  process.exit(2);
}

await initBackend(); // the WebAssembly kernels where they load, as the CLI
for (const dir of dirs) {
  const { model } = loadModelFolder(dir, { requireTokenizer: false });
  const trigger = model.config.vocab_size - 1;
  const { inputs } = makeTask('induction-heads', { length: L, vocab: model.config.vocab_size }).generate(99, 1);
  const { layers } = record(model, inputs, 1, L, { record: ['delta'] });
  const params = new Map(model.namedParameters());
  console.log(dir);
  layers.forEach((layer, li) => {
    if (!layer.delta) return;
    const E = layer.delta.shape[2];
    const aLog = [...params].find(([name]) => name.includes(`layers.${li}.`) && name.endsWith('A_log'))[1].data;
    const N = aLog.length / E;
    const mean = new Float64Array(E);
    let noise = 0;
    for (let t = 1; t < L; t++) {
      if (inputs[t] === trigger || inputs[t - 1] === trigger) continue;
      noise++;
      for (let e = 0; e < E; e++) mean[e] += layer.delta.data[t * E + e];
    }
    let slowest = Infinity;
    for (let e = 0; e < E; e++) {
      mean[e] /= noise;
      for (let n = 0; n < N; n++) slowest = Math.min(slowest, mean[e] * Math.exp(aLog[e * N + n]));
    }
    const sorted = [...mean].sort((a, b) => a - b);
    console.log(`  layer ${li}: mean Δ on noise tokens min ${sorted[0].toExponential(2)}, median ${sorted[E >> 1].toExponential(2)}; ` +
      `slowest decay ${slowest.toExponential(2)} a token: time constant ${Math.round(1 / slowest).toLocaleString()} tokens`);
  });
}
