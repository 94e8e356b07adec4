// Arenas (src/kernels/memory.ts) on the wasm backend: op outputs inside withArena live in the
// wasm memory and are released (and reused) when it closes; nothing that outlives it is left
// there: parameter gradients are copied out, and a tensor cannot be returned.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend, wasmRuntime } from '../../src/kernels/index.js';
import { backendName, setBackend } from '../../src/kernels/backend.js';
import { allocArray, inArena, withArena } from '../../src/kernels/memory.js';
import { backward, noGrad } from '../../src/autograd/tape.js';
import { Tensor, fromArray } from '../../src/tensor/tensor.js';
import { Rng } from '../../src/tensor/random.js';
import { ssd } from '../../src/ops/ssd.js';
import { LanguageModel } from '../../src/models/language_model.js';
import { modelConfig, type BackboneConfig } from '../../src/models/config.js';
import { assertBitIdentical, randArray } from './wasm_helpers.js';

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

// Inference (no tape) runs each block in an arena of its own that keeps only its output
// (LanguageModel.hidden, withLayerArena), and the SSD kernel releases its scratch on return:
// without them a 24-layer mamba2-130m-shaped prefill of 512 tokens held 2.5 GB of arena.
const mamba2 = (layers: number) =>
  modelConfig({ model_type: 'mamba2', vocab_size: 11, hidden_size: 32, num_hidden_layers: layers, num_heads: 4, head_dim: 16, n_groups: 1, state_size: 8, expand: 2, chunk_size: 8 }) as BackboneConfig;

/** The arena's high-water mark over one inference forward of `length` tokens in a fresh arena, and its logits. */
function inferencePeak(model: LanguageModel, ids: Int32Array): { peak: number; logits: Float32Array } {
  return noGrad(() => {
    const state = model.initState(1); // outside the arena: it holds a state per layer
    rt.resetArenaPeak();
    const logits = withArena(() => model.forward(ids, 1, ids.length, state).data.slice());
    return { peak: rt.arenaPeak, logits };
  });
}

test('an inference forward holds one block\'s temporaries at a time: its arena peak grows by one hidden state per layer', () => {
  const L = 20; // two and a half chunks of 8
  const ids = Int32Array.from({ length: L }, (_, i) => (i * 7) % 11);
  const hiddenBytes = Math.ceil((L * 32 * 4) / 64) * 64; // [1, L, D] floats, 64-byte blocks
  const one = inferencePeak(new LanguageModel(mamba2(1), { seed: 1 }), ids).peak;
  const six = inferencePeak(new LanguageModel(mamba2(6), { seed: 1 }), ids).peak;
  assert.ok(six - one <= 5 * hiddenBytes, `6 layers peak at ${six} bytes, 1 layer at ${one}: more than 5 kept hidden states (${hiddenBytes} bytes each) apart`);
});

test('the per-block arenas change no logit (released memory poisoned), against the forward the tape records', () => {
  const model = new LanguageModel(mamba2(3), { seed: 2 });
  const ids = Int32Array.from({ length: 20 }, (_, i) => (i * 5 + 3) % 11);
  rt.poisonReleased = true;
  const scoped = inferencePeak(model, ids).logits;
  const recorded = withArena(() => model.forward(ids, 1, 20, model.initState(1)).data.slice());
  rt.poisonReleased = false;
  assertBitIdentical(scoped, recorded, 'logits');
});

test('the wasm SSD kernel leaves nothing in the arena beyond the op\'s outputs', () => {
  const [B, L, H, P, G, N, T] = [1, 20, 4, 16, 1, 8, 8];
  const rng = new Rng(4);
  const t = (shape: number[], lo = -1, hi = 1) => new Tensor(randArray(shape.reduce((a, b) => a * b), rng, lo, hi), shape);
  const block = (floats: number) => Math.ceil((floats * 4) / 64) * 64;
  noGrad(() => withArena(() => {
    const before = rt.arenaHeld;
    ssd(t([B, L, H, P]), t([B, L, H]), t([H], -2, -0.5), t([B, L, G, N]), t([B, L, G, N]), t([H]), t([H]), { chunkSize: T });
    const outputs = block(B * L * H * P) + block(B * L * H) + block(B * Math.ceil(L / T) * H * P * N); // y, Δ, chunk states
    assert.equal(rt.arenaHeld - before, outputs);
  }));
});
