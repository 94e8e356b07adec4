// The control block's layout, the job kinds and every job's parameter slots: the one definition
// that both sides compile, the pool and kernel wrappers here (through control.ts) and the
// AssemblyScript kernels (assembly/control.ts re-exports this file). It is therefore written in
// the subset both compilers read alike: integer constants and enums, nothing else
// (test/kernels/slots.test.ts checks that neither control.ts defines a number of its own).
//
// A job's parameters are i32 slots from PARAMS on, in the order of its enum: the wrapper writes
// them by name (WasmRuntime.setParams), the task reads them by name (param(ctl, Enum.name)).
// Addresses are byte offsets in the memory; "f32" slots hold a float's bits.

// Control block slots (see control.ts for the publication protocol).
export const WORKER_TASKS = 0; // tasks run by workers (not the caller) over the pool's life: tests check a job used a worker
export const CLAIM = 1; // (job sequence << 16) | next task index, claimed by compare-exchange
export const NTASKS = 2;
export const DONE = 3; // tasks finished in the current job
export const ERROR = 4; // set when a task threw
export const KIND = 5; // which task function runs (JOB_* below)
export const SCRATCH = 6; // per-thread scratch base (bytes)
export const SCRATCH_STRIDE = 7; // bytes of scratch per thread
export const THREADS = 8; // threads taking part in the current job (tids 0..THREADS-1)
export const PARAMS = 9; // the current job's parameters: slots 9..55
export const PHASES = 56; // phases of a phased job (0: one phase)
export const PHASE_ENDS = 57; // task index where each phase ends, in order (MAX_PHASES slots)
export const MAX_PHASES = 7;
// Bumped once per parallel job; idle workers poll it, then sleep on it. Alone on its 64-byte
// line (slots 64–79): a worker spinning on it would otherwise pull the line holding CLAIM, DONE
// and the parameters away from the thread publishing a job at every store.
export const GEN = 64;
export const STARTED = 65; // workers that have started and wait on GEN (each adds 1 once): Pool.ready
export const DONE_WAITERS = 66; // threads asleep in a kernel until DONE grows (a task's wait for the phase before): claimTasks wakes them
export const SLOTS = 80;
export const MAX_TASKS = 0xffff; // task indices live in the low 16 bits of CLAIM

// Job kinds (KIND).
export const JOB_NOP = 0; // an empty task: measures the pool's own cost
export const JOB_MATMUL = 1;
export const JOB_SCAN_FORWARD = 2;
export const JOB_SCAN_BACKWARD = 3;
export const JOB_UNARY_FORWARD = 4;
export const JOB_UNARY_BACKWARD = 5;
export const JOB_CONV1D_FORWARD = 6;
export const JOB_CONV1D_BACKWARD = 7;
export const JOB_RMSNORM_FORWARD = 8;
export const JOB_RMSNORM_BACKWARD = 9;
export const JOB_CROSS_ENTROPY_FORWARD = 10;
export const JOB_CROSS_ENTROPY_BACKWARD = 11;
export const JOB_BINARY = 12;
export const JOB_MAMBA_STEP = 13; // a phased job: one Mamba block's generation step
export const JOB_WHO = 14; // task t writes the id of the thread that ran it to i32 t of `out` (tests)
export const JOB_LINEAR_SCAN_FORWARD = 15;
export const JOB_LINEAR_SCAN_BACKWARD = 16;
export const JOB_GATE_FORWARD = 17;
export const JOB_GATE_BACKWARD = 18;
export const JOB_ADAMW = 19;
export const JOB_ATTENTION_FORWARD = 20;
export const JOB_ATTENTION_BACKWARD = 21;
export const JOB_ATTENTION_DECODE = 22; // one query row per sequence over a KV cache (a generation step)
export const JOB_STREAM_READ = 23; // reads an array once (the memory bandwidth a generation step is judged against)
export const JOB_SSD_STEP = 25; // Mamba-2's recurrence, one token per sequence
export const JOB_MAMBA_MODEL_STEP = 26; // every fused Mamba block of a model and its head, one token, one job
export const JOB_MAMBA2_STEP = 27; // a phased job: one Mamba-2 block's generation step
export const JOB_MAT_VEC = 24; // out = x·Wᵀ for a few rows x, W in f32, bf16 or int8 rows: a generation step's linear layers

// Parameters of each job, in slot order. "0" for an address means absent.

/** JOB_MATMUL (assembly/index.ts, src/kernels/wasm/matmul.ts); strides in floats. */
export enum MatmulParams {
  a, packedB, c, m, k, n, transA, accumulate, strideA,
  packedStride, // between the packed B of batch entries (0: one B for all)
  rowsPerBlock, rowBlocks, colsPerChunk, colChunks, // rows a multiple of MR (≤ MC), columns of NR
  b, transB, strideB, bEntries, packTasks,
}

/** JOB_SCAN_FORWARD (assembly/scan.ts, src/kernels/wasm/selective_scan.ts). */
export enum ScanForwardParams {
  x, dt, A, Bm, C, Dskip, deltaBias, initialState, y, delta, chunkStates, finalState,
  B, L, E, N, T, softplus, channelBlock,
}

/** JOB_SCAN_BACKWARD: partA [B, E, N], partBm and partC [B, blocks, L, N], partD and partBias [B, E]. */
export enum ScanBackwardParams {
  x, dt, A, Bm, C, Dskip, deltaBias, delta, chunkStates, gradY, gradX, gradDt,
  partA, partBm, partC, partDskip, partBias,
  B, L, E, N, T, softplus, channelBlock,
}

/** JOB_UNARY_FORWARD (assembly/elementwise.ts, src/kernels/wasm/elementwise.ts): op is a UNARY_* code. */
export enum UnaryForwardParams { op, x, out, n }

/** JOB_UNARY_BACKWARD: y is unused (every derivative is computed from x). */
export enum UnaryBackwardParams { op, x, y, gradOut, gradX, n }

/** JOB_GATE_FORWARD: out = y ⊙ SiLU(z). */
export enum GateForwardParams { y, z, out, n }

/** JOB_GATE_BACKWARD. */
export enum GateBackwardParams { y, z, gradOut, gradY, gradZ, n }

/** JOB_BINARY (assembly/binary.ts): op is a binary code; along*: 1 when the operand varies along the row. */
export enum BinaryParams { op, a, b, out, rows, len, rowStrideA, rowStrideB, alongA, alongB, rowsPerTask }

/** JOB_CONV1D_FORWARD (assembly/conv1d.ts, src/kernels/wasm/conv1d.ts): LC time steps per task. */
export enum Conv1dForwardParams { x, wT, bias, out, B, L, C, K, LC, pre }

/** JOB_CONV1D_BACKWARD: partW [tasks, K, C], partBias [tasks, C]. */
export enum Conv1dBackwardParams { gradOut, x, wT, gradX, partW, partBias, B, L, C, K, LC, pre }

/** JOB_RMSNORM_FORWARD (assembly/norm.ts, src/kernels/wasm/norm.ts): eps is f32. */
export enum RmsNormForwardParams { x, weight, out, rstd, rows, D, eps, rowsPerTask }

/** JOB_RMSNORM_BACKWARD: partW [tasks, D]. */
export enum RmsNormBackwardParams { gradOut, x, weight, rstd, gradX, partW, rows, D, rowsPerTask }

/** JOB_CROSS_ENTROPY_FORWARD (assembly/cross_entropy.ts, src/kernels/wasm/cross_entropy.ts): targets are i32. */
export enum CrossEntropyForwardParams { logits, targets, lse, loss, rows, V, ignoreIndex, rowsPerTask }

/** JOB_CROSS_ENTROPY_BACKWARD: scale is f32. */
export enum CrossEntropyBackwardParams { logits, targets, lse, gradLogits, rows, V, ignoreIndex, rowsPerTask, scale }

/** JOB_LINEAR_SCAN_FORWARD (assembly/linear_scan.ts, src/kernels/wasm/linear_scan.ts). */
export enum LinearScanForwardParams { a, aIm, b, bIm, h0, h0Im, h, hIm, B, L, C, block }

/** JOB_LINEAR_SCAN_BACKWARD. */
export enum LinearScanBackwardParams { a, aIm, h, hIm, g, gIm, h0, h0Im, gradA, gradAIm, gradB, gradBIm, B, L, C, block }

/** JOB_ADAMW (assembly/adamw.ts, src/kernels/wasm/adamw.ts): lr and the rest are f32. */
export enum AdamWParams { w, g, m, v, n, chunk, lr, beta1, beta2, oneMinusBeta1, oneMinusBeta2, eps, decay, c1, c2 }

/** JOB_WHO. */
export enum WhoParams { out }

/**
 * JOB_MAMBA_STEP (assembly/mamba_step.ts, src/kernels/wasm/mamba_step.ts), shapes as in
 * MambaStepArgs; the scratch arrays xz [B, 2E], xs [B, E], xdbl [B, R + 2N], y and dt [B, E];
 * eps and headEps are f32; weights: the format of inW, xW and outW, headWeights: headW's (0 f32,
 * 1 packed bf16 rows, 2 int8 rows: WEIGHT_CODES in src/kernels/wasm/mamba_step.ts).
 */
export enum MambaStepParams {
  x, normW, eps, inW, inBias, xz, convW, convBias, convState, xs, xW, xdbl,
  dtW, deltaBias, A, Dskip, ssmState, y, dt, outW, outBias, out, residual,
  B, D, E, N, R, K,
  tasksIn, tasksX, tasksChannels, tasksOut, tasksHead, // tasks of each phase, in order
  headW, headNormW, headEps, logits, V, weights, headWeights,
}

/**
 * JOB_ATTENTION_FORWARD (assembly/attention.ts, src/kernels/wasm/attention.ts): q and out
 * [B, Lq, H, d], k and v [B, cap, Hkv, d] (Lk rows used), lse [B, H, Lq]; scale is f32;
 * lengths: i32 [B] keys of each batch entry (a ragged batch), 0 when all hold Lk; causal: 1, or 0 for
 * every query to see all of its entry's keys.
 */
export enum AttentionForwardParams { q, k, v, out, lse, B, H, Hkv, Lq, Lk, cap, d, scale, lengths, causal }

/** JOB_ATTENTION_BACKWARD (Lq = Lk = cap = L): gradK and gradV are added into; 0 = not wanted; causal and lengths as the forward's (lengths only when not causal). */
export enum AttentionBackwardParams { gradOut, q, k, v, out, lse, gradQ, gradK, gradV, B, H, Hkv, L, d, scale, causal, lengths }

/** JOB_ATTENTION_DECODE: q [B, H, d]; partAcc [B·H·chunks, dp] and partMl [B·H·chunks, 2] per chunk of `chunk` keys; scale is f32; lengths as the forward's. */
export enum AttentionDecodeParams { q, k, v, partAcc, partMl, B, H, Hkv, Lk, cap, d, scale, chunk, chunks, lengths }

/** JOB_STREAM_READ (assembly/bandwidth.ts, src/kernels/wasm/bandwidth.ts): task t sums its span of `floats` floats into out[t]. */
export enum StreamReadParams { src, floats, out, tasks }

/**
 * JOB_MAT_VEC (assembly/mat_vec.ts, src/kernels/wasm/mat_vec.ts): x [B, k], w [n, k] in the
 * format `weights` (0 f32, 1 packed bf16 rows, 2 int8 rows), out [B, n]; each of `tasks` tasks
 * computes a span of the n columns for every row.
 */
export enum MatVecParams { x, w, out, B, k, n, weights, tasks }

/**
 * JOB_SSD_STEP (assembly/ssd_step.ts, src/kernels/wasm/ssd_step.ts), shapes as SsdStepArgs; dtMin
 * and dtMax are f32; each of `tasks` tasks takes a run of the B·H (sequence, head) pairs.
 */
export enum SsdStepParams { x, dt, A, Bm, C, dtBias, Dskip, state, y, B, H, P, G, N, dtMin, dtMax, tasks }

/**
 * JOB_MAMBA_MODEL_STEP (assembly/mamba_step.ts, src/kernels/wasm/mamba_model_step.ts): `layers`
 * JOB_MAMBA_STEP jobs in one, each layer's parameters a control block of its own (SCRATCH and
 * SCRATCH_STRIDE, then MambaStepParams from PARAMS on) at table + layer·stride bytes; a layer's
 * phases run tasksPerLayer tasks, the last layer's head tasksHead more. parallel: 1 when several
 * threads run the job, whose tasks then wait in the kernel for the phase before theirs (spinning,
 * then asleep where the thread may block: every worker, and the caller unless it is a page's main
 * thread, callerMayBlock 0).
 */
export enum MambaModelStepParams { table, stride, layers, tasksPerLayer, tasksHead, parallel, callerMayBlock }

/**
 * JOB_MAMBA2_STEP (assembly/mamba2_step.ts, src/kernels/wasm/mamba2_step.ts), shapes as in
 * Mamba2StepArgs; the scratch arrays zxbcdt [B, 2I + 2GN + H] (in_proj's output) and xBC
 * [B, I + 2GN] (after the conv and SiLU), y [B, I]; eps, gateEps, headEps, dtMin and dtMax are
 * f32; weights and headWeights as MambaStepParams'.
 */
export enum Mamba2StepParams {
  x, normW, eps, inW, inBias, zxbcdt, convW, convBias, convState, xBC,
  dtBias, A, Dskip, dtMin, dtMax, ssmState, y, gateW, gateEps, outW, outBias, out, residual,
  B, D, I, H, P, G, N, K,
  tasksIn, tasksHeads, tasksGate, tasksOut, tasksHead, // tasks of each phase, in order
  headW, headNormW, headEps, logits, V, weights, headWeights,
}
