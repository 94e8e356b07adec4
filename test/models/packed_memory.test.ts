// Peak memory of loading in the kept precision: a folder of a few hundred MB of f32 weights,
// loaded with weights 'int8' in a fresh process, must peak well below the f32 weights' own size
// (each matrix is packed as it streams in, by blocks of rows; no f32 copy of the model exists).
// Measured on the project machine (wasm backend, 1 thread): 84 M parameters, 336 MB of f32
// weights; int8 peak RSS 228–236 MB (~175 MB above an empty process's), wasm memory 95 MB; the
// f32 load of the same folder peaks at 588 MB (914 MB when it read every tensor before the model).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mamba-ts-packed-memory-'));
test.after(() => fs.rmSync(root, { recursive: true, force: true }));
const dist = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');

/** Runs `code` (an ES module body; `dist` is the build's path) in a fresh process of the backend under test; its last line of output, as JSON. */
function child(code: string, ...args: string[]): Record<string, number> {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', `const dist = ${JSON.stringify(dist)};\n${code}`, ...args], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, MAMBA_TS_THREADS: '1' } });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

const MEASURE = `
const { initBackend, wasmRuntime } = await import(dist + '/src/kernels/index.js');
const { loadModelFolder } = await import(dist + '/src/io/model_folder.js');
await initBackend(process.env.MAMBA_TS_BACKEND === 'ref' ? 'ref' : 'wasm', { threads: 1 });
const [dir, weights] = process.argv.slice(-2);
if (weights !== 'none') loadModelFolder(dir, { requireTokenizer: false, weights });
console.log(JSON.stringify({ rss: process.resourceUsage().maxRSS * 1024, wasm: wasmRuntime()?.memory.buffer.byteLength ?? 0 }));
`;

test('loading 336 MB of f32 weights in int8 peaks below three quarters of their size above an empty process, and the wasm memory holds about a quarter', () => {
  const dir = path.join(root, 'model');
  const { parameters } = child(`
const { saveCheckpoint } = await import(dist + '/src/io/checkpoint.js');
const { createModel } = await import(dist + '/src/models/create.js');
const { modelConfig } = await import(dist + '/src/models/config.js');
const config = modelConfig({ vocab_size: 50280, hidden_size: 768, num_hidden_layers: 12 });
const model = createModel(config, { seed: 0 });
saveCheckpoint(process.argv.at(-1), { config, weights: model.weights() });
console.log(JSON.stringify({ parameters: model.parameterCount() }));
`, dir);
  const f32Bytes = 4 * parameters;
  assert.ok(f32Bytes > 300e6, `${f32Bytes} bytes of f32 weights`);
  const empty = child(MEASURE, dir, 'none');
  const int8 = child(MEASURE, dir, 'int8');
  const above = int8.rss - empty.rss;
  assert.ok(above < 0.75 * f32Bytes, `int8 load: ${(above / 1e6).toFixed(0)} MB above an empty process, f32 weights ${(f32Bytes / 1e6).toFixed(0)} MB`);
  if (int8.wasm > 0) assert.ok(int8.wasm < 0.35 * f32Bytes, `wasm memory ${(int8.wasm / 1e6).toFixed(0)} MB for ${(f32Bytes / 1e6).toFixed(0)} MB of f32 weights`);
});
