// Gradient cases for Mamba-2's SSD op: the chunked op and the sequential reference on the same
// shapes. Inputs are x, dt, A, Bm, C, dtBias, then D when the case has it.

import { ssd, ssdReference, type SsdOptions } from '../../src/ops/index.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { Rng } from '../../src/tensor/random.js';
import { rand } from '../helpers.js';
import { GradCase, GradCases } from './types.js';

interface SsdShape {
  name: string;
  B: number; L: number; H: number; P: number; G: number; N: number;
  D: boolean; init: boolean; opts: SsdOptions;
}

const shapes: SsdShape[] = [
  { name: 'L 7 in chunks of 3, 2 groups of 2 heads, an initial state', B: 2, L: 7, H: 4, P: 2, G: 2, N: 3, D: true, init: true, opts: { chunkSize: 3 } },
  { name: 'L 1, one head, no D', B: 1, L: 1, H: 1, P: 1, G: 1, N: 1, D: false, init: false, opts: {} },
  { name: 'L 10 in chunks of 4, Δ clamped to [0.2, 0.7]', B: 1, L: 10, H: 2, P: 3, G: 1, N: 2, D: true, init: false, opts: { chunkSize: 4, dtLimit: [0.2, 0.7] } },
];

function cases(op: typeof ssd): GradCase[] {
  return shapes.map((s) => {
    const init = s.init ? rand([s.B, s.H, s.P, s.N], new Rng(99), { grad: false }).data : null;
    const opts = { ...s.opts, initialState: init };
    return {
      name: s.name,
      inputs: (r: Rng) => {
        const ts = [
          rand([s.B, s.L, s.H, s.P], r), // x
          rand([s.B, s.L, s.H], r), // dt
          rand([s.H], r, { low: -2, high: -0.2 }), // A = −exp(A_log) < 0
          rand([s.B, s.L, s.G, s.N], r), // Bm
          rand([s.B, s.L, s.G, s.N], r), // C
          rand([s.H], r, { low: -0.3, high: 0.3 }), // dtBias
        ];
        if (s.D) ts.push(rand([s.H], r));
        return ts;
      },
      fn: (x: Tensor, dt: Tensor, A: Tensor, Bm: Tensor, C: Tensor, dtBias: Tensor, ...rest: Tensor[]) =>
        op(x, dt, A, Bm, C, dtBias, s.D ? rest[0] : null, opts),
    };
  });
}

export const ssdCases: GradCases = {
  ssd: cases(ssd),
  ssdNaive: cases(ssdReference),
};
