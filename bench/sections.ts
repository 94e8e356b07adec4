// The benchmark registry and its small toolkit. A section is a named async function that
// measures something and returns a table (printed) plus raw data (saved as JSON). Adding a
// section = one file calling registerSection() and one import line in run.ts.

export interface BenchContext {
  /** Fewer shapes and repeats, for a smoke run. */
  quick: boolean;
  /** Threads the wasm kernels use in "all threads" figures. */
  threads: number;
  log(line: string): void;
}

export interface Table {
  columns: string[];
  rows: (string | number | null)[][];
}

export interface SectionResult {
  title: string;
  table: Table;
  /** Further tables of the section, printed after the first. */
  extraTables?: { title: string; table: Table }[];
  /** How to read the table: units, what is timed, what was skipped and why. */
  notes: string[];
  data: unknown;
}

export interface BenchSection {
  name: string;
  description: string;
  run(ctx: BenchContext): Promise<SectionResult>;
}

const registry = new Map<string, BenchSection>();

export function registerSection(section: BenchSection): void {
  if (registry.has(section.name)) throw new Error(`bench: section '${section.name}' registered twice`);
  registry.set(section.name, section);
}

export function sections(): BenchSection[] {
  return [...registry.values()];
}

export interface Timing {
  /** Median seconds per call over the repeats. */
  median: number;
  /** Seconds per call of every repeat. */
  repeats: number[];
}

/**
 * Times fn: one warm-up call, then `repeats` samples, each as many calls as fill `minSampleMs`
 * (at least one); reports the median seconds per call.
 */
export function time(fn: () => void, repeats: number, minSampleMs = 40): Timing {
  let t0 = performance.now();
  fn();
  const once = Math.max(performance.now() - t0, 1e-3);
  const calls = Math.max(1, Math.ceil(minSampleMs / once));
  const samples: number[] = [];
  for (let r = 0; r < repeats; r++) {
    t0 = performance.now();
    for (let c = 0; c < calls; c++) fn();
    samples.push((performance.now() - t0) / 1000 / calls);
  }
  return { median: median(samples), repeats: samples };
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}

/** A table as aligned plain text (numbers right-aligned). */
export function formatTable(t: Table): string {
  const cells = [t.columns, ...t.rows.map((r) => r.map((v) => (v === null ? '—' : typeof v === 'number' ? fmt(v) : v)))];
  const widths = t.columns.map((_, j) => Math.max(...cells.map((r) => String(r[j]).length)));
  const line = (r: (string | number)[]) => r.map((v, j) => (j === 0 ? String(v).padEnd(widths[j]) : String(v).padStart(widths[j]))).join('  ');
  return [line(cells[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a >= 100 ? v.toFixed(0) : a >= 10 ? v.toFixed(1) : v.toFixed(2);
}
