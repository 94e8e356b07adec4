// Defect 5 of issue 11: reading a run folder while it trained failed now and then
// (`model.safetensors.next: file not found`, `tokenizer.json.next: invalid JSON`): the reader
// followed the staged files of a commit while the writer renamed them. A reader must always get
// the last committed checkpoint, whole. Here a child process saves as fast as it can while this
// one loads, for a bounded time; every load must succeed and be one save, never a mix.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { saveCheckpoint, loadCheckpoint, type Checkpoint } from '../../src/io/checkpoint.js';
import { loadModelFolder } from '../../src/io/model_folder.js';
import { modelConfig } from '../../src/models/config.js';
import { expectedWeights } from '../../src/models/weight_shapes.js';
import { CharTokenizer } from '../../src/data/tokenizer.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mamba-ts-ckpt-race-'));
test.after(() => fs.rmSync(root, { recursive: true, force: true }));

/** Every tensor, the optimizer and the trainer state carry `v`, and the tokenizer's alphabet does too. */
function version(v: number): Checkpoint {
  const config = modelConfig({ vocab_size: 8, hidden_size: 4, num_hidden_layers: 1, state_size: 2 });
  const t = (shape: number[]) => ({ shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(v) });
  const weights = new Map([...expectedWeights(config)].map(([name, e]) => [name, t(e.shape)]));
  return {
    config,
    weights,
    tokenizer: CharTokenizer.fromText('abcdefgh'.slice(0, 2 + (v % 6))).toJSON(),
    trainerState: { step: v },
    optimizer: new Map([['m.backbone.norm_f.weight', t([4])]]),
  };
}

const childCode = (dist: string) => `
const { saveCheckpoint } = await import(${JSON.stringify(path.join(dist, 'src/io/checkpoint.js'))});
const { modelConfig } = await import(${JSON.stringify(path.join(dist, 'src/models/config.js'))});
const { expectedWeights } = await import(${JSON.stringify(path.join(dist, 'src/models/weight_shapes.js'))});
const { CharTokenizer } = await import(${JSON.stringify(path.join(dist, 'src/data/tokenizer.js'))});
${version.toString()}
const [dir, ms] = process.argv.slice(-2);
const end = Date.now() + Number(ms);
for (let v = 1; Date.now() < end; v++) saveCheckpoint(dir, version(v));
`;

test('a reader loading while another process saves in a loop always gets one whole save', async () => {
  const dir = path.join(root, 'run');
  saveCheckpoint(dir, version(0));
  const dist = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
  const child = spawn(process.execPath, ['--input-type=module', '-e', childCode(dist), dir, '3000'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  let alive = true;
  void exited.then(() => (alive = false));

  const seen = new Set<number>();
  let loads = 0;
  const end = Date.now() + 10_000;
  try {
    // Until the writer stops (3 s), bounded in case it hangs.
    while (alive && Date.now() < end) {
      const c = loadCheckpoint(dir, { requireTokenizer: true });
      const v = (c.trainerState as { step: number }).step;
      for (const [name, t] of [...c.weights, ...c.optimizer!]) assert.ok(t.data.every((x) => x === v), `${name} from another save than trainer_state.json (${v})`);
      assert.deepEqual(c.tokenizer, version(v).tokenizer, `tokenizer.json from another save than trainer_state.json (${v})`);
      loadModelFolder(dir, { requireTokenizer: true });
      seen.add(v);
      loads++;
      await new Promise((r) => setImmediate(r)); // lets the exit event through
    }
  } finally {
    // A failed load, or a writer that hangs: stop it before the folder is removed.
    if (alive) child.kill();
  }
  assert.equal(await exited, 0, stderr);
  assert.ok(seen.size >= 3, `the loads saw ${seen.size} different saves in ${loads} loads: the race was not exercised`);
});
