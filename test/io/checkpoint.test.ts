import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { saveCheckpoint, loadCheckpoint, type Checkpoint } from '../../src/io/checkpoint.js';
import { modelConfig } from '../../src/models/config.js';
import { expectedWeights } from '../../src/models/weight_shapes.js';
import { encodeSafetensors, loadSafetensors, type NamedTensor } from '../../src/io/safetensors.js';
import { CharTokenizer, tokenizerFromJSON } from '../../src/data/tokenizer.js';
import { tinyBpeJson } from '../data/fixtures/tiny_bpe.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mamba-ts-ckpt-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));

const config = modelConfig({ vocab_size: 4, hidden_size: 3, num_hidden_layers: 1 });

/** A checkpoint whose every tensor and its step carry `version`, so a mix of two saves shows. */
function version(v: number, withOptimizer = true): Checkpoint {
  const t = (shape: number[]): NamedTensor => ({ shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(v) });
  return {
    config,
    weights: new Map([...expectedWeights(config)].map(([name, e]) => [name, t(e.shape)])),
    tokenizer: CharTokenizer.fromText('abcd').toJSON(),
    trainerState: { step: v, rng: { s: [1, 2, 3, v], spare: null }, metrics: [{ loss: 1.5 }] },
    optimizer: withOptimizer ? new Map([['m.backbone.norm_f.weight', t([3])], ['v.backbone.norm_f.weight', t([3])]]) : undefined,
  };
}

/** Which save the folder holds, asserting that every file agrees. */
function loadedVersion(dir: string): number {
  const c = loadCheckpoint(dir);
  const v = (c.trainerState as { step: number }).step;
  for (const t of c.weights.values()) assert.ok(t.data.every((x) => x === v), 'weights from another save than trainer_state.json');
  for (const t of c.optimizer!.values()) assert.ok(t.data.every((x) => x === v), 'optimizer from another save than trainer_state.json');
  return v;
}

test('a saved checkpoint loads back with every piece equal', () => {
  const dir = path.join(root, 'roundtrip');
  const saved = version(7);
  saveCheckpoint(dir, saved);
  const loaded = loadCheckpoint(dir, { requireTokenizer: true });
  assert.deepEqual(loaded, saved);
  assert.deepEqual(fs.readdirSync(dir).sort(), ['config.json', 'model.safetensors', 'optimizer.safetensors', 'tokenizer.json', 'tokenizer_config.json', 'trainer_state.json']);
  assert.deepEqual(loadSafetensors(path.join(dir, 'model.safetensors')).metadata, { format: 'pt' });
});

test('a partial config is completed with the defaults on save', () => {
  const dir = path.join(root, 'partial-config');
  saveCheckpoint(dir, { ...version(1), config: { vocab_size: 4, hidden_size: 3, num_hidden_layers: 1 } });
  assert.deepEqual(loadCheckpoint(dir).config, config);
});

test('saving without training state removes the previous save\'s optimizer and trainer state', () => {
  const dir = path.join(root, 'shrink');
  saveCheckpoint(dir, version(1));
  const { trainerState: _s, optimizer: _o, ...modelOnly } = version(2);
  saveCheckpoint(dir, modelOnly);
  const loaded = loadCheckpoint(dir);
  assert.equal(loaded.optimizer, undefined);
  assert.equal(loaded.trainerState, undefined);
  assert.equal(loaded.weights.get('backbone.norm_f.weight')!.data[0], 2);
});

test('a save killed before its commit (new weights staged, never renamed) leaves the old checkpoint loadable', () => {
  const dir = path.join(root, 'killed');
  saveCheckpoint(dir, version(1));
  fs.writeFileSync(path.join(dir, 'model.safetensors.next'), encodeSafetensors(version(2).weights));
  fs.writeFileSync(path.join(dir, 'model.safetensors.tmp-123-0badf00d'), 'half a file');
  assert.equal(loadedVersion(dir), 1);
  saveCheckpoint(dir, version(3));
  assert.equal(loadedVersion(dir), 3);
});

test('a save killed at any rename leaves a folder that loads as one whole save, and the next save completes', () => {
  let renames = 0;
  for (let killAt = 0; ; killAt++) {
    const dir = path.join(root, `kill-${killAt}`);
    saveCheckpoint(dir, version(1));
    const original = fs.renameSync;
    let count = 0;
    fs.renameSync = (from: fs.PathLike, to: fs.PathLike) => {
      if (count++ === killAt) throw new Error('killed');
      original(from, to);
    };
    let finished = false;
    try {
      saveCheckpoint(dir, version(2));
      finished = true;
    } catch (err) {
      assert.match(String(err), /killed/);
    } finally {
      fs.renameSync = original;
    }
    const v = loadedVersion(dir);
    // Once checkpoint.pending.json is written (the commit) the new save is what loads.
    const committed = fs.existsSync(path.join(dir, 'checkpoint.pending.json')) || finished;
    assert.equal(v, committed ? 2 : 1, `kill at rename ${killAt}`);
    saveCheckpoint(dir, version(3));
    assert.equal(loadedVersion(dir), 3);
    assert.deepEqual(fs.readdirSync(dir).filter((f) => f.endsWith('.next') || f.includes('pending')), []);
    if (finished) {
      renames = killAt;
      break;
    }
  }
  assert.ok(renames >= 13, `expected 7 staging and 6 applying renames, saw ${renames}`);
});

test('loading names what is missing and lists what the folder holds', () => {
  assert.throws(() => loadCheckpoint(path.join(root, 'absent')), /absent: folder not found/);
  const dir = path.join(root, 'partial');
  fs.mkdirSync(dir);
  assert.throws(() => loadCheckpoint(dir), /partial is not a model folder: config\.json is missing \(the folder is empty\)/);
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
  fs.writeFileSync(path.join(dir, 'notes.txt'), '');
  assert.throws(() => loadCheckpoint(dir), /partial is not a model folder: model\.safetensors \(or model\.safetensors\.index\.json with its shards\) is missing \(it holds: config\.json, notes\.txt\)/);
  fs.writeFileSync(path.join(dir, 'model.safetensors'), encodeSafetensors(version(1).weights));
  assert.equal(loadCheckpoint(dir).tokenizer, undefined);
  assert.throws(() => loadCheckpoint(dir, { requireTokenizer: true }), /partial: tokenizer\.json is missing/);
  fs.writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify({ type: 'byte' }));
  assert.throws(() => loadCheckpoint(dir), /tokenizer\.json: 256 tokens, but config\.json vocab_size is 4/);
});

test('a saved tokenizer is a Hugging Face tokenizer.json with a tokenizer_config.json naming the generic class', () => {
  const dir = path.join(root, 'hf-tokenizer');
  const tok = CharTokenizer.fromText('abcd');
  saveCheckpoint(dir, { config, weights: version(1).weights, tokenizer: tok.toJSON() });
  const file = JSON.parse(fs.readFileSync(path.join(dir, 'tokenizer.json'), 'utf8'));
  assert.equal(file.version, '1.0');
  assert.equal(file.model.type, 'BPE');
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, 'tokenizer_config.json'), 'utf8')), {
    tokenizer_class: 'PreTrainedTokenizerFast',
    clean_up_tokenization_spaces: false,
  });
  const loaded = tokenizerFromJSON(loadCheckpoint(dir, { requireTokenizer: true }).tokenizer);
  assert.equal(loaded.kind, 'char');
  assert.deepEqual([...loaded.encode('dcba')], [3, 2, 1, 0]);
  saveCheckpoint(dir, { config, weights: version(2).weights });
  assert.ok(!fs.existsSync(path.join(dir, 'tokenizer_config.json')), 'removed with tokenizer.json');
});

test('a Hugging Face tokenizer with more ids than config.json vocab_size is refused, naming the file', () => {
  const dir = path.join(root, 'hf-too-many-ids');
  saveCheckpoint(dir, { config, weights: version(1).weights });
  fs.writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(tinyBpeJson()));
  assert.throws(() => loadCheckpoint(dir), /hf-too-many-ids\/tokenizer\.json: 270 tokens, but config\.json vocab_size is 4/);
  fs.writeFileSync(path.join(dir, 'tokenizer.json'), '{"version": "1.0", "model": ');
  assert.throws(() => loadCheckpoint(dir), /hf-too-many-ids\/tokenizer\.json: invalid JSON/);
});

// Defect 10 of issue 11: a corrupt checkpoint.pending.json blocked every command with
// `Unexpected end of JSON input`. Records are written atomically, so a garbage one was never
// written by a save: with nothing staged it is ignored, with staged files the error names the file
// and the two ways out; a new save replaces it (it rewrites every file).
for (const [what, text] of [['torn', '{"files": {"config.json": tr'], ['empty', ''], ['not a record', '[1, 2]']] as const) {
  test(`a ${what} checkpoint.pending.json with nothing staged is ignored, and the next save replaces it`, () => {
    const dir = path.join(root, `garbage-record-${what.replace(/ /g, '-')}`);
    saveCheckpoint(dir, version(1));
    fs.writeFileSync(path.join(dir, 'checkpoint.pending.json'), text);
    assert.equal(loadedVersion(dir), 1);
    saveCheckpoint(dir, version(2));
    assert.equal(loadedVersion(dir), 2);
    assert.ok(!fs.existsSync(path.join(dir, 'checkpoint.pending.json')));
  });
}

test('a garbage checkpoint.pending.json beside staged files is refused naming it and what to do; a new save replaces both', () => {
  const dir = path.join(root, 'garbage-record-staged');
  saveCheckpoint(dir, version(1));
  fs.writeFileSync(path.join(dir, 'model.safetensors.next'), encodeSafetensors(version(2).weights));
  fs.writeFileSync(path.join(dir, 'checkpoint.pending.json'), '{"files": ');
  assert.throws(() => loadCheckpoint(dir), (err: Error) => {
    assert.match(err.message, /garbage-record-staged\/checkpoint\.pending\.json: not a pending-checkpoint record/);
    assert.match(err.message, /staged files model\.safetensors\.next/);
    assert.match(err.message, /Delete checkpoint\.pending\.json to keep the files in place/);
    return true;
  });
  saveCheckpoint(dir, version(3));
  assert.equal(loadedVersion(dir), 3);
  assert.deepEqual(fs.readdirSync(dir).filter((f) => f.endsWith('.next') || f.includes('pending')), []);
});

// Defect 11 of issue 11: the temp files of killed saves (`*.tmp-<pid>-<hex>`) piled up.
test('temp files of dead writers are removed at the next save and at the next load; those of running processes stay', async () => {
  const dir = path.join(root, 'stale-temps');
  saveCheckpoint(dir, version(1));
  const dead = spawn(process.execPath, ['-e', '']);
  const deadPid = await new Promise<number>((resolve) => dead.on('exit', () => resolve(dead.pid!)));
  const deadTemps = [`model.safetensors.next.tmp-${deadPid}-0badf00d`, `optimizer.safetensors.tmp-${deadPid}-0badf00d`];
  const liveTemps = [`model.safetensors.tmp-${process.pid}-00c0ffee`, `config.json.tmp-${process.ppid}-00c0ffee`];
  const make = () => [...deadTemps, ...liveTemps].forEach((f) => fs.writeFileSync(path.join(dir, f), 'half a file'));
  const temps = () => fs.readdirSync(dir).filter((f) => f.includes('.tmp-')).sort();
  make();
  saveCheckpoint(dir, version(2));
  assert.deepEqual(temps(), [...liveTemps].sort());
  make();
  assert.equal(loadedVersion(dir), 2);
  assert.deepEqual(temps(), [...liveTemps].sort());
});
