// The WebAssembly step of a whole model of fused Mamba blocks (kernels().mambaModelStep): every
// layer's phases and the head in one pool job (JOB_MAMBA_MODEL_STEP), instead of a job per layer.
// What a token then costs besides the kernels is one publication and the copy of its embedding
// in: the layers' parameters do not change between tokens, so they are written once into a table
// of per-layer blocks (a "program", one per generation state), reused for as long as the same
// weights and state arrays come back. The programs share one set of activation buffers, grown to
// the largest step seen (a server steps many batch sizes: a set per program would add up). When
// an array is not resident in the wasm memory (a model made before the wasm backend was chosen),
// the layers run one JOB_MAMBA_STEP each, as before.

import { blocksInTurn, type MambaModelStepArgs, type MambaStepArgs } from '../reference/mamba_step.js';
import { JOB_MAMBA_MODEL_STEP, MambaModelStepParams, MambaStepParams, PARAMS, SCRATCH, SCRATCH_STRIDE } from './control.js';
import { WasmRuntime } from './runtime.js';
import { STEP_FLOAT_PARAMS, StepBuffers, stepParams, stepScratchBytes, stepTasks, stepThreads } from './mamba_step.js';

/** i32 slots of one layer's block: a control block's header, then MambaStepParams; 64-byte multiples. */
const BLOCK_SLOTS = Math.ceil((PARAMS + Object.keys(MambaStepParams).length / 2) / 16) * 16;

/** The activation buffers every program's blocks point at, for steps of up to `floats` floats each. */
interface Buffers {
  floats: number;
  hidden: [Float32Array, Float32Array]; // [B, D]: each layer reads one and writes the other; the embeddings go into the first
  xz: Float32Array; xs: Float32Array; xdbl: Float32Array; dt: Float32Array; y: Float32Array;
  scratch: Float32Array; // per thread: stepScratchBytes
  scratchStride: number;
}

interface Program {
  /** Every array the blocks point at, in a fixed order: the program is valid while they come back. */
  arrays: Float32Array[];
  threads: number;
  buffers: Buffers;
  table: Float32Array; // layers × BLOCK_SLOTS
  ints: Int32Array; // the table's slots as i32
  tasksPerLayer: number;
  tasksHead: number;
}

/** The arrays of a layer that its block points at (null entries are skipped). */
function layerArrays(l: MambaModelStepArgs['layers'][number]): Array<Float32Array | null> {
  return [l.norm?.weight ?? null, l.inProj, l.inBias, l.convWeight, l.convBias, l.xProj, l.dtProj, l.deltaBias, l.A, l.Dskip, l.outProj, l.outBias, l.convState, l.ssmState];
}

function argsArrays(a: MambaModelStepArgs): Float32Array[] {
  const all = a.layers.flatMap(layerArrays);
  all.push(a.head.norm.weight, a.head.weight);
  return all.filter((x): x is Float32Array => x !== null);
}

export function makeWasmMambaModelStep(rt: WasmRuntime, mambaStep: (a: MambaStepArgs) => void) {
  /** Programs by the first layer's SSM state: one per generation state, collected with it. */
  const programs = new WeakMap<Float32Array, Program>();
  let shared: Buffers | null = null;

  /** The shared buffers, replaced by larger ones when a step needs more (its programs are then rebuilt). */
  function buffersFor(floats: number, scratchStride: number, threads: number): Buffers {
    if (shared && shared.floats >= floats && shared.scratchStride >= scratchStride && shared.scratch.length * 4 >= threads * shared.scratchStride) return shared;
    const n = Math.max(floats, shared?.floats ?? 0);
    const stride = Math.max(scratchStride, shared?.scratchStride ?? 0);
    const buffer = () => rt.residentArray(n);
    shared = {
      floats: n, hidden: [buffer(), buffer()], xz: buffer(), xs: buffer(), xdbl: buffer(), dt: buffer(), y: buffer(),
      scratch: rt.residentArray((Math.max(threads, rt.threads) * stride) / 4), scratchStride: stride,
    };
    return shared;
  }

  function build(a: MambaModelStepArgs, arrays: Float32Array[]): Program {
    const first = a.layers[0];
    const { B, D, E, N, R } = first;
    const threads = stepThreads(rt, first);
    const tasks = stepTasks(first, threads, true);
    const stride = Math.ceil(stepScratchBytes(first) / 64) * 64;
    const buffers = buffersFor(B * Math.max(D, 2 * E, R + 2 * N), stride, threads);
    const { hidden, xz, xs, xdbl, dt, y, scratch } = buffers;
    const table = rt.residentArray(a.layers.length * BLOCK_SLOTS);
    const ints = new Int32Array(table.buffer, table.byteOffset, table.length);
    a.layers.forEach((layer, i) => {
      const last = i === a.layers.length - 1;
      const args: MambaStepArgs = { ...layer, x: hidden[i % 2], out: hidden[(i + 1) % 2], residual: true, head: last ? a.head : null };
      const bufs: StepBuffers = {
        x: hidden[i % 2].byteOffset, out: hidden[(i + 1) % 2].byteOffset, xz: xz.byteOffset, xs: xs.byteOffset, xdbl: xdbl.byteOffset,
        dt: dt.byteOffset, y: y.byteOffset, convState: rt.input(layer.convState), ssmState: rt.input(layer.ssmState), logits: 0, // set at each call
      };
      const values = stepParams(rt, args, bufs, last ? tasks : [...tasks.slice(0, 4), 0]);
      const at = i * BLOCK_SLOTS;
      ints[at + SCRATCH] = scratch.byteOffset;
      ints[at + SCRATCH_STRIDE] = buffers.scratchStride;
      for (const name of Object.keys(values) as Array<keyof typeof values>) ints[at + PARAMS + MambaStepParams[name]] = values[name];
      for (const name of STEP_FLOAT_PARAMS) table[at + PARAMS + MambaStepParams[name]] = values[name];
    });
    return { arrays, threads, buffers, table, ints, tasksPerLayer: tasks[0] + tasks[1] + tasks[2] + tasks[3], tasksHead: tasks[4] };
  }

  /** The program for these arrays: the cached one while every array is the same, else a new one; null when one is not resident. */
  function programFor(a: MambaModelStepArgs): Program | null {
    const arrays = argsArrays(a);
    const cached = programs.get(a.layers[0].ssmState);
    const valid = (p: Program) => p.buffers === shared && p.threads === stepThreads(rt, a.layers[0]) && p.arrays.length === arrays.length && p.arrays.every((x, i) => x === arrays[i]);
    if (cached && valid(cached)) return cached;
    if (!arrays.every((x) => rt.isResident(x))) return null;
    const program = build(a, arrays);
    programs.set(a.layers[0].ssmState, program);
    return program;
  }

  function mambaModelStep(a: MambaModelStepArgs): void {
    const program = programFor(a);
    if (!program) return blocksInTurn(a, mambaStep);
    const { B, D } = a.layers[0];
    const V = a.head.V;
    program.buffers.hidden[0].set(a.x.subarray(0, B * D));
    rt.reset();
    const logits = rt.output(a.head.logits, B * V);
    program.ints[(a.layers.length - 1) * BLOCK_SLOTS + PARAMS + MambaStepParams.logits] = logits; // the head's output, this call's
    rt.setParams(MambaModelStepParams, {
      table: program.table.byteOffset, stride: BLOCK_SLOTS * 4, layers: a.layers.length,
      tasksPerLayer: program.tasksPerLayer, tasksHead: program.tasksHead, parallel: program.threads > 1 && rt.pool.canSpawn ? 1 : 0,
      callerMayBlock: rt.pool.mayBlock ? 1 : 0,
    });
    rt.run(JOB_MAMBA_MODEL_STEP, a.layers.length * program.tasksPerLayer + program.tasksHead, program.threads);
    rt.writeBack(logits, a.head.logits, B * V);
  }

  return { mambaModelStep };
}
