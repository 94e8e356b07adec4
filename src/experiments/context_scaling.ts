// `mamba-ts experiment context-scaling`: is Mamba's scan linear in the sequence length and
// attention quadratic, and from which length is the scan cheaper? Forward + backward time per
// token and peak memory of the sequence-mixing op against L, with the tokens per step fixed (the
// batch shrinks as L grows), for the selective scan (fused; naive, materialising every state) and
// causal attention (fused; naive, materialising the L×L scores). Each point runs in a fresh
// process (context_probe.ts) so that its peak memory is its own; a series stops where its next
// point would pass the time or memory cap, and the page says where.

import { lineChart, type Series } from './plot.js';
import { writePlot } from './render.js';
import { commandLine, duration, loadLine, logLogFit, machine, mib, outputPaths, readRecord, runProbe, saveJson, saveText, table, type RunRecord, loadCaveat } from './report.js';
import type { Experiment, ExperimentOptions } from './registry.js';
import { integer } from '../cli/parse.js';

const NAME = 'context-scaling';
const KINDS = ['scan-fused', 'attention-fused', 'scan-naive', 'attention-naive'] as const;
type Kind = (typeof KINDS)[number];
const LABEL: Record<Kind, string> = {
  'scan-fused': 'Mamba scan, fused',
  'scan-naive': 'Mamba scan, naive (all states)',
  'attention-fused': 'attention, fused',
  'attention-naive': 'attention, naive (L×L scores)',
};

interface Settings {
  tokens: number; // per step: B = tokens / L
  lengths: number[];
  D: number; // model width: the scan has E = 2D channels, attention D / 64 heads of 64
  N: number;
  capSeconds: number;
  capBytes: number;
}

type Point = { kind: Kind; L: number; B: number } & ({ seconds: number; usPerToken: number; peakBytes: number } | { skipped: string });

function settings(o: ExperimentOptions): Settings {
  const minL = (o.minLength as number | undefined) ?? 256;
  const maxL = (o.maxLength as number | undefined) ?? (o.quick ? 8192 : 65536);
  const lengths: number[] = [];
  for (let L = minL; L <= maxL; L *= 2) lengths.push(L);
  const tokens = (o.tokens as number | undefined) ?? maxL;
  if (tokens < maxL) throw new Error(`--tokens ${tokens} is below --max-length ${maxL}: a step holds at least one sequence`);
  return { tokens, lengths, D: (o.width as number | undefined) ?? 128, N: 16, capSeconds: (o.capSeconds as number | undefined) ?? (o.quick ? 15 : 60), capBytes: 4 * 2 ** 30 };
}

/** One point in a child process (context_probe.ts): its seconds and peak bytes, or why there are none. */
function probe(kind: Kind, B: number, L: number, s: Settings): { seconds: number; peakBytes: number } | { skipped: string } {
  const H = Math.max(1, Math.round(s.D / 64));
  const r = runProbe<{ seconds: number; peakBytes: number }>('context_probe.js', [kind, B, L, 2 * s.D, s.N, H, s.D / H].map(String), 4 * s.capSeconds + 30);
  return 'failed' in r ? { skipped: r.failed } : r;
}

async function run(o: ExperimentOptions): Promise<void> {
  const s = settings(o);
  const paths = outputPaths(o.out, NAME);
  const started = machine();
  const t0 = performance.now();
  const points: Point[] = [];
  const record = (): Rec => ({ experiment: NAME, command: commandLine(NAME, o), machine: started, settings: s, points, seconds: (performance.now() - t0) / 1000 });
  const save = () => saveJson(paths.json, record());
  for (const kind of KINDS) {
    let stop: string | null = null;
    const done: Array<{ seconds: number; peakBytes: number }> = [];
    for (const L of s.lengths) {
      const B = Math.max(1, Math.floor(s.tokens / L));
      if (stop) {
        points.push({ kind, L, B, skipped: stop });
        continue;
      }
      const r = probe(kind, B, L, s);
      if ('skipped' in r) {
        stop = `not run: ${r.skipped} at L ${L}`;
        points.push({ kind, L, B, skipped: r.skipped });
      } else {
        points.push({ kind, L, B, ...r, usPerToken: (r.seconds / (B * L)) * 1e6 });
        console.log(`${NAME}: ${LABEL[kind]} · L ${L} · batch ${B} · ${((r.seconds / (B * L)) * 1e6).toFixed(2)} µs/token · peak ${mib(r.peakBytes).toFixed(0)} MiB`);
        done.push(r);
        // The next point's cost from the growth of the last two (time and memory per doubling of L).
        const last = done[done.length - 1];
        const prev = done.length > 1 ? done[done.length - 2] : undefined;
        const grow = (f: (p: { seconds: number; peakBytes: number }) => number) => (prev ? f(last) * Math.max(1, f(last) / Math.max(f(prev), 1e-9)) : f(last));
        if (grow((p) => p.seconds) > s.capSeconds) stop = `not run: the previous point predicts more than ${s.capSeconds} s per step`;
        else if (grow((p) => p.peakBytes) > s.capBytes) stop = `not run: the previous point predicts more than ${mib(s.capBytes) / 1024} GiB`;
      }
      save();
    }
  }
  const rec = { ...record(), loadavgEnd: machine().loadavg };
  saveJson(paths.json, rec);
  await writePage(o.out, rec);
}

type Rec = RunRecord & { settings: Settings; points: Point[] };

/** Slopes of time per token and per sequence against L, on the points ≥ 1024 where there are three such (the short end is overhead-bound). */
function fits(points: Point[]) {
  const out: Partial<Record<Kind, { perToken: number; perSequence: number; memory: number; from: number } | null>> = {};
  for (const kind of KINDS) {
    let pts = measured(points, kind);
    if (pts.filter((p) => p.L >= 1024).length >= 3) pts = pts.filter((p) => p.L >= 1024);
    const t = logLogFit(pts.map((p) => [p.L, p.usPerToken]));
    const m = logLogFit(pts.map((p) => [p.L, p.peakBytes]));
    out[kind] = t && m ? { perToken: t.slope, perSequence: t.slope + 1, memory: m.slope, from: pts[0].L } : null;
  }
  return out;
}

function measured(points: Point[], kind: Kind) {
  return points.filter((p): p is Extract<Point, { seconds: number }> => p.kind === kind && 'seconds' in p);
}

/** The L at which fused attention's time per token first exceeds the fused scan's (log-linear interpolation), or why none was seen. */
function crossover(points: Point[]): string {
  const scan = new Map(measured(points, 'scan-fused').map((p) => [p.L, p.usPerToken]));
  const att = measured(points, 'attention-fused').filter((p) => scan.has(p.L));
  for (let i = 0; i < att.length; i++) {
    const r = att[i].usPerToken / scan.get(att[i].L)!;
    if (r < 1) continue;
    if (i === 0) return `attention is already slower at the shortest length measured (L ${att[0].L}, ${r.toFixed(2)}× the scan)`;
    const r0 = att[i - 1].usPerToken / scan.get(att[i - 1].L)!;
    const L = Math.exp(Math.log(att[i - 1].L) + (Math.log(att[i].L) - Math.log(att[i - 1].L)) * (-Math.log(r0) / (Math.log(r) - Math.log(r0))));
    return `L ≈ ${Math.round(L).toLocaleString('en-US')} (interpolated between ${att[i - 1].L} and ${att[i].L})`;
  }
  return att.length ? `not within the lengths measured (attention up to L ${att[att.length - 1].L} stays cheaper)` : 'not measured';
}

async function writePage(out: string, rec: Rec): Promise<void> {
  const { settings: s, points, machine: m, seconds } = rec;
  const paths = outputPaths(out, NAME);
  const series = (f: (p: Extract<Point, { seconds: number }>) => number): Series[] =>
    KINDS.map((k) => ({ label: LABEL[k], points: measured(points, k).map((p) => [p.L, f(p)] as [number, number]), dashed: k.endsWith('naive') }));
  const timePlot = await writePlot(lineChart(series((p) => p.usPerToken), { title: `Forward + backward time per token (${s.tokens.toLocaleString('en-US')} tokens per step)`, xLabel: 'sequence length L (tokens, log)', yLabel: 'time per token (µs, log)', xLog: true, yLog: true, points: true }), paths.plot('time'));
  const memPlot = await writePlot(lineChart(series((p) => mib(Math.max(p.peakBytes, 1))), { title: 'Peak memory of one step (above the inputs)', xLabel: 'sequence length L (tokens, log)', yLabel: 'peak resident memory (MiB, log)', xLog: true, yLog: true, points: true }), paths.plot('memory'));
  const f = fits(points);
  const rows = s.lengths.map((L) => [
    L.toLocaleString('en-US'),
    Math.max(1, Math.floor(s.tokens / L)),
    ...KINDS.map((k) => {
      const p = points.find((q) => q.kind === k && q.L === L);
      return !p ? '' : 'seconds' in p ? `${p.usPerToken.toFixed(2)} µs · ${mib(p.peakBytes).toFixed(0)} MiB` : '—';
    }),
  ]);
  const skipped = KINDS.map((k) => points.find((p) => p.kind === k && 'skipped' in p)).filter((p): p is Extract<Point, { skipped: string }> => p !== undefined);
  const fitRows = KINDS.map((k) => {
    const x = f[k];
    return [LABEL[k], x ? x.perToken.toFixed(2) : '—', x ? x.perSequence.toFixed(2) : '—', x ? x.memory.toFixed(2) : '—', x ? `L ≥ ${x.from}` : ''];
  });
  const H = Math.max(1, Math.round(s.D / 64));
  const md = `# context-scaling: is the scan linear in L and attention quadratic?

**Claim (Mamba paper):** the selective scan is linear in the sequence length, attention quadratic; the
fused scan is faster than FlashAttention-2 beyond about 2k tokens.

**Answer here:** fused attention becomes slower per token than the fused scan at ${crossover(points)}.
Fitted log-log slopes of the time per token against L: scan ${f['scan-fused']?.perToken.toFixed(2) ?? '—'}, attention ${f['attention-fused']?.perToken.toFixed(2) ?? '—'} (0 is linear work per sequence, 1 quadratic).

${table(['L', 'batch', ...KINDS.map((k) => LABEL[k])], rows)}

Each cell: forward + backward time per token (µs) · peak resident memory of the step above its
inputs (MiB). — : not run (${skipped.map((p) => `${LABEL[p.kind]}: ${p.skipped} at L ${p.L}`).join('; ') || 'none'}).

${table(['op', 'slope of time per token', 'slope of time per sequence', 'slope of peak memory', 'fitted on'], fitRows)}

![time per token](${NAME}-time.png)
![peak memory](${NAME}-memory.png)

${loadCaveat(rec)}

## Setup
- The sequence-mixing op alone, forward and backward of Σ(op(inputs) ⊙ w), at the shapes of a
  width-${s.D} model: the selective scan with E = ${2 * s.D} channels and state N = ${s.N} (x, Δ: [B, L, E];
  B, C: [B, L, N]), attention with ${H} head${H > 1 ? 's' : ''} of ${s.D / H} (q, k, v: [B, L, H, d]). The projections, convolution
  and MLP around them cost the same per token at every L and are left out: this isolates the
  term the claim is about.
- ${s.tokens.toLocaleString('en-US')} tokens per step: batch B = ${s.tokens.toLocaleString('en-US')} / L.
- Fused scan: the chunked kernel (WebAssembly SIMD, states kept only at chunk boundaries, the
  backward recomputes them). Naive scan: selectiveScanReference, which keeps every state
  [B, L, E, N] (the reference TypeScript kernel, one thread). Fused attention: the blocked,
  FlashAttention-2-style kernel (WebAssembly, all threads). Naive attention: the reference
  TypeScript kernel that materialises the L×L scores (one thread). The naive kernels are thus
  slower by implementation as well as by algorithm: compare their slopes, not their heights.
- Each point in a fresh Node process; time: the median of 3 runs after a warm-up, or one run when
  it takes more than 2 s; memory: peak RSS minus the RSS after the inputs were made. A series
  stops when its last two points predict more than ${s.capSeconds} s or ${mib(s.capBytes) / 1024} GiB for the next.
- Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node}, kernels ${m.kernels};
  ${loadLine(rec)}.
- Run time: ${duration(seconds)}. No seeds: the inputs are fixed random numbers.

## Command
\`\`\`
${rec.command}
\`\`\`
(timing runs in this repository go under \`flock /work/wt/notes/bench.lock\`.) Every measurement: [${NAME}.json](${NAME}.json).

## Published figure beside ours
Mamba paper (Gu & Dao 2023, Figure 8 left): on an A100 the fused scan is faster than
FlashAttention-2 beyond about 2k tokens and up to 20-40× faster than a standard PyTorch scan; the
paper's scan is linear in L. Ours: crossover ${crossover(points)}; a CPU, not a GPU, and the op
alone, forward and backward.
`;
  saveText(paths.md, md);
  console.log(`${NAME}: wrote ${paths.md}, ${paths.json}, ${[...timePlot, ...memPlot].join(', ')}`);
}

const int = integer(1);

export const contextScaling: Experiment = {
  name: NAME,
  description: 'forward + backward time per token and peak memory against L: the selective scan (fused, naive) against attention (fused, naive)',
  replot: (o) => writePage(o.out, readRecord<Rec>(o.out, NAME)),
  options: [
    { flags: '--tokens <n>', description: 'tokens per step (batch = tokens / L; default the longest L)', parse: int },
    { flags: '--min-length <n>', description: 'shortest L (default 256)', parse: int },
    { flags: '--max-length <n>', description: 'longest L (default 65,536; --quick 8,192)', parse: int },
    { flags: '--width <n>', description: 'model width D whose mixers are measured (default 128)', parse: int },
    { flags: '--cap-seconds <n>', description: 'stop a series when its next point would take longer (default 60; --quick 15)', parse: int },
  ],
  run,
};
