// Reference kernels of cos and sin (the LRU's eigenvalue phases), computed in double precision.

export type TrigOp = 'cos' | 'sin';

export function trigForward(op: TrigOp, x: Float32Array, out: Float32Array): void {
  const f = op === 'cos' ? Math.cos : Math.sin;
  for (let i = 0; i < x.length; i++) out[i] = f(x[i]);
}

/** gradX = gradOut ⊙ f'(x): cos' = −sin, sin' = cos. */
export function trigBackward(op: TrigOp, x: Float32Array, gradOut: Float32Array, gradX: Float32Array): void {
  for (let i = 0; i < x.length; i++) gradX[i] = gradOut[i] * (op === 'cos' ? -Math.sin(x[i]) : Math.cos(x[i]));
}
