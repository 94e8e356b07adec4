// BlockHeap, the first-fit allocator of the wasm runtime's resident and arena arrays.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BlockHeap } from '../../src/kernels/wasm/blocks.js';

test('blocks are carved from the top, reused first-fit, merged when freed, and the top falls back', () => {
  const reserved: number[] = [];
  const heap = new BlockHeap(1000);
  const grow = (end: number) => reserved.push(end);
  const a = heap.alloc(64, grow);
  const b = heap.alloc(128, grow);
  const c = heap.alloc(64, grow);
  assert.deepEqual([a, b, c, heap.top], [1000, 1064, 1192, 1256]);
  assert.deepEqual(reserved, [1064, 1192, 1256], 'the memory is reserved before the top moves');

  heap.release(b, 128);
  assert.equal(heap.alloc(64, grow), 1064, 'first fit: the front of the freed block');
  assert.equal(heap.alloc(128, grow), 1256, 'what no free block holds comes from the top');
  heap.release(1064, 64);
  heap.release(a, 64); // merges with [1064, 1192): one free block [1000, 1192)
  assert.equal(heap.alloc(192, grow), 1000, 'merged neighbours hold a larger block');

  heap.release(1000, 192);
  heap.release(1256, 128); // the block at the top: the top falls to 1256
  assert.equal(heap.top, 1256);
  heap.release(c, 64); // frees [1192, 1256), merges down to 1000, and the top falls to the base
  assert.equal(heap.top, 1000);
});
