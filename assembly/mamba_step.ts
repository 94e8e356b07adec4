// The generation step of a selective Mamba block (src/kernels/reference/mamba_step.ts) as one
// phased pool job per layer and token (src/kernels/wasm/control.ts): each phase's tasks split
// its work, and a phase starts once the previous one is done, so the threads meet at a barrier
// instead of a new job. The phases, in order:
//   in       per block of channels: x_i and z of those channels, xz = RMSNorm(x)·W_inᵀ (+ b)
//            (each task normalises x itself into its thread's scratch when the block's norm is
//            fused in), then the causal conv's step and SiLU of x_i (the conv state shifts once):
//            a channel's conv needs only its own x_i, so it needs no barrier after in_proj
//   x        [dt_low | B | C] = x_c·W_xᵀ, split over columns
//   channels per block of channels: Δ = softplus(dt_low·W_dtᵀ + b), the state update,
//            y = (C·h + D·x) ⊙ SiLU(z)
//   out      out = y·W_outᵀ (+ b) (+ x, the residual), split over columns
//   head     for the model's last block only: logits = RMSNorm(out)·W_headᵀ, split over the
//            vocabulary; each task normalises out itself, as in the first phase
// The matrix-vector phases are memory-bound: each thread streams its share of the weights once,
// as f32 or, for generation with bf16 or int8 weights, as a half or a quarter of the bytes.

import { param, paramF, scratchOf, DONE, DONE_WAITERS, MambaStepParams, MambaModelStepParams } from './control';
import { dotRows } from './matmul';
import { addSpan, headRows, matVec, prepare, projectRows, spanEnd, spanStart } from './mat_vec';
import { rmsNormRow } from './norm';
import { convStepSpan } from './conv1d';
import { stepChannels, stepFourChannels } from './scan';
import { f4, ld, st } from './lanes';
import { sigmoidf4, softplusf4 } from './simd_math';

/** The thread's scratch: a normalised row [D] f32, then a rounded activation row (i16). */
@inline function normScratch(ctl: usize, tid: i32): usize {
  return scratchOf(ctl, tid);
}

@inline function quantScratch(ctl: usize, tid: i32): usize {
  return scratchOf(ctl, tid) + ((<usize>param(ctl, MambaStepParams.D) * 4 + 63) & ~63);
}

export function mambaStepTask(ctl: usize, task: i32, tid: i32): void {
  let t = task;
  for (let phase = 0; phase < 5; phase++) {
    const n = param(ctl, MambaStepParams.tasksIn + phase);
    if (t < n) {
      runPhase(ctl, phase, t, n, tid);
      return;
    }
    t -= n;
  }
}

/**
 * A task of JOB_MAMBA_MODEL_STEP: the same phases for every layer in turn, each layer reading its
 * own parameter block (a control block: ctl for its phases) and the hidden row the layer before
 * wrote. With several threads, a task first waits until every task of the phases before its own
 * is done: the job's only barriers, with no return to JavaScript between layers.
 */
export function mambaModelStepTask(ctl: usize, task: i32, tid: i32): void {
  const layers = param(ctl, MambaModelStepParams.layers), perLayer = param(ctl, MambaModelStepParams.tasksPerLayer);
  const layer = min(task / perLayer, layers - 1); // the head's tasks follow the last layer's
  const lctl = <usize>param(ctl, MambaModelStepParams.table) + <usize>layer * <usize>param(ctl, MambaModelStepParams.stride);
  let start = layer * perLayer; // the job's index of the first task of t's phase
  let t = task - start;
  for (let phase = 0; phase < 5; phase++) {
    const n = param(lctl, MambaStepParams.tasksIn + phase);
    if (t < n) {
      // (Builds without threads, for pages without shared memory, run every job on one thread in order.)
      if (ASC_FEATURE_THREADS) if (param(ctl, MambaModelStepParams.parallel)) waitForDone(ctl, start, tid > 0 || param(ctl, MambaModelStepParams.callerMayBlock) != 0);
      runPhase(lctl, phase, t, n, tid);
      return;
    }
    t -= n;
    start += n;
  }
}

/** Polls of DONE before a waiting thread sleeps: tens of microseconds, more than a phase's end takes on an idle machine. */
const WAIT_SPINS = 1 << 14;

/**
 * Waits until DONE reaches `start`: spinning, then, where the thread may block, asleep on DONE
 * (counted in DONE_WAITERS, which claimTasks reads to wake it), so that on a busy machine a
 * waiting thread gives its core to the one it waits for instead of spinning through its slice.
 */
function waitForDone(ctl: usize, start: i32, mayBlock: bool): void {
  const done = ctl + (<usize>DONE << 2), waiters = ctl + (<usize>DONE_WAITERS << 2);
  for (let i = 0; ; i++) {
    const d = atomic.load<i32>(done);
    if (d >= start) return;
    if (i < WAIT_SPINS || !mayBlock) continue;
    atomic.add<i32>(waiters, 1);
    atomic.wait<i32>(done, d, 1_000_000); // at most 1 ms: a missed wake-up costs no more
    atomic.sub<i32>(waiters, 1);
  }
}

@inline function runPhase(ctl: usize, phase: i32, t: i32, n: i32, tid: i32): void {
  if (phase == 0) inPhase(ctl, t, n, tid);
  else if (phase == 1) xPhase(ctl, t, n, tid);
  else if (phase == 2) channelPhase(ctl, t, n);
  else if (phase == 3) outPhase(ctl, t, n, tid);
  else headPhase(ctl, t, n, tid);
}

function inPhase(ctl: usize, task: i32, tasks: i32, tid: i32): void {
  const B = param(ctl, MambaStepParams.B), D = param(ctl, MambaStepParams.D), E = param(ctl, MambaStepParams.E);
  const x = <usize>param(ctl, MambaStepParams.x), normW = <usize>param(ctl, MambaStepParams.normW);
  const w = <usize>param(ctl, MambaStepParams.inW);
  const bias = <usize>param(ctl, MambaStepParams.inBias), xz = <usize>param(ctl, MambaStepParams.xz);
  const e0 = spanStart(E, tasks, task), e1 = spanEnd(E, tasks, task);
  const format = param(ctl, MambaStepParams.weights);
  const q = quantScratch(ctl, tid);
  for (let b = 0; b < B; b++) {
    let xr = f4(x, b * D);
    if (normW) {
      const xn = normScratch(ctl, tid);
      rmsNormRow(xr, normW, xn, D, paramF(ctl, MambaStepParams.eps));
      xr = xn;
    }
    const row = f4(xz, b * 2 * E);
    const xs = prepare(format, xr, D, q);
    matVec(format, xr, q, xs, w, row, 2 * E, D, e0, e1); // x_i
    matVec(format, xr, q, xs, w, row, 2 * E, D, E + e0, E + e1); // z
    if (bias) {
      addSpan(row, bias, e0, e1);
      addSpan(row, bias, E + e0, E + e1);
    }
  }
  convStep(ctl, e0, e1);
}

/** The causal conv's step and SiLU for channels e0 ≤ e < e1 of every row: x_i from xz into xs (convStepSpan). */
@inline function convStep(ctl: usize, e0: i32, e1: i32): void {
  const E = param(ctl, MambaStepParams.E);
  convStepSpan(
    param(ctl, MambaStepParams.B), <usize>param(ctl, MambaStepParams.xz), 2 * E, <usize>param(ctl, MambaStepParams.convState), E,
    <usize>param(ctl, MambaStepParams.convW), <usize>param(ctl, MambaStepParams.convBias), param(ctl, MambaStepParams.K),
    <usize>param(ctl, MambaStepParams.xs), E, e0, e1,
  );
}

function xPhase(ctl: usize, task: i32, tasks: i32, tid: i32): void {
  const B = param(ctl, MambaStepParams.B), E = param(ctl, MambaStepParams.E);
  const P = param(ctl, MambaStepParams.R) + 2 * param(ctl, MambaStepParams.N);
  const xs = <usize>param(ctl, MambaStepParams.xs), w = <usize>param(ctl, MambaStepParams.xW);
  const xdbl = <usize>param(ctl, MambaStepParams.xdbl);
  const j0 = spanStart(P, tasks, task), j1 = spanEnd(P, tasks, task);
  const format = param(ctl, MambaStepParams.weights);
  const q = quantScratch(ctl, tid);
  for (let b = 0; b < B; b++) {
    const xr = f4(xs, b * E);
    matVec(format, xr, q, prepare(format, xr, E, q), w, f4(xdbl, b * P), P, E, j0, j1);
  }
}

function channelPhase(ctl: usize, task: i32, tasks: i32): void {
  const B = param(ctl, MambaStepParams.B), E = param(ctl, MambaStepParams.E), N = param(ctl, MambaStepParams.N);
  const R = param(ctl, MambaStepParams.R);
  const xs = <usize>param(ctl, MambaStepParams.xs), xdbl = <usize>param(ctl, MambaStepParams.xdbl);
  const wdt = <usize>param(ctl, MambaStepParams.dtW);
  const bdt = <usize>param(ctl, MambaStepParams.deltaBias), A = <usize>param(ctl, MambaStepParams.A);
  const D = <usize>param(ctl, MambaStepParams.Dskip);
  const xz = <usize>param(ctl, MambaStepParams.xz), state = <usize>param(ctl, MambaStepParams.ssmState);
  const y = <usize>param(ctl, MambaStepParams.y);
  const dt = <usize>param(ctl, MambaStepParams.dt);
  const e0 = spanStart(E, tasks, task), e1 = spanEnd(E, tasks, task);
  const P = R + 2 * N;
  for (let b = 0; b < B; b++) {
    const xrow = f4(xdbl, b * P);
    const bp = f4(xrow, R), cp = f4(xrow, R + N);
    const dtRow = f4(dt, b * E);
    dotRows(xrow, wdt, dtRow, R, e0, e1, false);
    for (let e = e0; e < e1; e += 4) {
      const lanes = min(4, e1 - e);
      const i = b * E + e;
      const d = softplusf4(f32x4.add(ld(f4(dtRow, e), lanes), ld(f4(bdt, e), lanes)));
      const xv = ld(f4(xs, i), lanes);
      let yv = lanes == 4 && (N & 3) == 0
        ? stepFourChannels(d, xv, f4(A, e * N), f4(state, i * N), bp, cp, N)
        : stepChannels(d, xv, f4(A, e * N), f4(state, i * N), bp, cp, N, lanes);
      if (D) yv = f32x4.add(yv, f32x4.mul(ld(f4(D, e), lanes), xv));
      const z = ld(f4(xz, b * 2 * E + E + e), lanes);
      st(f4(y, i), f32x4.mul(yv, f32x4.mul(z, sigmoidf4(z))), lanes);
    }
  }
}

function outPhase(ctl: usize, task: i32, tasks: i32, tid: i32): void {
  const D = param(ctl, MambaStepParams.D);
  projectRows(
    param(ctl, MambaStepParams.weights), <usize>param(ctl, MambaStepParams.y), param(ctl, MambaStepParams.E), <usize>param(ctl, MambaStepParams.outW),
    <usize>param(ctl, MambaStepParams.out), D, <usize>param(ctl, MambaStepParams.outBias),
    param(ctl, MambaStepParams.residual) ? <usize>param(ctl, MambaStepParams.x) : 0,
    param(ctl, MambaStepParams.B), spanStart(D, tasks, task), spanEnd(D, tasks, task), quantScratch(ctl, tid),
  );
}

function headPhase(ctl: usize, task: i32, tasks: i32, tid: i32): void {
  const V = param(ctl, MambaStepParams.V);
  headRows(
    param(ctl, MambaStepParams.headWeights), <usize>param(ctl, MambaStepParams.out), param(ctl, MambaStepParams.D),
    <usize>param(ctl, MambaStepParams.headNormW), paramF(ctl, MambaStepParams.headEps), <usize>param(ctl, MambaStepParams.headW),
    <usize>param(ctl, MambaStepParams.logits), V, param(ctl, MambaStepParams.B), spanStart(V, tasks, task), spanEnd(V, tasks, task),
    normScratch(ctl, tid), quantScratch(ctl, tid),
  );
}
