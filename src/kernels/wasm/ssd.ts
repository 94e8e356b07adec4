// The wasm backend's chunked SSD (Mamba-2): the algorithm of ../reference/ssd_chunked.ts written
// as batched matrix products on the WebAssembly matmul, which is the point of the SSD form
// (Dao & Gu 2024, §6: the scan becomes matmuls). Per (batch, head, chunk) block, with the chunk's
// rows gathered into contiguous [T, ·] matrices (zero rows past L) and s the cumulative Δ·A:
//   CB = C·Bᵀ [T, T];  M = CB ⊙ exp(s_i − s_j)·Δ_j (j ≤ i);  Y = M·X + exp(s_i)·(C·S_inᵀ)
//   St = (W ⊙ X)ᵀ·B [P, N] with W_j = exp(s_last − s_j)·Δ_j;  S_in[c+1] = exp(s_last)·S_in[c] + St[c]
// B and C are expanded to every head of their group (repeat_interleave) so that every product is
// one batched call; their gradients are summed back per group. The elementwise parts (the decay
// masks, the recurrence over chunks, the cumulative-sum backward) are plain loops here. The state
// entering each chunk is kept as [B, H, ⌈L/T⌉, P, N] (this backend's own chunkStates layout).
// Tested against the reference kernels (test/kernels/wasm_ssd.test.ts) and, with every op test,
// against the sequential recurrence. Temporaries come from allocArray/allocOutput in an arena of
// the call's own (blocks of the wasm memory, which the matmul reads in place), released when the
// call returns: nothing reads them afterwards (the backward gathers again), and kept they cost
// ~50 MB a layer at the mamba2-130m shape over 512 tokens, 1.2 GB over 24 layers in one arena.

import type { MatmulDims } from '../reference/matmul.js';
import { allocArray, allocOutput, withArena } from '../memory.js';
import { SsdInputs, ssdDelta, ssdDeltaBackward, ssdSkip, ssdSkipBackward } from '../reference/ssd.js';
import type { SsdChunkedBackwardArgs, SsdChunkedForwardArgs } from '../reference/ssd_chunked.js';

type Matmul = (a: Float32Array, b: Float32Array, c: Float32Array, d: MatmulDims) => void;

/** The chunks' blocks: x [nb, T, P], B and C per head [nb, T, N], Δ and s [nb, T]; nb = B·H·⌈L/T⌉. */
interface Blocks {
  nC: number;
  nb: number;
  X: Float32Array;
  Bc: Float32Array;
  Cc: Float32Array;
  dl: Float32Array;
  s: Float32Array;
}

function gather(a: SsdInputs, T: number, delta: Float32Array): Blocks {
  const { B, L, H, P, G, N } = a;
  const nC = Math.ceil(L / T);
  const nb = B * H * nC;
  const X = allocArray(nb * T * P); // zero rows past L
  const Bc = allocArray(nb * T * N);
  const Cc = allocArray(nb * T * N);
  const dl = allocArray(nb * T);
  const s = allocOutput(nb * T);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      const g = Math.floor(h / (H / G));
      for (let c = 0; c < nC; c++) {
        const blk = (b * H + h) * nC + c;
        let acc = 0;
        for (let i = 0; i < T; i++) {
          const t = c * T + i;
          if (t < L) {
            const bt = (b * L + t) * H + h;
            dl[blk * T + i] = delta[bt];
            acc += delta[bt] * a.A[h];
            X.set(a.x.subarray(bt * P, bt * P + P), (blk * T + i) * P);
            const bg = ((b * L + t) * G + g) * N;
            Bc.set(a.Bm.subarray(bg, bg + N), (blk * T + i) * N);
            Cc.set(a.C.subarray(bg, bg + N), (blk * T + i) * N);
          }
          s[blk * T + i] = acc;
        }
      }
    }
  }
  return { nC, nb, X, Bc, Cc, dl, s };
}

/** Rows of a [B, L, H, P] array as blocks [nb, T, P] (zeros past L), or back (`scatter`). */
function blockRows(a: SsdInputs, T: number, nC: number, data: Float32Array, blocks: Float32Array, scatter: boolean): void {
  const { B, L, H, P } = a;
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      for (let t = 0; t < L; t++) {
        const at = ((b * H + h) * nC * T + t) * P; // block (b, h, ⌊t/T⌋), row t mod T
        const bt = ((b * L + t) * H + h) * P;
        if (scatter) data.set(blocks.subarray(at, at + P), bt);
        else blocks.set(data.subarray(bt, bt + P), at);
      }
    }
  }
}

export function makeWasmSsd(matmul: Matmul) {
  const mm = (a: Float32Array, b: Float32Array, c: Float32Array, batch: number, m: number, k: number, n: number, transA: boolean, transB: boolean, accumulate = false) =>
    matmul(a, b, c, { batch, m, k, n, transA, transB, strideA: a.length / batch, strideB: b.length / batch, accumulate });

  /** M = CB ⊙ exp(s_i − s_j)·Δ_j below the diagonal (j ≤ i), 0 above: [nb, T, T]. */
  function decayMask(k: Blocks, T: number, CB: Float32Array): Float32Array {
    const M = allocArray(CB.length); // zero above the diagonal
    for (let blk = 0; blk < k.nb; blk++) {
      const o = blk * T;
      for (let i = 0; i < T; i++) {
        for (let j = 0; j <= i; j++) M[(o + i) * T + j] = CB[(o + i) * T + j] * Math.exp(k.s[o + i] - k.s[o + j]) * k.dl[o + j];
      }
    }
    return M;
  }

  /** Xw = W ⊙ X with W_j = exp(s_last − s_j)·Δ_j, the weight of step j in its chunk's final state. */
  function weighted(k: Blocks, T: number, P: number): Float32Array {
    const Xw = allocOutput(k.X.length);
    for (let blk = 0; blk < k.nb; blk++) {
      const last = k.s[blk * T + T - 1];
      for (let j = 0; j < T; j++) {
        const w = Math.exp(last - k.s[blk * T + j]) * k.dl[blk * T + j];
        const r = (blk * T + j) * P;
        for (let p = 0; p < P; p++) Xw[r + p] = w * k.X[r + p];
      }
    }
    return Xw;
  }

  function ssdChunkedForward(a: SsdChunkedForwardArgs): void {
    withArena(() => forward(a));
  }

  function ssdChunkedBackward(a: SsdChunkedBackwardArgs): void {
    withArena(() => backward(a));
  }

  function forward(a: SsdChunkedForwardArgs): void {
    const { B, H, P, N, T } = a;
    const PN = P * N;
    ssdDelta(a, a.delta);
    const k = gather(a, T, a.delta);
    const { nC, nb } = k;
    const CB = allocOutput(nb * T * T);
    mm(k.Cc, k.Bc, CB, nb, T, N, T, false, true); // C·Bᵀ
    const Y = allocOutput(nb * T * P);
    mm(decayMask(k, T, CB), k.X, Y, nb, T, T, P, false, false); // (1) intra-chunk
    const St = allocOutput(nb * PN);
    mm(weighted(k, T, P), k.Bc, St, nb, P, T, N, true, false); // (2) each chunk's own state
    const Sin = a.chunkStates; // [B, H, nC, P, N]
    for (let bh = 0; bh < B * H; bh++) {
      // (3) the recurrence over chunks, from the initial state.
      const cur = new Float64Array(PN);
      if (a.initialState) for (let q = 0; q < PN; q++) cur[q] = a.initialState[bh * PN + q];
      for (let c = 0; c < nC; c++) {
        const blk = bh * nC + c;
        const decay = Math.exp(k.s[blk * T + T - 1]);
        for (let q = 0; q < PN; q++) {
          Sin[blk * PN + q] = cur[q];
          cur[q] = decay * cur[q] + St[blk * PN + q];
        }
      }
      if (a.finalState) for (let q = 0; q < PN; q++) a.finalState[bh * PN + q] = cur[q];
    }
    const Yoff = allocOutput(nb * T * P);
    mm(k.Cc, Sin, Yoff, nb, T, N, P, false, true); // (4) C·S_inᵀ
    for (let blk = 0; blk < nb; blk++) {
      for (let i = 0; i < T; i++) {
        const e = Math.exp(k.s[blk * T + i]);
        const r = (blk * T + i) * P;
        for (let p = 0; p < P; p++) Y[r + p] += e * Yoff[r + p];
      }
    }
    blockRows(a, T, nC, a.y, Y, true);
    ssdSkip(a, a.y);
  }

  function backward(a: SsdChunkedBackwardArgs): void {
    const { B, L, H, P, G, N, T } = a;
    const PN = P * N;
    const k = gather(a, T, a.delta);
    const { nC, nb } = k;
    const Sin = a.chunkStates;
    const dY = allocArray(nb * T * P); // zero rows past L
    blockRows(a, T, nC, a.gradY, dY, false);
    const ds = new Float64Array(nb * T); // ∂s
    const dDelta = new Float64Array(nb * T); // ∂Δ in block layout

    // (1) intra-chunk: ∂M = ∂Y·Xᵀ, ∂X = Mᵀ·∂Y; M = CB ⊙ exp(s_i − s_j)·Δ_j.
    const CB = allocOutput(nb * T * T);
    mm(k.Cc, k.Bc, CB, nb, T, N, T, false, true);
    const M = decayMask(k, T, CB);
    const dX = allocOutput(nb * T * P);
    mm(M, dY, dX, nb, T, T, P, true, false);
    const dCB = allocOutput(nb * T * T);
    mm(dY, k.X, dCB, nb, T, P, T, false, true); // ∂M, turned into ∂CB in place below
    for (let blk = 0; blk < nb; blk++) {
      const o = blk * T;
      for (let i = 0; i < T; i++) {
        for (let j = 0; j < T; j++) {
          const q = (o + i) * T + j;
          if (j > i) {
            dCB[q] = 0;
            continue;
          }
          const dm = dCB[q];
          const decay = Math.exp(k.s[o + i] - k.s[o + j]);
          dCB[q] = dm * decay * k.dl[o + j];
          dDelta[o + j] += dm * CB[q] * decay;
          const v = dm * M[q];
          ds[o + i] += v;
          ds[o + j] -= v;
        }
      }
    }
    const dC = allocOutput(nb * T * N);
    const dB = allocOutput(nb * T * N);
    mm(dCB, k.Bc, dC, nb, T, T, N, false, false);
    mm(dCB, k.Cc, dB, nb, T, T, N, true, false);

    // (4) y_i += exp(s_i)·C_i·S_inᵀ: with ∂Ye = exp(s_i)·∂Y_i, ∂C += ∂Ye·S_in, ∂S_in = ∂Yeᵀ·C.
    for (let blk = 0; blk < nb; blk++) {
      for (let i = 0; i < T; i++) {
        const e = Math.exp(k.s[blk * T + i]);
        const r = (blk * T + i) * P;
        for (let p = 0; p < P; p++) dY[r + p] *= e;
      }
    }
    const Gm = allocOutput(nb * T * N);
    mm(dY, Sin, Gm, nb, T, P, N, false, false);
    for (let r = 0; r < nb * T; r++) {
      let v = 0;
      for (let n = 0; n < N; n++) {
        v += k.Cc[r * N + n] * Gm[r * N + n];
        dC[r * N + n] += Gm[r * N + n];
      }
      ds[r] += v;
    }
    const dS = allocOutput(nb * PN); // ∂S_in from the outputs, then ∂St (the state leaving each chunk)
    mm(dY, k.Cc, dS, nb, P, T, N, true, false);

    // (3) the recurrence backwards: ∂St[c] = ∂S_in[c+1] (total), ∂S_in[c] += exp(s_last)·∂S_in[c+1].
    for (let bh = 0; bh < B * H; bh++) {
      const g = new Float64Array(PN); // ∂ of the state leaving chunk c (none after the last: the final state is not differentiated)
      for (let c = nC - 1; c >= 0; c--) {
        const blk = bh * nC + c;
        const last = blk * T + T - 1;
        const decay = Math.exp(k.s[last]);
        let dot = 0;
        for (let q = 0; q < PN; q++) {
          const fromY = dS[blk * PN + q];
          dot += g[q] * Sin[blk * PN + q];
          dS[blk * PN + q] = g[q];
          g[q] = fromY + decay * g[q];
        }
        ds[last] += decay * dot;
      }
    }

    // (2) St = Xwᵀ·B with Xw = W ⊙ X: ∂Xw = B·∂Stᵀ, ∂B += Xw·∂St, ∂W_j = Σ_p X_jp·∂Xw_jp.
    const Xw = weighted(k, T, P);
    mm(Xw, dS, dB, nb, T, P, N, false, false, true);
    const dXw = allocOutput(nb * T * P);
    mm(k.Bc, dS, dXw, nb, T, N, P, false, true);
    for (let blk = 0; blk < nb; blk++) {
      const lastS = k.s[blk * T + T - 1];
      for (let j = 0; j < T; j++) {
        const o = blk * T + j;
        const decay = Math.exp(lastS - k.s[o]);
        const w = decay * k.dl[o];
        let dw = 0;
        for (let p = 0; p < P; p++) {
          dX[o * P + p] += w * dXw[o * P + p];
          dw += k.X[o * P + p] * dXw[o * P + p];
        }
        dDelta[o] += decay * dw;
        ds[blk * T + T - 1] += dw * w;
        ds[o] -= dw * w;
      }
    }

    // s_i = Σ_{u ≤ i} Δ_u·A_h: ∂(Δ_u·A) = Σ_{i ≥ u} ∂s_i.
    for (let blk = 0; blk < nb; blk++) {
      const h = Math.floor(blk / nC) % H;
      let acc = 0;
      for (let i = T - 1; i >= 0; i--) {
        acc += ds[blk * T + i];
        dDelta[blk * T + i] += a.A[h] * acc;
        a.gradA[h] += k.dl[blk * T + i] * acc;
      }
    }

    blockRows(a, T, nC, a.gradX, dX, true);
    const gradDelta = new Float64Array(B * L * H);
    for (let b = 0; b < B; b++) {
      for (let h = 0; h < H; h++) {
        const g = Math.floor(h / (H / G));
        for (let t = 0; t < L; t++) {
          const o = ((b * H + h) * nC) * T + t; // block row of step t
          gradDelta[(b * L + t) * H + h] = dDelta[o];
          const bg = ((b * L + t) * G + g) * N;
          for (let n = 0; n < N; n++) {
            a.gradBm[bg + n] += dB[o * N + n];
            a.gradC[bg + n] += dC[o * N + n];
          }
        }
      }
    }
    ssdDeltaBackward(a, gradDelta, a.gradDt, a.gradDtBias);
    ssdSkipBackward(a, a);
  }

  return { ssdChunkedForward, ssdChunkedBackward };
}
