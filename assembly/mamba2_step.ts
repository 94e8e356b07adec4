// The generation step of a Mamba-2 block (src/kernels/reference/mamba2_step.ts, the composition
// Mamba2Mixer.step runs with ops) as one phased pool job per layer and token, as the Mamba step
// (assembly/mamba_step.ts). The phases, in order:
//   in     per span of in_proj's rows: [z | xBC | dt] = RMSNorm(x)·W_inᵀ (+ b), then for the
//          span's xBC channels the conv's step and SiLU (a channel's conv needs only itself)
//   heads  per run of (sequence, head) pairs: the SSD step (ssdHeadStep), x, B and C read from
//          the conv's output, y written per head
//   gate   per (sequence, group): y ⊙ SiLU(z), RMS-normalised over the group's I/G channels, × weight
//   out    out = ŷ·W_outᵀ (+ b) (+ x, the residual), split over columns
//   head   for the model's last block only: logits = RMSNorm(out)·W_headᵀ, split over the vocabulary
// in, out and head stream the weights (f32, packed bf16 or int8 rows); heads streams the state.

import { param, paramF, scratchOf, Mamba2StepParams } from './control';
import { addSpan, headRows, matVec, prepare, projectRows, spanEnd, spanStart } from './mat_vec';
import { rmsNormRow } from './norm';
import { convStepSpan } from './conv1d';
import { ssdHeadStep } from './ssd_step';
import { f4, ld, st } from './lanes';
import { sigmoidf4 } from './simd_math';

/** The thread's scratch: a normalised row [D] f32, then a rounded activation row (i16). */
@inline function quantScratch(ctl: usize, tid: i32): usize {
  return scratchOf(ctl, tid) + ((<usize>param(ctl, Mamba2StepParams.D) * 4 + 63) & ~63);
}

export function mamba2StepTask(ctl: usize, task: i32, tid: i32): void {
  let t = task;
  for (let phase = 0; phase < 5; phase++) {
    const n = param(ctl, Mamba2StepParams.tasksIn + phase);
    if (t < n) {
      if (phase == 0) inPhase(ctl, t, n, tid);
      else if (phase == 1) headsPhase(ctl, t, n);
      else if (phase == 2) gatePhase(ctl, t, n);
      else if (phase == 3) outPhase(ctl, t, n, tid);
      else headPhase(ctl, t, n, tid);
      return;
    }
    t -= n;
  }
}

/** Columns of in_proj's output per row: z [I], xBC [I + 2GN], dt [H]. */
@inline function rowWidth(ctl: usize): i32 {
  const I = param(ctl, Mamba2StepParams.I), G = param(ctl, Mamba2StepParams.G), N = param(ctl, Mamba2StepParams.N);
  return 2 * I + 2 * G * N + param(ctl, Mamba2StepParams.H);
}

function inPhase(ctl: usize, task: i32, tasks: i32, tid: i32): void {
  const B = param(ctl, Mamba2StepParams.B), D = param(ctl, Mamba2StepParams.D), I = param(ctl, Mamba2StepParams.I);
  const convDim = I + 2 * param(ctl, Mamba2StepParams.G) * param(ctl, Mamba2StepParams.N);
  const W = rowWidth(ctl);
  const x = <usize>param(ctl, Mamba2StepParams.x), normW = <usize>param(ctl, Mamba2StepParams.normW);
  const w = <usize>param(ctl, Mamba2StepParams.inW), bias = <usize>param(ctl, Mamba2StepParams.inBias);
  const zxbcdt = <usize>param(ctl, Mamba2StepParams.zxbcdt);
  const j0 = spanStart(W, tasks, task), j1 = spanEnd(W, tasks, task);
  const format = param(ctl, Mamba2StepParams.weights);
  const q = quantScratch(ctl, tid);
  for (let b = 0; b < B; b++) {
    let xr = f4(x, b * D);
    if (normW) {
      const xn = scratchOf(ctl, tid);
      rmsNormRow(xr, normW, xn, D, paramF(ctl, Mamba2StepParams.eps));
      xr = xn;
    }
    const row = f4(zxbcdt, b * W);
    matVec(format, xr, q, prepare(format, xr, D, q), w, row, W, D, j0, j1);
    if (bias) addSpan(row, bias, j0, j1);
  }
  // The conv channels among this task's columns: xBC occupies columns I … I + convDim − 1.
  const c0 = max(j0, I) - I, c1 = min(j1, I + convDim) - I;
  if (c0 < c1) {
    convStepSpan(
      B, zxbcdt + (<usize>I << 2), W, <usize>param(ctl, Mamba2StepParams.convState), convDim,
      <usize>param(ctl, Mamba2StepParams.convW), <usize>param(ctl, Mamba2StepParams.convBias), param(ctl, Mamba2StepParams.K),
      <usize>param(ctl, Mamba2StepParams.xBC), convDim, c0, c1,
    );
  }
}

function headsPhase(ctl: usize, task: i32, tasks: i32): void {
  const B = param(ctl, Mamba2StepParams.B), I = param(ctl, Mamba2StepParams.I), H = param(ctl, Mamba2StepParams.H);
  const P = param(ctl, Mamba2StepParams.P), G = param(ctl, Mamba2StepParams.G), N = param(ctl, Mamba2StepParams.N);
  const convDim = I + 2 * G * N, W = rowWidth(ctl);
  const xBC = <usize>param(ctl, Mamba2StepParams.xBC), zxbcdt = <usize>param(ctl, Mamba2StepParams.zxbcdt);
  const A = <usize>param(ctl, Mamba2StepParams.A), dtBias = <usize>param(ctl, Mamba2StepParams.dtBias);
  const Dskip = <usize>param(ctl, Mamba2StepParams.Dskip), state = <usize>param(ctl, Mamba2StepParams.ssmState);
  const y = <usize>param(ctl, Mamba2StepParams.y);
  const dtMin = paramF(ctl, Mamba2StepParams.dtMin), dtMax = paramF(ctl, Mamba2StepParams.dtMax);
  const units = B * H;
  const per = (units + tasks - 1) / tasks;
  const u1 = min(units, (task + 1) * per);
  for (let u = task * per; u < u1; u++) {
    const b = u / H, h = u % H;
    const g = h / (H / G); // groups are repeated by interleaving: heads h·G/H share group g
    const row = f4(xBC, b * convDim);
    const bp = f4(row, I + g * N), cp = f4(row, I + G * N + g * N);
    const z = load<f32>(f4(zxbcdt, b * W + I + convDim + h)) + load<f32>(f4(dtBias, h));
    ssdHeadStep(f4(row, h * P), z, load<f32>(f4(A, h)), bp, cp, load<f32>(f4(Dskip, h)), f4(state, u * P * N), f4(y, b * I + h * P), P, N, dtMin, dtMax);
  }
}

function gatePhase(ctl: usize, task: i32, tasks: i32): void {
  const B = param(ctl, Mamba2StepParams.B), I = param(ctl, Mamba2StepParams.I), G = param(ctl, Mamba2StepParams.G);
  const W = rowWidth(ctl), S = I / G;
  const y = <usize>param(ctl, Mamba2StepParams.y), zxbcdt = <usize>param(ctl, Mamba2StepParams.zxbcdt);
  const w = <usize>param(ctl, Mamba2StepParams.gateW), eps = paramF(ctl, Mamba2StepParams.gateEps);
  const units = B * G;
  const per = (units + tasks - 1) / tasks;
  const u1 = min(units, (task + 1) * per);
  for (let u = task * per; u < u1; u++) {
    const b = u / G, g = u % G;
    const yr = f4(y, b * I + g * S), zr = f4(zxbcdt, b * W + g * S);
    for (let c = 0; c < S; c += 4) {
      const lanes = min(4, S - c);
      const z = ld(f4(zr, c), lanes);
      st(f4(yr, c), f32x4.mul(ld(f4(yr, c), lanes), f32x4.mul(z, sigmoidf4(z))), lanes);
    }
    rmsNormRow(yr, f4(w, g * S), yr, S, eps); // in place: each element is read before it is written
  }
}

function outPhase(ctl: usize, task: i32, tasks: i32, tid: i32): void {
  const D = param(ctl, Mamba2StepParams.D);
  projectRows(
    param(ctl, Mamba2StepParams.weights), <usize>param(ctl, Mamba2StepParams.y), param(ctl, Mamba2StepParams.I), <usize>param(ctl, Mamba2StepParams.outW),
    <usize>param(ctl, Mamba2StepParams.out), D, <usize>param(ctl, Mamba2StepParams.outBias),
    param(ctl, Mamba2StepParams.residual) ? <usize>param(ctl, Mamba2StepParams.x) : 0,
    param(ctl, Mamba2StepParams.B), spanStart(D, tasks, task), spanEnd(D, tasks, task), quantScratch(ctl, tid),
  );
}

function headPhase(ctl: usize, task: i32, tasks: i32, tid: i32): void {
  const V = param(ctl, Mamba2StepParams.V);
  headRows(
    param(ctl, Mamba2StepParams.headWeights), <usize>param(ctl, Mamba2StepParams.out), param(ctl, Mamba2StepParams.D),
    <usize>param(ctl, Mamba2StepParams.headNormW), paramF(ctl, Mamba2StepParams.headEps), <usize>param(ctl, Mamba2StepParams.headW),
    <usize>param(ctl, Mamba2StepParams.logits), V, param(ctl, Mamba2StepParams.B), spanStart(V, tasks, task), spanEnd(V, tasks, task),
    scratchOf(ctl, tid), quantScratch(ctl, tid),
  );
}
