// The parameter matcher behind the equal-size comparisons: its counts are the built models', and
// it finds widths within 5 % of each target for every architecture.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ARCHS, archConfig, countParams, depthFor, matchParams } from '../../src/experiments/param_match.js';
import { createModel } from '../../src/models/create.js';

test('countParams counts what the built model holds, for every architecture', () => {
  for (const arch of ARCHS) {
    const config = archConfig(arch, 24, { layers: 2, vocab: 37 });
    assert.equal(countParams(config), createModel(config).parameterCount(), arch);
  }
});

test('matchParams finds a width within 5 % of 0.5M, 2M and 8M parameters for Mamba, Transformer++, S4D and LRU', () => {
  for (const target of [5e5, 2e6, 8e6]) {
    const counts = ARCHS.map((arch) => {
      const m = matchParams(arch, target, { layers: depthFor(target)[arch], vocab: 80 });
      assert.ok(Math.abs(m.params - target) <= 0.05 * target, `${arch} at ${target}: ${m.params} (D ${m.hidden})`);
      assert.equal(m.params, countParams(m.config));
      return m.params;
    });
    assert.ok(Math.max(...counts) <= 1.05 * Math.min(...counts), `the four are within 5 % of each other at ${target}: ${counts.join(', ')}`);
  }
});

test('matchParams says so when no width comes within the tolerance', () => {
  assert.throws(() => matchParams('mamba', 3000, { layers: 12, vocab: 80 }), /mamba with 12 layers has no width within 5 % of 3,000 parameters .*change the number of layers/);
});
