// Selective scan speed: nanoseconds per (b, t, e, n) element for forward, backward and both,
// reference fused kernels against the wasm kernels on 1 and on all threads, at the shapes of a
// Mamba layer (batch 8, length 256, N 16, E = 2·d_model); and the LRU's complex linear scan.

import { referenceKernels } from '../src/kernels/reference/index.js';
import { SCAN_CHUNK } from '../src/kernels/reference/selective_scan.js';
import type { SelectiveScanBackwardArgs, SelectiveScanForwardArgs } from '../src/kernels/reference/selective_scan.js';
import { createWasmBackend, createWasmRuntime } from '../src/kernels/wasm/index.js';
import { BenchContext, registerSection, time } from './sections.js';
import { randomArray } from './baselines.js';

interface ScanShape { label: string; B: number; L: number; E: number; N: number }

function args(s: ScanShape): { f: SelectiveScanForwardArgs; b: SelectiveScanBackwardArgs } {
  const { B, L, E, N } = s;
  const T = SCAN_CHUNK;
  const A = new Float32Array(E * N);
  for (let e = 0; e < E; e++) for (let n = 0; n < N; n++) A[e * N + n] = -(n + 1);
  const dt = randomArray(B * L * E, 3).map((v) => -4 + v); // softplus(dt) ≈ 0.007–0.13
  const common = {
    B, L, E, N, x: randomArray(B * L * E, 1), dt, A, Bm: randomArray(B * L * N, 4), C: randomArray(B * L * N, 5),
    Dskip: randomArray(E, 6), deltaBias: randomArray(E, 7).map((v) => v * 0.1), deltaSoftplus: true, T,
  };
  const delta = new Float32Array(B * L * E);
  const chunkStates = new Float32Array(B * Math.ceil(L / T) * E * N);
  const f: SelectiveScanForwardArgs = { ...common, initialState: null, y: new Float32Array(B * L * E), delta, chunkStates, finalState: null };
  const b: SelectiveScanBackwardArgs = {
    ...common, delta, chunkStates, gradY: randomArray(B * L * E, 8),
    gradX: new Float32Array(B * L * E), gradDt: new Float32Array(B * L * E), gradA: new Float32Array(E * N),
    gradBm: new Float32Array(B * L * N), gradC: new Float32Array(B * L * N), gradDskip: new Float32Array(E), gradDeltaBias: new Float32Array(E),
  };
  return { f, b };
}

registerSection({
  name: 'scan',
  description: 'selective scan forward/backward ns per (b, t, e, n): reference vs wasm 1 and N threads',
  async run(ctx: BenchContext) {
    const N = ctx.threads;
    const list: ScanShape[] = [{ label: 'd 128: B 8, L 256, E 256, N 16', B: 8, L: 256, E: 256, N: 16 }];
    if (!ctx.quick) list.push({ label: 'd 256: B 8, L 256, E 512, N 16', B: 8, L: 256, E: 512, N: 16 });
    const rt = await createWasmRuntime(undefined, N);
    const wasm = createWasmBackend(rt).kernels;
    const rows: (string | number | null)[][] = [];
    const data: Record<string, unknown>[] = [];
    for (const s of list) {
      ctx.log(`scan: ${s.label}`);
      const { f, b } = args(s);
      const elems = s.B * s.L * s.E * s.N;
      const ns = (sec: number) => (sec / elems) * 1e9;
      const measure = (k: typeof wasm, repeats: number) => {
        const fwd = time(() => k.selectiveScanForward(f), repeats, 1).median;
        const bwd = time(() => k.selectiveScanBackward(b), repeats, 1).median;
        return { fwd: ns(fwd), bwd: ns(bwd), both: ns(fwd + bwd) };
      };
      const ref = measure(referenceKernels, 3);
      rt.threads = 1;
      const w1 = measure(wasm, ctx.quick ? 3 : 5);
      rt.threads = N;
      const wn = measure(wasm, ctx.quick ? 3 : 5);
      for (const [what, key] of [['forward', 'fwd'], ['backward', 'bwd'], ['fwd + bwd', 'both']] as const) {
        rows.push([`${s.label} ${what}`, ref[key], w1[key], wn[key], ref[key] / w1[key], ref[key] / wn[key]]);
      }
      data.push({ ...s, T: SCAN_CHUNK, nsPerElement: { reference: ref, wasm1: w1, wasmN: wn } });
    }
    // The LRU's complex linear recurrence (sequential algorithm): ns per (b, t, c) element.
    const lru = { B: 8, L: ctx.quick ? 256 : 1024, C: 64 };
    const label = `LRU complex: B ${lru.B}, L ${lru.L}, C ${lru.C}`;
    ctx.log(`scan: ${label}`);
    const n = lru.B * lru.L * lru.C;
    const lf = {
      ...lru, algorithm: 'sequential' as const, a: randomArray(n, 11).map((v) => 0.9 * v), aIm: randomArray(n, 12).map((v) => 0.3 * v),
      b: randomArray(n, 13), bIm: randomArray(n, 14), h0: null, h0Im: null, h: new Float32Array(n), hIm: new Float32Array(n),
    };
    const lb = { ...lf, g: randomArray(n, 15), gIm: randomArray(n, 16), gradA: new Float32Array(n), gradAIm: new Float32Array(n), gradB: new Float32Array(n), gradBIm: new Float32Array(n) };
    const lns = (sec: number) => (sec / n) * 1e9;
    const measureLru = (k: typeof wasm, repeats: number) => {
      const fwd = time(() => k.linearScanForward(lf), repeats).median;
      const bwd = time(() => k.linearScanBackward(lb), repeats).median;
      return { fwd: lns(fwd), bwd: lns(bwd), both: lns(fwd + bwd) };
    };
    const lref = measureLru(referenceKernels, 3);
    // The wasm runs read and write arrays in wasm memory, as in a training step's arena: this
    // kernel does so little per element that copying its six arrays would cost more than it.
    for (const args of [lf, lb] as Record<string, unknown>[]) {
      for (const [key, v] of Object.entries(args)) if (v instanceof Float32Array) args[key] = rt.residentCopy(v);
    }
    rt.threads = 1;
    const l1 = measureLru(wasm, ctx.quick ? 3 : 5);
    rt.threads = N;
    const lN = measureLru(wasm, ctx.quick ? 3 : 5);
    for (const [what, key] of [['forward', 'fwd'], ['backward', 'bwd'], ['fwd + bwd', 'both']] as const) {
      rows.push([`${label} ${what}`, lref[key], l1[key], lN[key], lref[key] / l1[key], lref[key] / lN[key]]);
    }
    data.push({ ...lru, kernel: 'linearScan complex', nsPerElement: { reference: lref, wasm1: l1, wasmN: lN } });
    return {
      title: `Selective scan (ns per (b, t, e, n) element) and LRU scan (per (b, t, c)), median; N = ${N} threads`,
      table: { columns: ['shape', 'ref', 'wasm 1t', `wasm ${N}t`, 'ref/wasm 1t', `ref/wasm ${N}t`], rows },
      notes: [
        `Fused chunked kernels (chunk T = ${SCAN_CHUNK}), softplus on, D and deltaBias present; wasm times include copies in and out.`,
        'LRU: the complex recurrence h = λ·h + b of the linear-RNN path, sequential algorithm; its wasm runs use arrays resident in wasm memory (no copies), as in a training step.',
        'Lower is better; the ratio columns are the speed-ups over the reference.',
      ],
      data,
    };
  },
});
