// What every experiment page says about the machine it ran on: nothing when it was idle, a mild
// note when one more job shared it, a warning when it was heavily loaded.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadCaveat, machine, type RunRecord } from '../../src/experiments/report.js';

const at = (start: number, end?: number): RunRecord => ({
  experiment: 'x', command: 'mamba-ts experiment x', seconds: 1,
  machine: { ...machine(), cores: 2, loadavg: [start, start, start] }, ...(end !== undefined ? { loadavgEnd: [end, end, end] } : {}),
});

test('a page says nothing of the load at or below the core count, notes a shared machine up to 1.5× it, and warns above', () => {
  assert.equal(loadCaveat(at(1.4, 2)), '');
  assert.match(loadCaveat(at(1.4, 2.1)), /^\*\*The machine was shared during this run\*\* \(load average up to 2\.1 on 2 cores/);
  assert.match(loadCaveat(at(5)), /^\*\*The machine was heavily loaded during this run\*\* \(load average up to 5\.0 on 2 cores/);
});
