// What a mixer can show of its inside while it runs a forward pass (the browser lab's views and
// src/models/record.ts): the quantities the papers reason with, computed from the forward's own
// intermediate tensors in plain TypeScript. Recording is for short inspection inputs, not for
// training: the Mamba state norm replays the recurrence in a loop over [B, L, E, N] here, since
// the fused scan never materialises the states.

/** The quantities a forward pass can record. */
export const RECORD_NAMES = ['delta', 'stateNorm', 'gate', 'attention'] as const;
export type RecordName = (typeof RECORD_NAMES)[number];

/** One recorded tensor, row-major. */
export interface Recorded {
  data: Float32Array;
  shape: number[];
}

/**
 * What one layer recorded; a field is absent where the layer has no such quantity (no Δ in an
 * LRU or attention layer, no attention in an SSM).
 *   delta     [B, L, E]     Δ = softplus(dt + dt_proj.bias), the step size per token and channel (Mamba, S4D);
 *             [B, L, H]     per token and head for Mamba-2 (softplus(dt + dt_bias), clamped to time_step_limit)
 *   stateNorm [B, L]        ‖h_t‖, the Euclidean norm of the whole SSM state after token t (Mamba, S4D: E×N;
 *                           Mamba-2: H×P×N; LRU: N complex)
 *   gate      [B, L, E]     SiLU(z), the output gate y ⊙ SiLU(z) of the Mamba block ([B, L, I] for Mamba-2)
 *   attention [B, H, L, L]  softmax(q·kᵀ/√d) with the causal mask, row = query (Transformer++)
 */
export type LayerRecord = Partial<Record<RecordName, Recorded>>;

/** The recorder one layer is handed: which quantities are wanted, and where they go. */
export class LayerRecorder {
  readonly record: LayerRecord = {};

  constructor(private readonly wanted: ReadonlySet<RecordName>) {}

  wants(name: RecordName): boolean {
    return this.wanted.has(name);
  }

  put(name: RecordName, data: Float32Array, shape: number[]): void {
    this.record[name] = { data, shape };
  }
}

function softplus(x: number): number {
  return x > 20 ? x : Math.log1p(Math.exp(x));
}

/** Δ [B·L·E] = softplus(dt + bias) from dt [B, L, E] before the bias and bias [E]. */
export function deltaOf(dt: Float32Array, bias: Float32Array, E: number): Float32Array {
  const out = new Float32Array(dt.length);
  for (let i = 0; i < dt.length; i++) out[i] = softplus(dt[i] + bias[i % E]);
  return out;
}

/** SiLU(z) element-wise: z·σ(z). */
export function siluOf(z: Float32Array): Float32Array {
  return z.map((v) => v / (1 + Math.exp(-v)));
}

/**
 * ‖h_t‖ [B, L] of the selective SSM h_t = exp(Δ_t·A) ⊙ h_{t−1} + Δ_t·B_t·x_t (per channel e and
 * state n), replayed from the forward's inputs: x, delta [B, L, E], A [E, N], Bm [B, L, N],
 * h0 [B, E, N] or zero.
 */
export function selectiveStateNorms(
  x: Float32Array, delta: Float32Array, A: Float32Array, Bm: Float32Array,
  dims: { batch: number; L: number; E: number; N: number }, h0: Float32Array | null,
): Float32Array {
  const { batch, L, E, N } = dims;
  const norms = new Float64Array(batch * L);
  const h = new Float64Array(E * N);
  for (let b = 0; b < batch; b++) {
    if (h0) for (let i = 0; i < E * N; i++) h[i] = h0[b * E * N + i];
    else h.fill(0);
    for (let t = 0; t < L; t++) {
      const bt = b * L + t;
      for (let e = 0; e < E; e++) {
        const d = delta[bt * E + e];
        const dx = d * x[bt * E + e];
        for (let n = 0; n < N; n++) {
          const i = e * N + n;
          h[i] = Math.exp(d * A[i]) * h[i] + dx * Bm[bt * N + n];
          norms[bt] += h[i] * h[i];
        }
      }
      norms[bt] = Math.sqrt(norms[bt]);
    }
  }
  return Float32Array.from(norms);
}

/**
 * ‖h_t‖ [B, L] of Mamba-2's SSM, per head h a [P, N] state h_t = exp(Δ_t,h·A_h)·h_{t−1} + Δ_t,h·x_t,h ⊗ B_t,g
 * (head h reads group g = ⌊h / (H/G)⌋), replayed from x [B, L, H, P], delta [B, L, H], A [H],
 * Bm [B, L, G, N], h0 [B, H, P, N] or zero.
 */
export function ssdStateNorms(
  x: Float32Array, delta: Float32Array, A: Float32Array, Bm: Float32Array,
  dims: { batch: number; L: number; H: number; P: number; G: number; N: number }, h0: Float32Array | null,
): Float32Array {
  const { batch, L, H, P, G, N } = dims;
  const size = H * P * N;
  const norms = new Float64Array(batch * L);
  const S = new Float64Array(size);
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < size; i++) S[i] = h0 ? h0[b * size + i] : 0;
    for (let t = 0; t < L; t++) {
      const bt = b * L + t;
      for (let h = 0; h < H; h++) {
        const d = delta[bt * H + h];
        const decay = Math.exp(d * A[h]);
        const bg = (bt * G + Math.floor(h / (H / G))) * N;
        for (let p = 0; p < P; p++) {
          const dx = d * x[(bt * H + h) * P + p];
          for (let n = 0; n < N; n++) {
            const i = (h * P + p) * N + n;
            S[i] = decay * S[i] + dx * Bm[bg + n];
            norms[bt] += S[i] * S[i];
          }
        }
      }
      norms[bt] = Math.sqrt(norms[bt]);
    }
  }
  return Float32Array.from(norms);
}

/** ‖h_t‖ [B·L] of states h [B, L, N] (complex when im is given). */
export function rowNorms(re: Float32Array, im: Float32Array | null, N: number): Float32Array {
  const out = new Float32Array(re.length / N);
  for (let r = 0; r < out.length; r++) {
    let s = 0;
    for (let n = 0; n < N; n++) s += re[r * N + n] ** 2 + (im ? im[r * N + n] ** 2 : 0);
    out[r] = Math.sqrt(s);
  }
  return out;
}

/**
 * Causal attention weights [B, H, L, L] = softmax(q·kᵀ·d^−½) from q [B, L, H, d] and
 * k [B, L, Hkv, d] (after RoPE; head h reads key head ⌊h / (H/Hkv)⌋), zero above the diagonal.
 */
export function attentionWeights(q: Float32Array, k: Float32Array, dims: { batch: number; L: number; H: number; Hkv: number; d: number }): Float32Array {
  const { batch, L, H, Hkv, d } = dims;
  const out = new Float32Array(batch * H * L * L);
  const scale = 1 / Math.sqrt(d);
  const group = H / Hkv;
  const row = new Float64Array(L);
  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < H; h++) {
      const kh = Math.floor(h / group);
      for (let i = 0; i < L; i++) {
        let max = -Infinity;
        for (let j = 0; j <= i; j++) {
          let s = 0;
          for (let c = 0; c < d; c++) s += q[((b * L + i) * H + h) * d + c] * k[((b * L + j) * Hkv + kh) * d + c];
          row[j] = s * scale;
          max = Math.max(max, row[j]);
        }
        let sum = 0;
        for (let j = 0; j <= i; j++) sum += (row[j] = Math.exp(row[j] - max));
        const base = ((b * H + h) * L + i) * L;
        for (let j = 0; j <= i; j++) out[base + j] = row[j] / sum;
      }
    }
  }
  return out;
}
