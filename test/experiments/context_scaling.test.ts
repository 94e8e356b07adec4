// `experiment context-scaling --quick` at tiny sizes: each point runs in a child process, and the
// page, the JSON of every point and both plots are written with the expected fields.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findExperiment } from '../../src/experiments/registry.js';

test('context-scaling writes its page, the JSON of every point and log-log plots of time and memory', async () => {
  const out = mkdtempSync(join(tmpdir(), 'mamba-ts-cs-'));
  try {
    await findExperiment('context-scaling').run({ quick: true, out, minLength: 16, maxLength: 32, tokens: 32, width: 16 });
    const json = JSON.parse(readFileSync(join(out, 'context-scaling.json'), 'utf8'));
    assert.equal(json.points.length, 4 * 2, 'four ops at two lengths');
    for (const p of json.points) {
      assert.equal(p.B * p.L, 32, 'the tokens per step are fixed');
      assert.ok(p.usPerToken > 0 && p.peakBytes >= 0, JSON.stringify(p));
    }
    assert.deepEqual(json.machine.loadavg.length, 3);
    const md = readFileSync(join(out, 'context-scaling.md'), 'utf8');
    for (const heading of ['**Answer here:**', '## Setup', '## Command', '## Published figure beside ours', 'load average']) assert.ok(md.includes(heading), heading);
    for (const f of ['time', 'memory']) for (const ext of ['svg', 'png']) assert.ok(existsSync(join(out, `context-scaling-${f}.${ext}`)), `${f}.${ext}`);
    assert.match(readFileSync(join(out, 'context-scaling-time.svg'), 'utf8'), /time per token \(µs, log\)/);
    // --replot writes the same page again from the JSON alone, without measuring.
    rmSync(join(out, 'context-scaling.md'));
    await findExperiment('context-scaling').replot!({ quick: false, out });
    assert.equal(readFileSync(join(out, 'context-scaling.md'), 'utf8'), md);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
