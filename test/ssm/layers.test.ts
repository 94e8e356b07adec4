// DESIGN.md's layers: each folder imports only from the layers above it. The sequence mixers
// (src/ssm) are below the models, so nothing there may import from src/models (the mixer
// interface lives in src/ssm/mixer.ts); the ops and layers import neither.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const src = fileURLToPath(new URL('../../../src/', import.meta.url)); // dist/test/ssm → src

function importsOf(folder: string): Array<{ file: string; from: string }> {
  const out: Array<{ file: string; from: string }> = [];
  for (const name of fs.readdirSync(path.join(src, folder))) {
    if (!name.endsWith('.ts')) continue;
    const text = fs.readFileSync(path.join(src, folder, name), 'utf8');
    for (const m of text.matchAll(/from '([^']+)'/g)) out.push({ file: `${folder}/${name}`, from: m[1] });
  }
  return out;
}

for (const [folder, forbidden] of [['ssm', ['models', 'io', 'train', 'cli']], ['ops', ['nn', 'ssm', 'models']], ['nn', ['ssm', 'models']]] as const) {
  test(`src/${folder} imports nothing from ${forbidden.map((f) => `src/${f}`).join(', ')}`, () => {
    const bad = importsOf(folder).filter(({ from }) => forbidden.some((f) => from.startsWith(`../${f}/`)));
    assert.deepEqual(bad, []);
  });
}
