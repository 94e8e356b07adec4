// Multi-query associative recall (MQAR; Arora et al. 2023, "Zoology"): a sequence states P
// key-value pairs, then asks for every key again in a new order; at each asked key the model must
// predict its value. With many pairs the answer needs a memory of all of them at once, which is
// what a larger recurrent state should buy.
//   inputs:  k₁ v₁ k₂ v₂ … k_P v_P | q₁ _ q₂ _ … q_P _   (L = 4P; q a permutation of the keys, _ a filler token)
//   targets: the value of q_i at the position of q_i, IGNORE_INDEX elsewhere
// Keys are 0 … keys−1 (distinct within a sequence), values keys … keys+values−1 (may repeat), the
// filler keys+values. As in Zoology, an answer is never an input: were it one (q₁ a₁ q₂ a₂ …), the
// last query could be answered by elimination (the one value not yet given) without any recall.

import { Rng } from '../tensor/random.js';
import { IGNORE_INDEX, type TaskBatch } from './tasks.js';

export interface MqarOptions {
  pairs: number;
  /** Key tokens (at least pairs; default 4 · pairs) and value tokens (default the same). */
  keys?: number;
  values?: number;
  batch?: number;
  seed: number;
}

export function multiQueryRecall(o: MqarOptions): TaskBatch {
  const P = o.pairs;
  const K = o.keys ?? 4 * P;
  const V = o.values ?? K;
  const batch = o.batch ?? 1;
  for (const [name, v, min] of [['pairs', P, 1], ['keys', K, P], ['values', V, 2], ['batch', batch, 1]] as const) {
    if (!Number.isInteger(v) || v < min) throw new Error(`multiQueryRecall: ${name} must be an integer ≥ ${min}${name === 'keys' ? ' (the pairs need distinct keys)' : ''}, got ${v}`);
  }
  const L = 4 * P;
  const filler = K + V;
  const inputs = new Int32Array(batch * L);
  const targets = new Int32Array(batch * L).fill(IGNORE_INDEX);
  const rng = new Rng(o.seed);
  const perm = (n: number, k: number) => {
    const a = Array.from({ length: n }, (_, i) => i);
    for (let i = 0; i < k; i++) {
      const j = i + rng.int(n - i);
      [a[i], a[j]] = [a[j], a[i]];
    }
    return a.slice(0, k);
  };
  for (let b = 0; b < batch; b++) {
    const row = b * L;
    const keys = perm(K, P);
    const values = keys.map(() => K + rng.int(V));
    keys.forEach((k, i) => {
      inputs[row + 2 * i] = k;
      inputs[row + 2 * i + 1] = values[i];
    });
    perm(P, P).forEach((i, j) => {
      const at = row + 2 * P + 2 * j;
      inputs[at] = keys[i];
      inputs[at + 1] = filler;
      targets[at] = values[i];
    });
  }
  return { inputs, targets, batch, length: L, vocabSize: K + V + 1 };
}
