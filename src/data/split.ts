// The train/validation split of a token sequence, and the length checks that go with it.

/**
 * The first (1 − valFraction) of the tokens for training and the rest for validation: the same
 * corpus always splits the same way. Both are views into `tokens`, not copies.
 */
export function splitTrainVal(tokens: Int32Array, valFraction = 0.1): { train: Int32Array; val: Int32Array } {
  if (!(valFraction >= 0 && valFraction < 1)) throw new Error(`splitTrainVal: valFraction must be in [0, 1), got ${valFraction}`);
  const nTrain = tokens.length - Math.floor(tokens.length * valFraction);
  return { train: tokens.subarray(0, nTrain), val: tokens.subarray(nTrain) };
}

/** A window of L inputs needs L + 1 tokens (the targets are the inputs shifted by one). */
export function checkSplitLength(split: string, tokens: ArrayLike<number>, contextLength: number): void {
  if (tokens.length < contextLength + 1) {
    throw new Error(`corpus too short: ${split} split has ${tokens.length} tokens, need at least ${contextLength + 1} for context ${contextLength}`);
  }
}

/** Both splits of splitTrainVal must hold at least one window of `contextLength`. */
export function assertSplitLongEnough(splits: { train: ArrayLike<number>; val: ArrayLike<number> }, contextLength: number): void {
  checkSplitLength('training', splits.train, contextLength);
  checkSplitLength('validation', splits.val, contextLength);
}

/** The three splits of splitTrainValTest and where each starts in the corpus's tokens. */
export interface ThreeSplits {
  train: Int32Array;
  val: Int32Array;
  test: Int32Array;
  /** Token offsets [start, end) of each split in the whole sequence. */
  ranges: { train: [number, number]; val: [number, number]; test: [number, number] };
}

/**
 * Train / validation / test as three consecutive blocks: the first (1 − val − test) of the tokens,
 * then valFraction, then testFraction (default 0.8 / 0.1 / 0.1). Blocks rather than shuffled
 * windows, so that no window of one split can share a token with another's: a window is drawn
 * inside its own view, and the views do not overlap. The same corpus always splits the same way.
 * Experiments choose settings on `val` and report `test` only once, at the end.
 */
export function splitTrainValTest(tokens: Int32Array, { valFraction = 0.1, testFraction = 0.1 } = {}): ThreeSplits {
  for (const [name, f] of [['valFraction', valFraction], ['testFraction', testFraction]] as const) {
    if (!(f > 0 && f < 1)) throw new Error(`splitTrainValTest: ${name} must be in (0, 1), got ${f}`);
  }
  if (valFraction + testFraction >= 1) throw new Error(`splitTrainValTest: valFraction + testFraction = ${valFraction + testFraction} leaves no training tokens`);
  const n = tokens.length;
  const nTest = Math.floor(n * testFraction);
  const nVal = Math.floor(n * valFraction);
  const a = n - nVal - nTest;
  const b = n - nTest;
  return {
    train: tokens.subarray(0, a),
    val: tokens.subarray(a, b),
    test: tokens.subarray(b),
    ranges: { train: [0, a], val: [a, b], test: [b, n] },
  };
}
