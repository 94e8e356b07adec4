import { Tensor } from '../../src/tensor/tensor.js';
import { Rng } from '../../src/tensor/random.js';
import { GradCheckOptions } from '../helpers.js';

/** One gradient-check case: build inputs from a seeded rng, and the function to differentiate. */
export interface GradCase {
  name: string;
  inputs: (rng: Rng) => Tensor[];
  fn: (...xs: Tensor[]) => Tensor;
  options?: GradCheckOptions;
}

export type GradCases = Record<string, GradCase[]>;
