// The LRU layer against outputs computed independently in numpy (scripts/golden/make_golden.py):
// complex λ = exp(−exp(ν) + i·exp(θ)), γ-normalised input B u, y = Re(C h) + D ⊙ u, then GELU and
// the GLU; whole-sequence forward (every scan algorithm) and step by step.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Tensor } from '../../src/tensor/tensor.js';
import { noGrad } from '../../src/autograd/tape.js';
import { LRUMixer } from '../../src/ssm/lru.js';
import type { ScanAlgorithm } from '../../src/ops/index.js';

interface Named { shape: number[]; data: number[] }
const golden = fileURLToPath(new URL('../../../test/fixtures/golden/lru.json', import.meta.url)); // dist/test/ssm → test/fixtures
const fixture = JSON.parse(fs.readFileSync(golden, 'utf8')) as { hidden_size: number; state_size: number; weights: Record<string, Named>; u: Named; out: Named };
const [batch, L, D] = fixture.u.shape;

function goldenLru(algorithm?: ScanAlgorithm): LRUMixer {
  const mixer = new LRUMixer({ hidden_size: fixture.hidden_size }, { stateSize: fixture.state_size, algorithm });
  const dict = new Map(Object.entries(fixture.weights).map(([name, t]) => [name, { shape: t.shape, data: Float32Array.from(t.data) }]));
  mixer.loadStateDict(dict);
  return mixer;
}

/** |got − want| ≤ 1e-5·(1 + |want|): f32 against float64 over 7 steps of a contraction (|λ| < 0.95); measured ≤ 1e-7. */
function assertGolden(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(got[i] - want[i]) <= 1e-5 * (1 + Math.abs(want[i])))) assert.fail(`${what}[${i}]: got ${got[i]}, numpy gives ${want[i]}`);
  }
}

for (const algorithm of ['sequential', 'hillis-steele', 'blelloch', 'chunked'] as const) {
  test(`the LRU forward (${algorithm} scan) gives numpy's outputs`, () => {
    const out = noGrad(() => goldenLru(algorithm).forward(new Tensor(Float32Array.from(fixture.u.data), [batch, L, D])));
    assertGolden(out.data, fixture.out.data, 'forward');
  });
}

test('the LRU step by step gives numpy\'s outputs at every position', () => {
  const mixer = goldenLru();
  const state = mixer.initState(batch);
  for (let t = 0; t < L; t++) {
    const ut = new Float32Array(batch * D);
    const want: number[] = [];
    for (let b = 0; b < batch; b++) {
      ut.set(fixture.u.data.slice((b * L + t) * D, (b * L + t + 1) * D), b * D);
      want.push(...fixture.out.data.slice((b * L + t) * D, (b * L + t + 1) * D));
    }
    assertGolden(mixer.step(new Tensor(ut, [batch, D]), state).data, want, `step t=${t}`);
  }
});
