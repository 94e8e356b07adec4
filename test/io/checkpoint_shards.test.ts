// Saving weights as the Hugging Face Hub shards them: above maxShardBytes of tensor data a save
// writes model-0000k-of-0000n.safetensors (1-based, 5 digits) and model.safetensors.index.json
// ({"metadata": {"total_size"}, "weight_map"}), through the same commit protocol as a single file,
// each file streamed tensor by tensor. A tiny threshold makes tiny models shard here.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { saveCheckpoint, loadCheckpoint, type Checkpoint } from '../../src/io/checkpoint.js';
import { loadModelFolder } from '../../src/io/model_folder.js';
import { loadSafetensors } from '../../src/io/safetensors.js';
import { modelConfig, type MambaConfig } from '../../src/models/config.js';
import { expectedWeights } from '../../src/models/weight_shapes.js';
import { LanguageModel } from '../../src/models/language_model.js';
import { noGrad } from '../../src/autograd/tape.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mamba-ts-shards-'));
test.after(() => fs.rmSync(root, { recursive: true, force: true }));

const config = modelConfig({ vocab_size: 12, hidden_size: 8, num_hidden_layers: 2, state_size: 4 }) as MambaConfig;
const bytesOf = (c: Checkpoint) => [...c.weights.values()].reduce((n, t) => n + t.data.byteLength, 0);

/** A checkpoint whose every tensor and its step carry `v`, so a mix of two saves shows. */
function version(v: number): Checkpoint {
  const t = (shape: number[]) => ({ shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(v) });
  return { config, weights: new Map([...expectedWeights(config)].map(([name, e]) => [name, t(e.shape)])), trainerState: { step: v } };
}

/** Which save the folder holds, asserting that every tensor agrees with trainer_state.json. */
function loadedVersion(dir: string): number {
  const c = loadCheckpoint(dir);
  const v = (c.trainerState as { step: number }).step;
  for (const [name, t] of c.weights) assert.ok(t.data.every((x) => x === v), `${name} from another save than trainer_state.json (${v})`);
  return v;
}

const shardFiles = (dir: string) => fs.readdirSync(dir).filter((f) => /^model-\d{5}-of-\d{5}\.safetensors/.test(f)).sort();

test('a model above the threshold saves as the Hub\'s shards and index and loads back to identical logits', () => {
  const dir = path.join(root, 'sharded');
  const model = new LanguageModel(config, { seed: 5 });
  const weights = model.weights();
  const total = [...weights.values()].reduce((n, t) => n + t.data.byteLength, 0);
  saveCheckpoint(dir, { config, weights }, { maxShardBytes: 1024 });
  const shards = shardFiles(dir);
  assert.ok(shards.length >= 3, `expected several shards of ≤ 1 KiB, got ${shards.join(', ')}`);
  shards.forEach((f, k) => assert.equal(f, `model-${String(k + 1).padStart(5, '0')}-of-${String(shards.length).padStart(5, '0')}.safetensors`));
  assert.ok(!fs.existsSync(path.join(dir, 'model.safetensors')));
  const index = JSON.parse(fs.readFileSync(path.join(dir, 'model.safetensors.index.json'), 'utf8'));
  assert.equal(index.metadata.total_size, total);
  assert.deepEqual(Object.keys(index.weight_map).sort(), [...weights.keys()].sort());
  for (const f of shards) {
    const { tensors, metadata } = loadSafetensors(path.join(dir, f));
    assert.deepEqual(metadata, { format: 'pt' });
    const bytes = [...tensors.values()].reduce((n, t) => n + t.data.byteLength, 0);
    assert.ok(bytes <= 1024 || tensors.size === 1, `${f}: ${bytes} bytes in ${tensors.size} tensors, above the threshold`);
    for (const name of tensors.keys()) assert.equal(index.weight_map[name], f);
  }
  const ids = Int32Array.from({ length: 10 }, (_, i) => (i * 5) % 12);
  const loaded = loadModelFolder(dir, { requireTokenizer: false }).model as LanguageModel;
  const [a, b] = noGrad(() => [model.forward(ids, 1, 10).data, loaded.forward(ids, 1, 10).data]);
  assert.deepEqual(b, a);
});

test('a save below the threshold replaces a sharded one by model.safetensors alone, and a new shard count leaves no old shard', () => {
  const dir = path.join(root, 'reshard');
  saveCheckpoint(dir, version(1), { maxShardBytes: 1024 });
  const first = shardFiles(dir);
  saveCheckpoint(dir, version(2), { maxShardBytes: 4096 });
  const second = shardFiles(dir);
  assert.ok(second.length > 1 && second.length < first.length, `${first.length} shards, then ${second.length}`);
  assert.equal(loadedVersion(dir), 2);
  saveCheckpoint(dir, version(3));
  assert.deepEqual(shardFiles(dir), []);
  assert.ok(!fs.existsSync(path.join(dir, 'model.safetensors.index.json')));
  assert.equal(loadedVersion(dir), 3);
});

/** Runs a sharded save of version 2 over version 1 with fs[fn] failing at its killAt-th call; whether it finished. */
function killedSave(dir: string, fn: 'writeSync' | 'renameSync', killAt: number): boolean {
  saveCheckpoint(dir, version(1), { maxShardBytes: 1024 });
  const original = fs[fn] as (...args: unknown[]) => unknown;
  let count = 0;
  (fs as unknown as Record<string, unknown>)[fn] = (...args: unknown[]) => {
    if (count++ === killAt) throw new Error('killed');
    return original(...args);
  };
  try {
    saveCheckpoint(dir, version(2), { maxShardBytes: 2048 });
    return true;
  } catch (err) {
    assert.match(String(err), /killed/);
    return false;
  } finally {
    (fs as unknown as Record<string, unknown>)[fn] = original;
  }
}

test('a sharded save killed at any write leaves the previous checkpoint loading whole, and the next save completes', () => {
  assert.ok(bytesOf(version(1)) > 2048, 'both saves are sharded');
  for (let killAt = 0; ; killAt++) {
    const dir = path.join(root, `write-${killAt}`);
    const finished = killedSave(dir, 'writeSync', killAt);
    assert.equal(loadedVersion(dir), finished ? 2 : 1, `kill at write ${killAt}`);
    saveCheckpoint(dir, version(3), { maxShardBytes: 1024 });
    assert.equal(loadedVersion(dir), 3);
    if (finished) {
      assert.ok(killAt > 20, `a tensor per write: expected more than 20 writes, saw ${killAt}`);
      break;
    }
  }
});

test('a sharded save killed at any rename loads as one whole save (the old before its commit, the new after), and the next save cleans up', () => {
  for (let killAt = 0; ; killAt++) {
    const dir = path.join(root, `rename-${killAt}`);
    const finished = killedSave(dir, 'renameSync', killAt);
    const committed = finished || fs.existsSync(path.join(dir, 'checkpoint.pending.json'));
    assert.equal(loadedVersion(dir), committed ? 2 : 1, `kill at rename ${killAt}`);
    saveCheckpoint(dir, version(3), { maxShardBytes: 1024 });
    assert.equal(loadedVersion(dir), 3);
    assert.deepEqual(fs.readdirSync(dir).filter((f) => f.endsWith('.next') || f.includes('pending') || f.includes('.tmp-')), []);
    if (finished) break;
  }
});

test('maxShardBytes that is not a positive number is refused naming the option', () => {
  assert.throws(() => saveCheckpoint(path.join(root, 'bad'), version(1), { maxShardBytes: 0 }), /maxShardBytes must be a positive number of bytes, got 0/);
});
