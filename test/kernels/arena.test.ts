// Arenas (src/kernels/memory.ts) on the wasm backend: op outputs inside withArena live in the
// wasm memory and are released (and reused) when it closes; nothing that outlives it is left
// there: parameter gradients are copied out, and a tensor cannot be returned.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend, wasmRuntime } from '../../src/kernels/index.js';
import { backendName, setBackend } from '../../src/kernels/backend.js';
import { allocArray, inArena, withArena } from '../../src/kernels/memory.js';
import { backward } from '../../src/autograd/tape.js';
import { fromArray } from '../../src/tensor/tensor.js';
import { LanguageModel } from '../../src/models/language_model.js';
import { modelConfig } from '../../src/models/config.js';
import { assertBitIdentical } from './wasm_helpers.js';

const previous = backendName();
assert.equal(await initBackend('wasm'), 'wasm');
const rt = wasmRuntime()!;
test.after(() => setBackend(previous));

test('arena arrays: resident and zeroed inside, plain outside, NaN after release when poisoning, memory reused', () => {
  rt.poisonReleased = true;
  let inside: Float32Array | null = null;
  const address = withArena(() => {
    assert.ok(inArena());
    inside = allocArray(1000);
    assert.ok(rt.isResident(inside) && inside.every((v) => v === 0));
    inside.fill(3);
    return inside.byteOffset;
  });
  assert.ok(!inArena());
  assert.ok(Number.isNaN(inside![0]) && Number.isNaN(inside![999]), 'released memory is poisoned');
  assert.ok(!rt.isResident(allocArray(10)), 'outside an arena: a plain array');
  assert.equal(withArena(() => allocArray(1000).byteOffset), address, 'the next arena reuses the block');
  rt.poisonReleased = false;
});

test('nested arenas release only their own blocks; a tensor result is refused and the arena still closes', () => {
  withArena(() => {
    const outer = allocArray(64);
    outer.fill(1);
    withArena(() => allocArray(64).fill(2));
    assert.ok(outer.every((v) => v === 1));
  });
  assert.throws(() => withArena(() => fromArray([1, 2])), /returned a tensor/);
  assert.ok(!inArena());
});

test('a training step inside an arena gives the same loss and gradients, and the gradients outlive it', () => {
  const config = modelConfig({ vocab_size: 11, hidden_size: 16, num_hidden_layers: 2, state_size: 4 });
  const inputs = Int32Array.from({ length: 24 }, (_, i) => (i * 7) % 11);
  const targets = Int32Array.from({ length: 24 }, (_, i) => (i * 5 + 1) % 11);
  const run = (arena: boolean) => {
    const model = new LanguageModel(config, { seed: 3 });
    const step = () => {
      const loss = model.loss(inputs, targets, 2, 12);
      backward(loss);
      return loss.item();
    };
    rt.poisonReleased = true;
    const loss = arena ? withArena(step) : step();
    rt.poisonReleased = false;
    return { loss, grads: model.parameters().map((p) => p.grad!) };
  };
  const plain = run(false);
  const scoped = run(true);
  assert.equal(scoped.loss, plain.loss);
  // Released arena memory is poisoned with NaN: equal gradients were not left in the arena.
  scoped.grads.forEach((g, i) => assertBitIdentical(g, plain.grads[i], `gradient ${i}`));
});

test('a parameter keeps its gradient array from step to step (written in place, never reallocated)', () => {
  const config = modelConfig({ vocab_size: 11, hidden_size: 16, num_hidden_layers: 2, state_size: 4 });
  const model = new LanguageModel(config, { seed: 3 });
  const ids = Int32Array.from({ length: 24 }, (_, i) => (i * 7) % 11);
  const step = () => {
    model.zeroGrad();
    withArena(() => backward(model.loss(ids, ids, 2, 12)));
    return model.parameters().map((p) => p.grad!);
  };
  const first = step();
  const firstValues = first.map((g) => g.slice());
  const second = step();
  second.forEach((g, i) => {
    assert.equal(g, first[i], `parameter ${i}: the same array`);
    assertBitIdentical(g, firstValues[i], `parameter ${i}: the same batch gives the same gradient, not twice it`);
  });
});
