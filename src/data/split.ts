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
