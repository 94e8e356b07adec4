// `experiment generation --quick` at tiny sizes: step times and state bytes against the context,
// throughput per batch, and the page and plots that report them.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findExperiment } from '../../src/experiments/registry.js';

test('generation measures both models at equal size: a constant Mamba state, a KV cache that grows with the context', async () => {
  const out = mkdtempSync(join(tmpdir(), 'mamba-ts-gen-'));
  try {
    await findExperiment('generation').run({ quick: true, out, params: 100_000, maxContext: 64, maxBatch: 2, prompt: 8 });
    const json = JSON.parse(readFileSync(join(out, 'generation.json'), 'utf8'));
    const { mamba, transformer } = json.models;
    for (const m of [mamba, transformer]) assert.ok(Math.abs(m.params - 100_000) <= 5000, `${m.params} parameters`);
    const state = (arch: string) => json.contextPoints.filter((p: { arch: string }) => p.arch === arch).map((p: { stateBytes: number }) => p.stateBytes);
    assert.equal(new Set(state('mamba')).size, 1, 'the Mamba state has one size at every context');
    const kv = state('transformer');
    assert.ok(kv[kv.length - 1] > kv[1] && kv[1] > kv[0], `the KV cache grows: ${kv}`);
    assert.deepEqual(json.throughput.map((p: { batch: number }) => p.batch), [1, 1, 2, 2]);
    for (const p of json.throughput) assert.ok(p.decodeTokensPerSec > 0 && p.endToEndTokensPerSec > 0 && p.generated > 0);
    const md = readFileSync(join(out, 'generation.md'), 'utf8');
    for (const heading of ['**Answer here:**', '## Setup', '## Command', '## Published figure beside ours', 'load average']) assert.ok(md.includes(heading), heading);
    for (const f of ['step-time', 'state-bytes', 'throughput']) for (const ext of ['svg', 'png']) assert.ok(existsSync(join(out, `generation-${f}.${ext}`)), `${f}.${ext}`);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
