// Selective scan (S6) forward and backward, the fused chunked algorithm of
// src/kernels/reference/selective_scan.ts, vectorised over channels: one f32x4 holds 4 adjacent
// channels e (contiguous in x, dt, delta, y [B, L, E]), and the loop over the state index n runs
// inside, with Bm[b,t,n] and C[b,t,n] broadcast. Vectorising over channels needs no horizontal
// sums in the forward (y of 4 channels comes out as one vector) and reads [B, L, E] arrays in
// whole vectors; the state h[n] of 4 channels lives in an [N] × f32x4 scratch.
// A task is one batch row b and one block of EB channels (a multiple of 4). Each lane's
// arithmetic does not depend on its neighbours, so results do not depend on the thread count.

import { param, scratchOf, ScanBackwardParams, ScanForwardParams } from './control';
import { f4, gather, hsum, ld, madd, scatter, st, v4 } from './lanes';
import { anyPositive, exp2f4, exp2Rows, expf4Full, sigmoidf4, softplusf4 } from './simd_math';

/** log₂ e: exp(Δ·A) = 2^(Δ·A·log₂e), with A·log₂e computed once per task. */
const LOG2E = f32x4.splat(1.44269504088896341);

/**
 * Forward parameters: ScanForwardParams (finalState 0: not wanted; channelBlock EB channels per task).
 * Scratch per thread, in f32x4: A of the 4 channels [N], the state h [N], and for one chunk
 * delta and delta·x [T], the factors dA [T, N] and y's partial sums [T].
 * Each chunk runs in two passes: all the exps first (no dependency between them, so the CPU
 * overlaps their long polynomial chains), then the light recurrence. Measured against one fused
 * loop: see docs/results/kernels.md.
 */
export function scanForwardTask(ctl: usize, task: i32, tid: i32): void {
  const x = <usize>param(ctl, ScanForwardParams.x), dt = <usize>param(ctl, ScanForwardParams.dt);
  const A = <usize>param(ctl, ScanForwardParams.A);
  const Bm = <usize>param(ctl, ScanForwardParams.Bm), C = <usize>param(ctl, ScanForwardParams.C);
  const Dskip = <usize>param(ctl, ScanForwardParams.Dskip);
  const bias = <usize>param(ctl, ScanForwardParams.deltaBias), init = <usize>param(ctl, ScanForwardParams.initialState);
  const y = <usize>param(ctl, ScanForwardParams.y);
  const delta = <usize>param(ctl, ScanForwardParams.delta);
  const chunkStates = <usize>param(ctl, ScanForwardParams.chunkStates);
  const fin = <usize>param(ctl, ScanForwardParams.finalState);
  const L = param(ctl, ScanForwardParams.L), E = param(ctl, ScanForwardParams.E), N = param(ctl, ScanForwardParams.N);
  const T = param(ctl, ScanForwardParams.T);
  const useSoftplus = param(ctl, ScanForwardParams.softplus) != 0, EB = param(ctl, ScanForwardParams.channelBlock);
  const nBlocks = (E + EB - 1) / EB;
  const b = task / nBlocks;
  const e1 = min(E, (task % nBlocks) * EB + EB);
  const nChunks = (L + T - 1) / T;
  const at = scratchOf(ctl, tid); // A[e..e+4, n]·log₂e: [N] × f32x4 (exp(Δ·A) = 2^(Δ·A·log₂e))
  const h = v4(at, N); // state: [N] × f32x4
  const ds = v4(h, N); // delta of the chunk's steps: [T] × f32x4
  const dxs = v4(ds, T); // delta·x: [T] × f32x4
  const dAs = v4(dxs, T); // exp(delta·A): [T, N] × f32x4
  const ys = v4(dAs, T * N); // y before Dskip·x: [T] × f32x4
  const rowN = <usize>N << 2; // bytes between channels in [E, N]
  for (let e = (task % nBlocks) * EB; e < e1; e += 4) {
    const lanes = min(4, e1 - e);
    for (let n = 0; n < N; n++) {
      v128.store(v4(at, n), f32x4.mul(gather(f4(A, e * N + n), rowN, lanes), LOG2E));
      v128.store(v4(h, n), init ? gather(f4(init, (b * E + e) * N + n), rowN, lanes) : f32x4.splat(0));
    }
    const bv = bias ? ld(f4(bias, e), lanes) : f32x4.splat(0);
    const dv = Dskip ? ld(f4(Dskip, e), lanes) : f32x4.splat(0);
    const mayOverflow = !useSoftplus || anyPositive(at, N);
    for (let c = 0; c < nChunks; c++) {
      const cs = f4(chunkStates, ((b * nChunks + c) * E + e) * N);
      for (let n = 0; n < N; n++) scatter(f4(cs, n), rowN, v128.load(v4(h, n)), lanes);
      const t0 = c * T, t1 = min(L, t0 + T);
      for (let t = t0; t < t1; t++) {
        const i = (b * L + t) * E + e;
        const z = f32x4.add(ld(f4(dt, i), lanes), bv);
        const d = useSoftplus ? softplusf4(z) : z;
        st(f4(delta, i), d, lanes);
        v128.store(v4(ds, t - t0), d);
        v128.store(v4(dxs, t - t0), f32x4.mul(d, ld(f4(x, i), lanes)));
      }
      // Δ·A ≤ 0 when Δ ≥ 0 (softplus) and A ≤ 0: then 2^x cannot overflow (exp2Rows).
      if (mayOverflow) for (let j = 0; j < t1 - t0; j++) exp2Rows(v128.load(v4(ds, j)), at, v4(dAs, j * N), N, true);
      else for (let j = 0; j < t1 - t0; j++) exp2Rows(v128.load(v4(ds, j)), at, v4(dAs, j * N), N, false);
      // The recurrence, four states at a time held in registers over the whole chunk; y's sum
      // over n continues from block to block through ys, in the order n = 0, 1, …, N − 1.
      for (let nb = 0; nb < N; nb += 4) {
        const m = min(4, N - nb);
        let h0 = v128.load(v4(h, nb));
        let h1 = m > 1 ? v128.load(v4(h, nb + 1)) : f32x4.splat(0);
        let h2 = m > 2 ? v128.load(v4(h, nb + 2)) : f32x4.splat(0);
        let h3 = m > 3 ? v128.load(v4(h, nb + 3)) : f32x4.splat(0);
        for (let j = 0; j < t1 - t0; j++) {
          const dx = v128.load(v4(dxs, j));
          const row = v4(dAs, j * N + nb);
          const bt = f4(Bm, (b * L + t0 + j) * N + nb);
          const ct = f4(C, (b * L + t0 + j) * N + nb);
          let acc = nb == 0 ? f32x4.splat(0) : v128.load(v4(ys, j));
          h0 = madd(v128.load(row), h0, f32x4.mul(dx, v128.load32_splat(bt)));
          acc = madd(v128.load32_splat(ct), h0, acc);
          if (m > 1) {
            h1 = madd(v128.load(row, 16), h1, f32x4.mul(dx, v128.load32_splat(bt, 4)));
            acc = madd(v128.load32_splat(ct, 4), h1, acc);
          }
          if (m > 2) {
            h2 = madd(v128.load(row, 32), h2, f32x4.mul(dx, v128.load32_splat(bt, 8)));
            acc = madd(v128.load32_splat(ct, 8), h2, acc);
          }
          if (m > 3) {
            h3 = madd(v128.load(row, 48), h3, f32x4.mul(dx, v128.load32_splat(bt, 12)));
            acc = madd(v128.load32_splat(ct, 12), h3, acc);
          }
          v128.store(v4(ys, j), acc);
        }
        v128.store(v4(h, nb), h0);
        if (m > 1) v128.store(v4(h, nb + 1), h1);
        if (m > 2) v128.store(v4(h, nb + 2), h2);
        if (m > 3) v128.store(v4(h, nb + 3), h3);
      }
      for (let t = t0; t < t1; t++) {
        const i = (b * L + t) * E + e;
        st(f4(y, i), f32x4.add(v128.load(v4(ys, t - t0)), f32x4.mul(dv, ld(f4(x, i), lanes))), lanes);
      }
    }
    if (fin) for (let n = 0; n < N; n++) scatter(f4(fin, (b * E + e) * N + n), rowN, v128.load(v4(h, n)), lanes);
  }
}

/**
 * Backward parameters: ScanBackwardParams (partDskip, partBias: 0 = not wanted).
 * Sums over channels (gradBm, gradC) and over batch rows (gradA, gradD, gradDeltaBias) are left
 * as per-task partials, added up in a fixed order by scanReduce: deterministic for any thread count.
 * Scratch per thread, in f32x4: hs, dAs, accC, accB [T, N]; h0 [N]; per 4-channel group of the
 * block: A, A·log₂e, dh, gA [N] and gD, gBias; per step of the chunk: Σ_n δ·Bm, Σ_n δ·A·dA·h
 * and the group's gradY, delta and delta·x [T].
 */
export function scanBackwardTask(ctl: usize, task: i32, tid: i32): void {
  const x = <usize>param(ctl, ScanBackwardParams.x), dt = <usize>param(ctl, ScanBackwardParams.dt);
  const A = <usize>param(ctl, ScanBackwardParams.A);
  const Bm = <usize>param(ctl, ScanBackwardParams.Bm), C = <usize>param(ctl, ScanBackwardParams.C);
  const Dskip = <usize>param(ctl, ScanBackwardParams.Dskip);
  const bias = <usize>param(ctl, ScanBackwardParams.deltaBias), delta = <usize>param(ctl, ScanBackwardParams.delta);
  const chunkStates = <usize>param(ctl, ScanBackwardParams.chunkStates);
  const gradY = <usize>param(ctl, ScanBackwardParams.gradY), gradX = <usize>param(ctl, ScanBackwardParams.gradX);
  const gradDt = <usize>param(ctl, ScanBackwardParams.gradDt);
  const partA = <usize>param(ctl, ScanBackwardParams.partA), partBm = <usize>param(ctl, ScanBackwardParams.partBm);
  const partC = <usize>param(ctl, ScanBackwardParams.partC);
  const partDskip = <usize>param(ctl, ScanBackwardParams.partDskip), partBias = <usize>param(ctl, ScanBackwardParams.partBias);
  const L = param(ctl, ScanBackwardParams.L), E = param(ctl, ScanBackwardParams.E);
  const N = param(ctl, ScanBackwardParams.N), T = param(ctl, ScanBackwardParams.T);
  const useSoftplus = param(ctl, ScanBackwardParams.softplus) != 0, EB = param(ctl, ScanBackwardParams.channelBlock);
  const nBlocks = (E + EB - 1) / EB;
  const b = task / nBlocks;
  const blk = task % nBlocks;
  const e0 = blk * EB, e1 = min(E, e0 + EB);
  const groups = (e1 - e0 + 3) / 4;
  const nChunks = (L + T - 1) / T;
  const TN = T * N;
  const hs = scratchOf(ctl, tid);
  const dAs = v4(hs, TN);
  const accC = v4(dAs, TN);
  const accB = v4(accC, TN);
  const h0 = v4(accB, TN);
  const gAt = v4(h0, N); // per group: A [N]
  const gAt2 = v4(gAt, groups * N); // per group: A·log₂e [N], for the forward's exp2
  const gDh = v4(gAt2, groups * N); // per group: dh [N], the adjoint carried to the previous step
  const gA = v4(gDh, groups * N); // per group: Σ gradA [N]
  const gD = v4(gA, groups * N); // per group: Σ g·x
  const gBias = v4(gD, groups); // per group: Σ gradDt
  const sumB = v4(gBias, groups); // per step of the chunk: Σ_n δ·Bm [T]
  const sumA = v4(sumB, T); // per step of the chunk: Σ_n δ·A·dA·h_{t−1} [T]
  // The group's gradY, delta and delta·x at each step of the chunk, read once by the
  // recomputation and then by each block of states in the reverse recurrence.
  const gys = v4(sumA, T);
  const dls = v4(gys, T);
  const dxs = v4(dls, T);
  const rowN = <usize>N << 2;
  for (let g = 0; g < groups; g++) {
    const e = e0 + 4 * g;
    const lanes = min(4, e1 - e);
    for (let n = 0; n < N; n++) {
      const an = gather(f4(A, e * N + n), rowN, lanes);
      v128.store(v4(gAt, g * N + n), an);
      v128.store(v4(gAt2, g * N + n), f32x4.mul(an, LOG2E));
      v128.store(v4(gDh, g * N + n), f32x4.splat(0));
      v128.store(v4(gA, g * N + n), f32x4.splat(0));
    }
    v128.store(v4(gD, g), f32x4.splat(0));
    v128.store(v4(gBias, g), f32x4.splat(0));
  }
  for (let c = nChunks - 1; c >= 0; c--) {
    const t0 = c * T, t1 = min(L, t0 + T);
    const steps = t1 - t0;
    for (let j = 0; j < steps * N; j++) {
      v128.store(v4(accC, j), f32x4.splat(0));
      v128.store(v4(accB, j), f32x4.splat(0));
    }
    for (let g = 0; g < groups; g++) {
      const e = e0 + 4 * g;
      const lanes = min(4, e1 - e);
      const at = v4(gAt, g * N);
      const at2 = v4(gAt2, g * N);
      const dh = v4(gDh, g * N);
      const ga = v4(gA, g * N);
      const bv = bias ? ld(f4(bias, e), lanes) : f32x4.splat(0);
      const dv = Dskip ? ld(f4(Dskip, e), lanes) : f32x4.splat(0);
      const cs = f4(chunkStates, ((b * nChunks + c) * E + e) * N);
      const mayOverflow = !useSoftplus || anyPositive(at2, N); // as in the forward
      for (let n = 0; n < N; n++) v128.store(v4(h0, n), gather(f4(cs, n), rowN, lanes));
      // Recompute the chunk's states h_t and factors dA_t of these 4 channels.
      for (let t = t0; t < t1; t++) {
        const j = (t - t0) * N;
        const i = (b * L + t) * E + e;
        const d = ld(f4(delta, i), lanes);
        const dx = f32x4.mul(d, ld(f4(x, i), lanes));
        v128.store(v4(gys, t - t0), ld(f4(gradY, i), lanes));
        v128.store(v4(dls, t - t0), d);
        v128.store(v4(dxs, t - t0), dx);
        const bt = f4(Bm, (b * L + t) * N);
        const prev = t == t0 ? h0 : v4(hs, j - N);
        if (mayOverflow) exp2Rows(d, at2, v4(dAs, j), N, true);
        else exp2Rows(d, at2, v4(dAs, j), N, false);
        for (let n = 0; n < N; n++) {
          v128.store(v4(hs, j + n), madd(v128.load(v4(dAs, j + n)), v128.load(v4(prev, n)), f32x4.mul(dx, v128.load32_splat(f4(bt, n)))));
        }
      }
      // The reverse recurrence δ_t = g_t·C_t + dA_{t+1} ⊙ δ_{t+1}, four states at a time with
      // their δ and Σ_t gradA held in registers over the chunk; each step's sums over n continue
      // from block to block through sumB and sumA, in the order n = 0, 1, …, N − 1.
      for (let nb = 0; nb < N; nb += 4) {
        const m = min(4, N - nb);
        let dh0 = v128.load(v4(dh, nb)), ga0 = v128.load(v4(ga, nb));
        let dh1 = m > 1 ? v128.load(v4(dh, nb + 1)) : f32x4.splat(0), ga1 = m > 1 ? v128.load(v4(ga, nb + 1)) : f32x4.splat(0);
        let dh2 = m > 2 ? v128.load(v4(dh, nb + 2)) : f32x4.splat(0), ga2 = m > 2 ? v128.load(v4(ga, nb + 2)) : f32x4.splat(0);
        let dh3 = m > 3 ? v128.load(v4(dh, nb + 3)) : f32x4.splat(0), ga3 = m > 3 ? v128.load(v4(ga, nb + 3)) : f32x4.splat(0);
        for (let t = t1 - 1; t >= t0; t--) {
          const jt = t - t0;
          const j = jt * N + nb;
          const gy = v128.load(v4(gys, jt));
          const d = v128.load(v4(dls, jt));
          const dxv = v128.load(v4(dxs, jt));
          const bt = f4(Bm, (b * L + t) * N + nb);
          const ct = f4(C, (b * L + t) * N + nb);
          const prev = t == t0 ? v4(h0, nb) : v4(hs, j - N);
          let sB = nb == 0 ? f32x4.splat(0) : v128.load(v4(sumB, jt)); // Σ_n δ·Bm
          let sA = nb == 0 ? f32x4.splat(0) : v128.load(v4(sumA, jt)); // Σ_n δ·A·dA·h_{t−1}
          let adj = reverseStep(gy, v128.load32_splat(ct), dh0, dxv, v4(accC, j), v4(accB, j), v4(hs, j));
          sB = madd(adj, v128.load32_splat(bt), sB);
          dh0 = f32x4.mul(adj, v128.load(v4(dAs, j))); // δ_t ⊙ dA_t: δ's share for t − 1
          let u = f32x4.mul(dh0, v128.load(prev));
          sA = madd(u, v128.load(v4(at, nb)), sA);
          ga0 = madd(d, u, ga0);
          if (m > 1) {
            adj = reverseStep(gy, v128.load32_splat(ct, 4), dh1, dxv, v4(accC, j + 1), v4(accB, j + 1), v4(hs, j + 1));
            sB = madd(adj, v128.load32_splat(bt, 4), sB);
            dh1 = f32x4.mul(adj, v128.load(v4(dAs, j + 1)));
            u = f32x4.mul(dh1, v128.load(prev, 16));
            sA = madd(u, v128.load(v4(at, nb + 1)), sA);
            ga1 = madd(d, u, ga1);
          }
          if (m > 2) {
            adj = reverseStep(gy, v128.load32_splat(ct, 8), dh2, dxv, v4(accC, j + 2), v4(accB, j + 2), v4(hs, j + 2));
            sB = madd(adj, v128.load32_splat(bt, 8), sB);
            dh2 = f32x4.mul(adj, v128.load(v4(dAs, j + 2)));
            u = f32x4.mul(dh2, v128.load(prev, 32));
            sA = madd(u, v128.load(v4(at, nb + 2)), sA);
            ga2 = madd(d, u, ga2);
          }
          if (m > 3) {
            adj = reverseStep(gy, v128.load32_splat(ct, 12), dh3, dxv, v4(accC, j + 3), v4(accB, j + 3), v4(hs, j + 3));
            sB = madd(adj, v128.load32_splat(bt, 12), sB);
            dh3 = f32x4.mul(adj, v128.load(v4(dAs, j + 3)));
            u = f32x4.mul(dh3, v128.load(prev, 48));
            sA = madd(u, v128.load(v4(at, nb + 3)), sA);
            ga3 = madd(d, u, ga3);
          }
          v128.store(v4(sumB, jt), sB);
          v128.store(v4(sumA, jt), sA);
        }
        v128.store(v4(dh, nb), dh0);
        v128.store(v4(ga, nb), ga0);
        if (m > 1) { v128.store(v4(dh, nb + 1), dh1); v128.store(v4(ga, nb + 1), ga1); }
        if (m > 2) { v128.store(v4(dh, nb + 2), dh2); v128.store(v4(ga, nb + 2), ga2); }
        if (m > 3) { v128.store(v4(dh, nb + 3), dh3); v128.store(v4(ga, nb + 3), ga3); }
      }
      // Per step: gradX, gradDt, and the sums over steps of g·x (gradD) and gradDt (gradDeltaBias).
      let sumD = v128.load(v4(gD, g));
      let sumBias = v128.load(v4(gBias, g));
      for (let t = t1 - 1; t >= t0; t--) {
        const jt = t - t0;
        const i = (b * L + t) * E + e;
        const gy = v128.load(v4(gys, jt));
        const d = v128.load(v4(dls, jt));
        const xv = ld(f4(x, i), lanes);
        const sumDeltaB = v128.load(v4(sumB, jt));
        st(f4(gradX, i), f32x4.add(f32x4.mul(d, sumDeltaB), f32x4.mul(gy, dv)), lanes);
        sumD = f32x4.add(sumD, f32x4.mul(gy, xv));
        let gdt = f32x4.add(v128.load(v4(sumA, jt)), f32x4.mul(xv, sumDeltaB));
        if (useSoftplus) gdt = f32x4.mul(gdt, sigmoidf4(f32x4.add(ld(f4(dt, i), lanes), bv)));
        st(f4(gradDt, i), gdt, lanes);
        sumBias = f32x4.add(sumBias, gdt);
      }
      v128.store(v4(gD, g), sumD);
      v128.store(v4(gBias, g), sumBias);
    }
    // This block's share of gradC and gradBm for the chunk (missing lanes hold zeros).
    const pc = f4(partC, ((b * nBlocks + blk) * L + t0) * N);
    const pb = f4(partBm, ((b * nBlocks + blk) * L + t0) * N);
    for (let j = 0; j < steps * N; j++) {
      store<f32>(f4(pc, j), hsum(v128.load(v4(accC, j))));
      store<f32>(f4(pb, j), hsum(v128.load(v4(accB, j))));
    }
  }
  for (let g = 0; g < groups; g++) {
    const e = e0 + 4 * g;
    const lanes = min(4, e1 - e);
    for (let n = 0; n < N; n++) scatter(f4(partA, (b * E + e) * N + n), rowN, v128.load(v4(gA, g * N + n)), lanes);
    if (partDskip) st(f4(partDskip, b * E + e), v128.load(v4(gD, g)), lanes);
    if (partBias) st(f4(partBias, b * E + e), v128.load(v4(gBias, g)), lanes);
  }
}

/** out[j] = Σ_r parts[r·size + j] for r = 0..rows−1, in that order. */
export function sumRows(parts: usize, out: usize, rows: i32, size: i32): void {
  for (let j = 0; j < size; j += 4) {
    const lanes = min(4, size - j);
    let acc = ld(f4(parts, j), lanes);
    for (let r = 1; r < rows; r++) acc = f32x4.add(acc, ld(f4(parts, r * size + j), lanes));
    st(f4(out, j), acc, lanes);
  }
}

/**
 * One generation step for rows b of [B, E]: h = exp(delta·A) ⊙ h + delta·x·Bm, y = C·h + Dskip·x.
 * state [B, E, N] is updated in place; the other arrays as in scanForwardTask. Each channel's
 * state is N contiguous floats, so a step vectorises over n (stepChannel), one channel at a time.
 */
export function scanStep(
  x: usize, dt: usize, A: usize, Bm: usize, C: usize, Dskip: usize, bias: usize, state: usize, y: usize,
  B: i32, E: i32, N: i32, useSoftplus: bool,
): void {
  for (let b = 0; b < B; b++) {
    const bp = f4(Bm, b * N), cp = f4(C, b * N);
    for (let e = 0; e < E; e += 4) {
      // Δ of 4 channels at once (one vector softplus), then each channel's state.
      const lanes = min(4, E - e);
      const i = b * E + e;
      const z = f32x4.add(ld(f4(dt, i), lanes), bias ? ld(f4(bias, e), lanes) : f32x4.splat(0));
      const d = useSoftplus ? softplusf4(z) : z;
      const xv = ld(f4(x, i), lanes);
      const yv = stepChannels(d, xv, f4(A, e * N), f4(state, i * N), bp, cp, N, lanes);
      st(f4(y, i), f32x4.add(yv, Dskip ? f32x4.mul(ld(f4(Dskip, e), lanes), xv) : f32x4.splat(0)), lanes);
    }
  }
}

/** Columns of the 4×4 block rows r0..r3 (4 floats each): lane k of column j is lane j of row k. */
@inline function column(r0: v128, r1: v128, r2: v128, r3: v128, j: i32): v128 {
  const lo = j < 2;
  const a = lo ? v128.shuffle<f32>(r0, r1, 0, 4, 1, 5) : v128.shuffle<f32>(r0, r1, 2, 6, 3, 7); // r0[j'] r1[j'] …
  const b = lo ? v128.shuffle<f32>(r2, r3, 0, 4, 1, 5) : v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
  return (j & 1) == 0 ? v128.shuffle<f32>(a, b, 0, 1, 4, 5) : v128.shuffle<f32>(a, b, 2, 3, 6, 7);
}

/**
 * The step of 4 adjacent channels whose states are rows of N floats (N a multiple of 4), one
 * channel per lane: each 4×4 block of states (4 channels × 4 states) is transposed so that a
 * vector holds one state of the 4 channels, then h ← 2^(Δ·log₂e·A) ⊙ h + Δ·x·B and y = Σ_n C·h
 * over n in order, with no horizontal sums; the block is transposed back. Returns y.
 */
@inline export function stepFourChannels(d: v128, xv: v128, A: usize, h: usize, B: usize, C: usize, N: i32): v128 {
  const row = <usize>N << 2;
  const d2 = f32x4.mul(d, LOG2E);
  const dx = f32x4.mul(d, xv);
  let acc = f32x4.splat(0);
  for (let n = 0; n < N; n += 4) {
    const o = <usize>n << 2;
    const a0 = v128.load(A + o), a1 = v128.load(A + row + o), a2 = v128.load(A + 2 * row + o), a3 = v128.load(A + 3 * row + o);
    const r0 = v128.load(h + o), r1 = v128.load(h + row + o), r2 = v128.load(h + 2 * row + o), r3 = v128.load(h + 3 * row + o);
    let h0 = column(r0, r1, r2, r3, 0), h1 = column(r0, r1, r2, r3, 1);
    let h2 = column(r0, r1, r2, r3, 2), h3 = column(r0, r1, r2, r3, 3);
    h0 = madd(exp2f4(f32x4.mul(d2, column(a0, a1, a2, a3, 0))), h0, f32x4.mul(dx, v128.load32_splat(B + o)));
    acc = madd(v128.load32_splat(C + o), h0, acc);
    h1 = madd(exp2f4(f32x4.mul(d2, column(a0, a1, a2, a3, 1))), h1, f32x4.mul(dx, v128.load32_splat(B + o, 4)));
    acc = madd(v128.load32_splat(C + o, 4), h1, acc);
    h2 = madd(exp2f4(f32x4.mul(d2, column(a0, a1, a2, a3, 2))), h2, f32x4.mul(dx, v128.load32_splat(B + o, 8)));
    acc = madd(v128.load32_splat(C + o, 8), h2, acc);
    h3 = madd(exp2f4(f32x4.mul(d2, column(a0, a1, a2, a3, 3))), h3, f32x4.mul(dx, v128.load32_splat(B + o, 12)));
    acc = madd(v128.load32_splat(C + o, 12), h3, acc);
    // Back to rows: the transpose is its own inverse.
    v128.store(h + o, column(h0, h1, h2, h3, 0));
    v128.store(h + row + o, column(h0, h1, h2, h3, 1));
    v128.store(h + 2 * row + o, column(h0, h1, h2, h3, 2));
    v128.store(h + 3 * row + o, column(h0, h1, h2, h3, 3));
  }
  return acc;
}

/**
 * The step of `lanes` (1–4) adjacent channels with Δ and x in the lanes of d and xv, A and h at
 * their first channel's rows (rows of N floats): C·h of each channel in its lane, 0 beyond lanes.
 */
@inline export function stepChannels(d: v128, xv: v128, A: usize, h: usize, B: usize, C: usize, N: i32, lanes: i32): v128 {
  const row = <usize>N << 2;
  let y = f32x4.splat(0);
  y = f32x4.replace_lane(y, 0, stepChannel(f32x4.extract_lane(d, 0), f32x4.extract_lane(xv, 0), A, h, B, C, N));
  if (lanes > 1) y = f32x4.replace_lane(y, 1, stepChannel(f32x4.extract_lane(d, 1), f32x4.extract_lane(xv, 1), A + row, h + row, B, C, N));
  if (lanes > 2) y = f32x4.replace_lane(y, 2, stepChannel(f32x4.extract_lane(d, 2), f32x4.extract_lane(xv, 2), A + 2 * row, h + 2 * row, B, C, N));
  if (lanes > 3) y = f32x4.replace_lane(y, 3, stepChannel(f32x4.extract_lane(d, 3), f32x4.extract_lane(xv, 3), A + 3 * row, h + 3 * row, B, C, N));
  return y;
}

/**
 * One state n of the reverse recurrence at one step, for 4 channels: returns δ_t = g_t·C_t[n] +
 * δ_{t+1}' (dh: dA_{t+1} ⊙ δ_{t+1}), and adds the step's shares of gradC (g·h_t) and gradBm
 * (δ·Δ·x) of these channels into accC and accB.
 */
@inline function reverseStep(gy: v128, cn: v128, dh: v128, dxv: v128, accC: usize, accB: usize, hs: usize): v128 {
  const adj = madd(gy, cn, dh);
  v128.store(accC, madd(gy, v128.load(hs), v128.load(accC)));
  v128.store(accB, madd(adj, dxv, v128.load(accB)));
  return adj;
}

/**
 * One channel's step with its state h[0..N) contiguous: h ← exp(d·A) ⊙ h + d·x·B; returns C·h.
 * A, h: the channel's rows of [E, N]; B, C: the batch row's [N] (any alignment). The exp with
 * IEEE tails, as exp2f4 in the other paths: +Inf on overflow and 0 far below, not the clamped
 * ~3.4e38 and 1.2e−38 of expf4 (the same bits in between).
 */
export function stepChannel(d: f32, x: f32, A: usize, h: usize, B: usize, C: usize, N: i32): f32 {
  const dv = f32x4.splat(d);
  const dx = d * x;
  const dxv = f32x4.splat(dx);
  let acc = f32x4.splat(0);
  let n = 0;
  for (; n + 4 <= N; n += 4) {
    const o = <usize>n << 2;
    const dA = expf4Full(f32x4.mul(dv, v128.load(A + o)));
    const hn = madd(dA, v128.load(h + o), f32x4.mul(dxv, v128.load(B + o)));
    v128.store(h + o, hn);
    acc = madd(v128.load(C + o), hn, acc);
  }
  let s = hsum(acc);
  for (; n < N; n++) {
    const o = <usize>n << 2;
    const dA = f32x4.extract_lane(expf4Full(f32x4.splat(d * load<f32>(A + o))), 0);
    const hn = dA * load<f32>(h + o) + dx * load<f32>(B + o);
    store<f32>(h + o, hn);
    s += load<f32>(C + o) * hn;
  }
  return s;
}
