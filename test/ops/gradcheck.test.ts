// Every op in the registry passes a finite-difference gradient check on several shapes;
// an op registered without a case fails this suite.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import '../../src/index.js';
import { OP_REGISTRY } from '../../src/autograd/tape.js';
import { Rng } from '../../src/tensor/random.js';
import { gradCheck } from '../helpers.js';
import { allCases } from '../gradcases/index.js';

test('every registered op has at least one gradient-check case', () => {
  const missing = [...OP_REGISTRY].filter((op) => !(op in allCases) || allCases[op].length === 0);
  assert.deepEqual(missing, [], `ops without a gradient check: ${missing.join(', ')}`);
});

for (const [op, cases] of Object.entries(allCases)) {
  for (const c of cases) {
    test(`${op} gradient matches finite differences: ${c.name}`, () => {
      const rng = new Rng(op.length * 7919 + c.name.length);
      gradCheck(c.fn, c.inputs(rng), c.options);
    });
  }
}
