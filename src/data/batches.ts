// Batches of token windows for language-model training: inputs are L consecutive tokens, targets
// the same window shifted by one (next-token prediction). Training draws windows at seeded random
// offsets; evaluation walks the split in order.

import { Rng, type RngState } from '../tensor/random.js';
import { checkSplitLength } from './split.js';

/** inputs and targets: [B * L] row-major (row b is one window). */
export interface TokenBatch {
  inputs: Int32Array;
  targets: Int32Array;
}

/** The sampler's whole state: the generator's, JSON-serialisable for trainer_state.json. */
export type BatchSamplerState = { s: RngState; spare: number | null };

export interface BatchOptions {
  batchSize: number;
  contextLength: number;
}

function checkOptions(where: string, opts: BatchOptions): void {
  for (const key of ['batchSize', 'contextLength'] as const) {
    const v = opts[key];
    if (!Number.isInteger(v) || v <= 0) throw new Error(`${where}: ${key} must be a positive integer, got ${v}`);
  }
}

/** Fills row b of a batch with the window starting at token `start`. */
function fillRow(tokens: Int32Array, start: number, b: number, L: number, batch: TokenBatch): void {
  batch.inputs.set(tokens.subarray(start, start + L), b * L);
  batch.targets.set(tokens.subarray(start + 1, start + L + 1), b * L);
}

export class BatchSampler {
  private readonly rng: Rng;
  private readonly batchSize: number;
  private readonly contextLength: number;

  constructor(
    private readonly tokens: Int32Array,
    opts: BatchOptions & { seed: number },
  ) {
    checkOptions('BatchSampler', opts);
    checkSplitLength('training', tokens, opts.contextLength);
    this.batchSize = opts.batchSize;
    this.contextLength = opts.contextLength;
    this.rng = new Rng(opts.seed);
  }

  /** B windows with starts uniform in [0, n − L − 1], so that every target exists. */
  next(): TokenBatch {
    const B = this.batchSize;
    const L = this.contextLength;
    const batch = { inputs: new Int32Array(B * L), targets: new Int32Array(B * L) };
    const starts = this.tokens.length - L;
    for (let b = 0; b < B; b++) fillRow(this.tokens, this.rng.int(starts), b, L, batch);
    return batch;
  }

  getState(): BatchSamplerState {
    return this.rng.getState();
  }

  /** Restores a state from getState() (possibly via JSON): the following batches are the same. */
  setState(state: BatchSamplerState): void {
    const s = (state as { s?: unknown } | null)?.s;
    const spare = (state as { spare?: unknown } | null)?.spare;
    const validWords = Array.isArray(s) && s.length === 4 && s.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffffffff);
    if (!validWords || !(spare === null || typeof spare === 'number')) {
      throw new Error(`BatchSampler.setState: expected {s: [4 unsigned 32-bit integers], spare: number | null}, got ${JSON.stringify(state)}`);
    }
    this.rng.setState({ s: s as RngState, spare: spare as number | null });
  }
}

/**
 * Consecutive non-overlapping windows from the start of `tokens`, B per batch (the last batch may
 * hold fewer rows: its size is inputs.length / L). Deterministic, for validation loss. Arguments
 * are checked at the call, not at the first iteration.
 */
export function evalBatches(tokens: Int32Array, opts: BatchOptions & { maxBatches?: number }): Generator<TokenBatch> {
  checkOptions('evalBatches', opts);
  checkSplitLength('validation', tokens, opts.contextLength);
  if (opts.maxBatches !== undefined && !(Number.isInteger(opts.maxBatches) && opts.maxBatches > 0)) {
    throw new Error(`evalBatches: maxBatches must be a positive integer, got ${opts.maxBatches}`);
  }
  return consecutiveWindows(tokens, opts.batchSize, opts.contextLength, opts.maxBatches ?? Infinity);
}

function* consecutiveWindows(tokens: Int32Array, B: number, L: number, maxBatches: number): Generator<TokenBatch> {
  const windows = Math.floor((tokens.length - 1) / L);
  for (let first = 0, n = 0; first < windows && n < maxBatches; first += B, n++) {
    const rows = Math.min(B, windows - first);
    const batch = { inputs: new Int32Array(rows * L), targets: new Int32Array(rows * L) };
    for (let b = 0; b < rows; b++) fillRow(tokens, (first + b) * L, b, L, batch);
    yield batch;
  }
}
