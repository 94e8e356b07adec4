// Gradient cases for the selective scan: the fused chunked op and the naive reference, on the same
// shapes. Inputs are x, dt, A, Bm, C, then D and deltaBias when the case has them.

import { selectiveScan, selectiveScanReference } from '../../src/ops/index.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { Rng } from '../../src/tensor/random.js';
import { rand } from '../helpers.js';
import { GradCase, GradCases } from './types.js';

type Scan = typeof selectiveScan;

interface ScanShape {
  name: string;
  B: number; L: number; E: number; N: number;
  D: boolean; bias: boolean; softplus: boolean; initialState: boolean;
}

const shapes: ScanShape[] = [
  { name: 'softplus, D, deltaBias and an initial state', B: 2, L: 5, E: 3, N: 2, D: true, bias: true, softplus: true, initialState: true },
  { name: 'L 1, E 1, N 1, no softplus, no D, no bias', B: 1, L: 1, E: 1, N: 1, D: false, bias: false, softplus: false, initialState: false },
  // L = 67 crosses the fused op's chunk boundary (64 steps): the recomputation from a stored state.
  { name: 'L 67 across a chunk boundary, N 3', B: 1, L: 67, E: 2, N: 3, D: true, bias: true, softplus: true, initialState: false },
];

function cases(scan: Scan): GradCase[] {
  return shapes.map((s) => {
    const init = s.initialState ? rand([s.B, s.E, s.N], new Rng(99), { grad: false }).data : null;
    return {
      name: s.name,
      inputs: (r: Rng) => {
        const ts = [
          rand([s.B, s.L, s.E], r), // x
          // Without softplus delta = dt + bias must stay positive for a decaying state.
          s.softplus ? rand([s.B, s.L, s.E], r) : rand([s.B, s.L, s.E], r, { low: 0.1, high: 0.8 }), // dt
          rand([s.E, s.N], r, { low: -2, high: -0.2 }), // A = −exp(A_log) < 0
          rand([s.B, s.L, s.N], r), // Bm
          rand([s.B, s.L, s.N], r), // C
        ];
        if (s.D) ts.push(rand([s.E], r));
        if (s.bias) ts.push(rand([s.E], r, { low: 0, high: 0.3 }));
        return ts;
      },
      fn: (x: Tensor, dt: Tensor, A: Tensor, Bm: Tensor, C: Tensor, ...rest: Tensor[]) => {
        const D = s.D ? rest[0] : null;
        const deltaBias = s.bias ? rest[s.D ? 1 : 0] : null;
        return scan(x, dt, A, Bm, C, D, { deltaBias, deltaSoftplus: s.softplus, initialState: init });
      },
    };
  });
}

export const scanCases: GradCases = {
  selectiveScan: cases(selectiveScan),
  selectiveScanNaive: cases(selectiveScanReference),
};
