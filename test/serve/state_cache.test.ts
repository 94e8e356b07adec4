// The state cache: longest cached prefix, least recently used eviction under the byte bound.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StateCache } from '../../src/serve/state_cache.js';

const ids = (...x: number[]) => Int32Array.from(x);
const state = (v: number) => [new Float32Array(4).fill(v)];
const logits = new Float32Array(2);
/** ids, 4 state floats and 2 logits, 4 bytes each. */
const bytes = (n: number) => 4 * (n + 4 + 2);

test('lookup returns the longest cached prefix of the ids, or null', () => {
  const c = new StateCache(1 << 20);
  c.insert(ids(1, 2), state(2), logits);
  c.insert(ids(1, 2, 3, 4), state(4), logits);
  c.insert(ids(9), state(9), logits);
  assert.equal(c.lookup(ids(1, 2, 3, 4, 5))!.state[0][0], 4);
  assert.equal(c.lookup(ids(1, 2, 3))!.state[0][0], 2);
  assert.equal(c.lookup(ids(1, 2, 3, 4))!.ids.length, 4);
  assert.equal(c.lookup(ids(2, 1)), null);
  assert.equal(c.lookup(ids(1, 2, 3), 1), null, 'maxLength bounds the prefix');
});

test('the byte bound evicts the least recently used entries first', () => {
  const c = new StateCache(bytes(1) + bytes(2) + bytes(3));
  c.insert(ids(1), state(1), logits);
  c.insert(ids(2, 2), state(2), logits);
  c.insert(ids(3, 3, 3), state(3), logits);
  assert.equal(c.bytes, bytes(1) + bytes(2) + bytes(3));
  c.lookup(ids(1)); // 1 is now the most recent: 2 goes first
  c.insert(ids(4), state(4), logits);
  assert.ok(c.bytes <= c.maxBytes);
  assert.equal(c.has(ids(2, 2)), false);
  assert.equal(c.has(ids(1)), true);
  assert.equal(c.has(ids(3, 3, 3)), true);
  assert.equal(c.has(ids(4)), true);
});

test('an entry larger than the whole bound is not kept; re-inserting replaces', () => {
  const c = new StateCache(bytes(2));
  c.insert(ids(1, 2, 3), state(1), logits);
  assert.equal(c.size, 0);
  c.insert(ids(1), state(1), logits);
  c.insert(ids(1), state(5), logits);
  assert.equal(c.size, 1);
  assert.equal(c.bytes, bytes(1));
  assert.equal(c.lookup(ids(1))!.state[0][0], 5);
});
