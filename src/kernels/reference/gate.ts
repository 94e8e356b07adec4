// The SiLU gate of a Mamba block, y ⊙ SiLU(z), as one kernel (what mul(y, silu(z)) computes in two,
// with the same f32 rounding: SiLU(z) rounded, then the product rounded).
// Backward: ∂y = g ⊙ SiLU(z), ∂z = g ⊙ y ⊙ SiLU'(z), SiLU'(z) = σ(z)·(1 + z·σ(−z)).

import { unaryTable } from './unary.js';

const silu = unaryTable.silu;

export function gateForward(y: Float32Array, z: Float32Array, out: Float32Array): void {
  for (let i = 0; i < out.length; i++) out[i] = y[i] * Math.fround(silu.f(z[i]));
}

/** gradY and gradZ (either may be null when not wanted) from gradOut. */
export function gateBackward(y: Float32Array, z: Float32Array, gradOut: Float32Array, gradY: Float32Array | null, gradZ: Float32Array | null): void {
  for (let i = 0; i < gradOut.length; i++) {
    if (gradY) gradY[i] = gradOut[i] * Math.fround(silu.f(z[i]));
    if (gradZ) gradZ[i] = Math.fround(gradOut[i] * y[i]) * Math.fround(silu.df(z[i], 0));
  }
}
