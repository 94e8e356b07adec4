// `mamba-ts experiment`: every registry entry is a subcommand with the common options and its own.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Command } from 'commander';
import { EXPERIMENTS, type ExperimentOptions } from '../../src/experiments/registry.js';
import { experimentCommand, parseSeeds } from '../../src/cli/experiment.js';

test('an entry added to the registry runs as `experiment <name>` with the common options and its own', async () => {
  let got: ExperimentOptions | undefined;
  EXPERIMENTS.push({
    name: 'probe',
    description: 'a test entry',
    options: [{ flags: '--max-length <n>', description: 'longest L', parse: Number, default: 256 }],
    run: async (o) => {
      got = o;
    },
  });
  try {
    const program = new Command('mamba-ts').exitOverride();
    experimentCommand(program).exitOverride();
    await program.parseAsync(['experiment', 'probe', '--quick', '--seeds', '2,5', '--max-length', '512'], { from: 'user' });
    assert.equal(got?.quick, true);
    assert.deepEqual(got?.seeds, [2, 5]);
    assert.equal(got?.out, 'docs/results');
    assert.equal(got?.maxLength, 512);
    assert.equal(got?.data, undefined);
  } finally {
    EXPERIMENTS.pop();
  }
});

test('--seeds takes distinct non-negative integers and says what it expected otherwise', () => {
  assert.deepEqual(parseSeeds('0, 1,2'), [0, 1, 2]);
  assert.throws(() => parseSeeds('1,x'), /comma-separated non-negative integers/);
  assert.throws(() => parseSeeds('1,1'), /seeds repeat/);
});
