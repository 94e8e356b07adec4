// The control block's layout, the job kinds and every job's parameter slots have one definition,
// src/kernels/wasm/slots.ts, that the TypeScript side and the AssemblyScript kernels both compile:
// these tests keep it that way (no number of its own in either control.ts, no numbered
// parameter slot in a kernel or a wrapper) and check that the layout holds together.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findProjectRoot } from '../../src/kernels/wasm/index.js';
import * as slots from '../../src/kernels/wasm/slots.js';

const root = await findProjectRoot();
const read = (...path: string[]) => readFileSync(join(root, ...path), 'utf8');
const sources = (dir: string) => readdirSync(join(root, dir)).filter((f) => f.endsWith('.ts')).map((f) => ({ file: `${dir}/${f}`, text: read(dir, f) }));
/** The job parameter enums: objects among slots.ts's exports. */
const paramEnums = Object.entries(slots as Record<string, unknown>).filter((e): e is [string, Record<string, number>] => typeof e[1] === 'object');

test('both control.ts files take every slot and job number from slots.ts and define none of their own', () => {
  for (const file of ['assembly/control.ts', 'src/kernels/wasm/control.ts']) {
    const text = read(file);
    assert.match(text, /export \* from '[./a-z/]*slots(\.js)?';/, `${file} re-exports slots.ts`);
    const own = text.match(/^export (const|enum) \w+/gm) ?? [];
    assert.deepEqual(own, [], `${file} defines no constant or enum of its own`);
  }
});

test('kernels and their wrappers name every parameter slot: no param(ctl, 3) in assembly/, no setParams([...]) in src/', () => {
  for (const { file, text } of sources('assembly')) {
    assert.doesNotMatch(text, /\bparamF?\(ctl, \d/, `${file} reads a parameter by number`);
  }
  for (const { file, text } of sources('src/kernels/wasm')) {
    assert.doesNotMatch(text, /setParams\(\[/, `${file} writes parameters by position`);
  }
});

test('every job\'s parameters fit between PARAMS and PHASES, and the control block\'s regions do not overlap', () => {
  assert.ok(paramEnums.length >= 19, `${paramEnums.length} parameter enums`);
  for (const [name, e] of paramEnums) {
    const values = Object.values(e).filter((v) => typeof v === 'number');
    assert.deepEqual(values, values.map((_, i) => i), `${name}: slots 0, 1, 2, … in order`);
    assert.ok(slots.PARAMS + values.length <= slots.PHASES, `${name}: ${values.length} parameters fit ${slots.PHASES - slots.PARAMS} slots`);
  }
  const header = [slots.WORKER_TASKS, slots.CLAIM, slots.NTASKS, slots.DONE, slots.ERROR, slots.KIND, slots.SCRATCH, slots.SCRATCH_STRIDE, slots.THREADS];
  assert.deepEqual(header, [0, 1, 2, 3, 4, 5, 6, 7, 8]);
  assert.equal(slots.PARAMS, header.length);
  assert.equal(slots.PHASE_ENDS, slots.PHASES + 1);
  assert.ok(slots.PHASE_ENDS + slots.MAX_PHASES <= slots.GEN, 'the phase ends end before GEN\'s cache line');
  assert.equal(slots.GEN % 16, 0, 'GEN starts a 64-byte line');
  assert.ok(slots.GEN < slots.STARTED && slots.STARTED < slots.SLOTS);
  const kinds = Object.entries(slots as Record<string, unknown>).filter(([k]) => k.startsWith('JOB_')).map(([, v]) => v as number);
  assert.equal(new Set(kinds).size, kinds.length, 'job kinds are distinct');
});
