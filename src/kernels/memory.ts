// Where op outputs live. By default in plain Float32Arrays. Inside withArena(fn) on the wasm
// backend, in blocks of the WebAssembly memory that the kernels read and write in place (no
// copies in or out), all released together when fn returns: a training step allocates its
// activations and gradients there and the next step reuses the same memory.
//
// The rule that makes this safe: nothing allocated inside an arena may be used after it closes.
// withArena refuses to return a tensor; parameter gradients, which outlive the step, go to
// arrays each parameter keeps (autograd's keepGradArray, resident); states that outlive a call
// (generation) are allocated with residentCopy, never in an arena.

import { Tensor } from '../tensor/tensor.js';
import { kernels } from './backend.js';

let depth = 0;

/** A zeroed array of n floats: in the innermost open arena when the backend has one, else plain. */
export function allocArray(n: number): Float32Array {
  if (depth > 0) {
    const a = kernels().arenaArray(n);
    if (a) return a;
  }
  return new Float32Array(n);
}

/**
 * An array of n floats that the caller overwrites entirely before reading it (a kernel's output):
 * as allocArray, except that an arena block is not zeroed first. (The test suite poisons released
 * arena memory with NaN, so an op that reads what it did not write fails its tests.)
 */
export function allocOutput(n: number): Float32Array {
  if (depth > 0) {
    const a = kernels().arenaArray(n, false);
    if (a) return a;
  }
  return new Float32Array(n);
}

/**
 * Runs fn with op outputs allocated in an arena released when fn returns (see above). Return
 * numbers or plain data from fn; returning a Tensor (whose data the arena may hold) is an error.
 */
export function withArena<T>(fn: () => T): T {
  const k = kernels();
  k.openArena();
  depth++;
  try {
    const result = fn();
    if (result instanceof Tensor || (Array.isArray(result) && result.some((r) => r instanceof Tensor))) {
      throw new Error('withArena: fn returned a tensor, whose memory is released with the arena; return numbers (e.g. loss.item()) or copies');
    }
    return result;
  } finally {
    depth--;
    k.closeArena();
  }
}

/**
 * Runs fn, which returns a tensor, in an arena of its own and returns that tensor copied to where
 * the caller's allocations go (the open arena, or a plain array): for inference, where everything
 * else fn allocated is dead once it returns, so that a forward through n layers holds one layer's
 * temporaries at a time, not n. A result the tape recorded (its backward would read fn's released
 * temporaries) is refused: run fn under noGrad.
 */
export function withLayerArena(fn: () => Tensor): Tensor {
  const [data, shape] = withArena(() => {
    const t = fn();
    if (t.node) throw new Error('withLayerArena: fn recorded its ops for a backward, which would read the released arena; run it under noGrad');
    return [t.data.slice(), t.shape] as const;
  });
  const kept = allocOutput(data.length);
  kept.set(data);
  return new Tensor(kept, shape);
}

/** Whether arrays allocated now go to an arena (for code that must copy what outlives it). */
export function inArena(): boolean {
  return depth > 0;
}
