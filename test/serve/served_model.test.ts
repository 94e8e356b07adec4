// The model folder as the server reads it: config.json as Python writes it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tinyModelFolder } from './fixture.js';
import { loadServedModel } from '../../src/serve/served_model.js';
import type { Mamba2Config } from '../../src/models/config.js';

test("a Mamba-2 folder whose config.json holds a bare Infinity (transformers 4's time_step_limit) is served", () => {
  const folder = tinyModelFolder({ arch: 'mamba2' });
  try {
    const file = join(folder.dir, 'config.json');
    const text = readFileSync(file, 'utf8').replace(/\{\s*"__float__":\s*"Infinity"\s*\}/, 'Infinity');
    assert.match(text, /\[\s*0\.001,\s*Infinity\s*\]/);
    writeFileSync(file, text);
    const served = loadServedModel(folder.dir);
    assert.deepEqual((served.model.config as Mamba2Config).time_step_limit, [0.001, Infinity]);
    assert.equal(served.model.initState(1).layers.length, 2);
  } finally {
    folder.remove();
  }
});
