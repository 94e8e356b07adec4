// Shared test utilities: seeded random tensors, closeness checks, and the finite-difference
// gradient check every differentiable op must pass.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Tensor, sizeOf, Shape } from '../src/tensor/tensor.js';
import { Rng } from '../src/tensor/random.js';
import { backward, noGrad } from '../src/autograd/tape.js';

export function rand(shape: Shape, rng: Rng, opts: { low?: number; high?: number; grad?: boolean } = {}): Tensor {
  const low = opts.low ?? -1;
  const high = opts.high ?? 1;
  const data = new Float32Array(sizeOf(shape));
  for (let i = 0; i < data.length; i++) data[i] = low + (high - low) * rng.next();
  return new Tensor(data, shape, opts.grad ?? true);
}

/** Asserts |a - b| ≤ atol + rtol·|b| element-wise, naming the first offending index. */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, atol = 1e-5, rtol = 1e-5, what = 'values'): void {
  assert.equal(actual.length, expected.length, `${what}: length ${actual.length} vs ${expected.length}`);
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e)) && !(Number.isNaN(a) && Number.isNaN(e))) {
      assert.fail(`${what}[${i}]: got ${a}, expected ${e} (atol ${atol}, rtol ${rtol})`);
    }
  }
}

export interface GradCheckOptions {
  /** Finite-difference step. f32 data: 1e-2 keeps rounding error (~1e-7/eps) below truncation error (~eps²). */
  eps?: number;
  atol?: number;
  rtol?: number;
  /** At most this many elements per input are checked (chosen at random, always incl. the first and last). */
  maxChecks?: number;
  seed?: number;
}

/**
 * Compares autograd gradients of L = Σ w ⊙ fn(inputs) (w random, fixed) with central finite
 * differences, for every input that requires grad.
 */
export function gradCheck(fn: (...xs: Tensor[]) => Tensor, inputs: Tensor[], opts: GradCheckOptions = {}): void {
  const eps = opts.eps ?? 1e-2;
  const atol = opts.atol ?? 2e-3;
  const rtol = opts.rtol ?? 2e-2;
  const rng = new Rng(opts.seed ?? 1234);
  for (const x of inputs) x.grad = null;
  const out = fn(...inputs);
  const w = new Float32Array(out.size);
  for (let i = 0; i < w.length; i++) w[i] = rng.next() * 2 - 1;
  const lossAt = (): number =>
    noGrad(() => {
      const y = fn(...inputs);
      let s = 0;
      for (let i = 0; i < y.size; i++) s += w[i] * y.data[i];
      return s;
    });
  backward(out, w);
  inputs.forEach((x, xi) => {
    if (!x.requiresGrad) return;
    assert.ok(x.grad, `input ${xi}: no gradient was computed`);
    const grad = x.grad!;
    const maxChecks = opts.maxChecks ?? 40;
    const idx = new Set<number>([0, x.size - 1]);
    while (idx.size < Math.min(x.size, maxChecks)) idx.add(rng.int(x.size));
    for (const i of idx) {
      const orig = x.data[i];
      x.data[i] = orig + eps;
      const up = lossAt();
      x.data[i] = orig - eps;
      const down = lossAt();
      x.data[i] = orig;
      const numeric = (up - down) / (2 * eps);
      const analytic = grad[i];
      if (!(Math.abs(numeric - analytic) <= atol + rtol * Math.abs(numeric))) {
        assert.fail(`input ${xi} [${x.shape}] element ${i}: analytic ${analytic}, numeric ${numeric} (eps ${eps}, atol ${atol}, rtol ${rtol})`);
      }
    }
  });
}

/**
 * Runs `mamba-ts generate --model dir --prompt "call me" --max-tokens 12 --seed 2` (and `extra`)
 * on one thread as a user would, and asserts that it printed the prompt and 12 generated tokens.
 */
export function assertGenerates(dir: string, ...extra: string[]): void {
  const cli = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
  const gen = spawnSync(process.execPath, [cli, 'generate', '--model', dir, '--prompt', 'call me', '--max-tokens', '12', '--seed', '2', ...extra], {
    encoding: 'utf8',
    timeout: 30_000,
    env: { ...process.env, MAMBA_TS_THREADS: '1' },
  });
  assert.equal(gen.status, 0, gen.stderr);
  assert.ok(gen.stdout.startsWith('call me'), JSON.stringify(gen.stdout));
  assert.match(gen.stderr, /generated 12 tokens/);
}
