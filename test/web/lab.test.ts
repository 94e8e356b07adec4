// web/src/lab.ts, the lab page's model work, in Node: presets build every architecture, training
// lowers the loss, and the folder it saves is a model folder the CLI's loader reads back with the
// same logits (so the page's .zip continues with `mamba-ts generate --model`).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Lab, ARCHS, configFor } from '../../web/src/lab.js';
import { loadModelFolder } from '../../src/io/model_folder.js';
import { noGrad } from '../../src/autograd/tape.js';

const text = 'Call me Ishmael. Some years ago, never mind how long precisely, having little or no money in my purse. '.repeat(40);

test('every architecture of the lab builds at every preset, with the size the preset names', () => {
  for (const arch of ARCHS) {
    const c = configFor(arch, 'small', 40);
    assert.equal(c.hidden_size, 64, arch);
    assert.equal(c.num_hidden_layers, 4, arch);
    assert.equal(c.model_type, arch === 'transformer' ? 'llama' : arch === 'mamba2' ? 'mamba2' : 'mamba');
  }
});

test('the lab trains a tiny model on a text: the loss falls within 15 steps', () => {
  const lab = Lab.forText(text, { arch: 'mamba', preset: 'tiny', steps: 15 });
  const losses = Array.from({ length: 15 }, () => lab.trainStep().loss);
  assert.ok(losses[14] < losses[0] - 0.5, losses.map((l) => l.toFixed(2)).join(' '));
  assert.ok(Number.isFinite(lab.validate()));
});

test('a folder the lab saves loads in the CLI\'s loader and back in the lab with the same logits', () => {
  for (const arch of ['mamba', 'mamba2', 'transformer', 'lru'] as const) {
    const lab = Lab.forText(text, { arch, preset: 'tiny', steps: 2 });
    lab.trainStep();
    const files = lab.save();
    const dir = mkdtempSync(join(tmpdir(), 'mamba-ts-lab-'));
    try {
      for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, name), bytes);
      const { model, tokenizer } = loadModelFolder(dir, { requireTokenizer: true });
      const ids = tokenizer!.encode('Call me');
      assert.deepEqual(noGrad(() => model.forward(ids, 1, ids.length)).data, lab.logits('Call me'), `${arch}: the CLI's loader`);
      assert.deepEqual(Lab.fromFolder(files).logits('Call me'), lab.logits('Call me'), `${arch}: the lab's loader`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});

test('generation streams the decoded text piece by piece, as many tokens as asked', () => {
  const lab = Lab.forText(text, { arch: 's4d', preset: 'tiny', steps: 1 });
  const pieces: string[] = [];
  const n = lab.generate('Call', { maxTokens: 12, temperature: 0.8, topK: 5, topP: 0.9 }, (p) => void pieces.push(p));
  assert.equal(n, 12);
  assert.equal([...pieces.join('')].length, 12);
});

test('a folder without its weights is refused, naming the file', () => {
  const files = Lab.forText(text, { arch: 'mamba', preset: 'tiny', steps: 1 }).save();
  delete files['model.safetensors'];
  assert.throws(() => Lab.fromFolder(files), /the folder has no model.safetensors/);
});
