// What every experiment's page shares: the machine line (CPU, cores, load average, kernels), the
// command that reproduces it, markdown tables, least-squares slopes on log-log axes, and the JSON
// of every measurement written atomically after each run so that a stopped experiment keeps them.

import os from 'node:os';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from '../io/atomic.js';
import { describeBackend } from '../kernels/index.js';
import type { ExperimentOptions } from './registry.js';
import { flagOf } from '../cli/parse.js';

/** The machine a figure was measured on; loadavg is uptime's 1, 5 and 15 minute averages. */
export function machine(): { cpu: string; cores: number; memoryGiB: number; node: string; kernels: string; loadavg: number[] } {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    kernels: describeBackend(),
    loadavg: os.loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

export type Machine = ReturnType<typeof machine>;

/** What every experiment's JSON holds besides its measurements; its page is written from the JSON alone. */
export interface RunRecord {
  experiment: string;
  command: string;
  machine: Machine;
  seconds: number;
  /** Load average when the run finished (absent while it runs). */
  loadavgEnd?: number[];
}

/** <out>/<name>.json as written by a run or a study, read for `option` (--replot, --merge), whose name a missing file's error gives. */
export function readRecord<T>(out: string, name: string, option = '--replot'): T {
  const file = join(out, `${name}.json`);
  if (!existsSync(file)) throw new Error(`${option}: ${out} holds no ${name}.json; run the experiment there first (its --out)`);
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

/** "at the start 14.4 / 13.9 / 11.1 (1 / 5 / 15 min), at the end …". */
export function loadLine(r: RunRecord): string {
  return `load average at the start ${r.machine.loadavg.join(' / ')}, at the end ${r.loadavgEnd ? r.loadavgEnd.join(' / ') : '(not recorded: the run stopped early)'} (1 / 5 / 15 min)`;
}

/** A sentence for a page measured on a loaded machine (load above the core count), else ''. */
export function loadCaveat(r: RunRecord): string {
  const load = Math.max(r.machine.loadavg[0], r.loadavgEnd?.[0] ?? 0);
  if (load <= r.machine.cores) return '';
  if (load <= 1.5 * r.machine.cores) return `**The machine was shared during this run** (load average up to ${load.toFixed(1)} on ${r.machine.cores} cores: another job ran beside it), so times are somewhat slower than on an idle machine; ratios between points of the run hold better than absolute times.`;
  return `**The machine was heavily loaded during this run** (load average up to ${load.toFixed(1)} on ${r.machine.cores} cores: other jobs ran beside it), so absolute times are several times slower than on an idle machine, and ratios between points measured at different moments can be off by up to about 2×; trends spanning orders of magnitude are what this run shows reliably.`;
}

/** The command line that reproduces a run: `mamba-ts experiment <name>` and every option given. */
export function commandLine(name: string, o: ExperimentOptions): string {
  const parts = ['mamba-ts experiment', name];
  if (o.quick) parts.push('--quick');
  if (o.data) parts.push(`--data ${o.data}`);
  if (o.seeds) parts.push(`--seeds ${o.seeds.join(',')}`);
  for (const [key, v] of Object.entries(o)) {
    if (['quick', 'data', 'seeds', 'out'].includes(key) || v === undefined) continue;
    parts.push(`${flagOf(key)} ${Array.isArray(v) ? v.join(',') : String(v)}`);
  }
  return parts.join(' ');
}

/** The three files of an experiment: <out>/<name>.md, .json, and the base of its plots. */
export function outputPaths(out: string, name: string): { md: string; json: string; plot: (suffix: string) => string } {
  mkdirSync(out, { recursive: true });
  return { md: join(out, `${name}.md`), json: join(out, `${name}.json`), plot: (suffix) => join(out, `${name}-${suffix}`) };
}

export const saveJson = writeJsonAtomic;
export const saveText = (path: string, text: string) => writeFileAtomic(path, text);

/** A markdown table. */
export function table(headers: string[], rows: Array<Array<string | number>>): string {
  const line = (cells: Array<string | number>) => `| ${cells.join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}

/** Least squares of log y on log x: y ≈ a · x^slope. Needs two points with distinct x. */
export function logLogFit(points: Array<[number, number]>): { slope: number; a: number } | null {
  const p = points.filter(([x, y]) => x > 0 && y > 0).map(([x, y]) => [Math.log(x), Math.log(y)]);
  if (p.length < 2) return null;
  const mx = p.reduce((s, [x]) => s + x, 0) / p.length;
  const my = p.reduce((s, [, y]) => s + y, 0) / p.length;
  const sxx = p.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  if (sxx === 0) return null;
  const slope = p.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0) / sxx;
  return { slope, a: Math.exp(my - slope * mx) };
}

/** "1,234" / "1.23M" style counts; seconds as "12.3 s" or "4 min 05 s". */
export const count = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : Math.round(n).toLocaleString('en-US'));
export function duration(seconds: number): string {
  if (seconds < 90) return `${seconds.toFixed(1)} s`;
  const m = Math.floor(seconds / 60);
  return `${m} min ${String(Math.round(seconds - 60 * m)).padStart(2, '0')} s`;
}
export const mib = (bytes: number) => bytes / 2 ** 20;
/** "41.6 KiB", "365 MiB", "1.52 GiB". */
export function bytes(n: number): string {
  if (n < 2 ** 20) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 2 ** 30) return `${(n / 2 ** 20).toFixed(n < 10 * 2 ** 20 ? 2 : 0)} MiB`;
  return `${(n / 2 ** 30).toFixed(2)} GiB`;
}

/**
 * One measurement in a fresh process (`script` beside this file, run with `args`), so that its
 * peak memory, and a crash or an out-of-memory, stay its own: the JSON of its last output line, or
 * why there is none.
 */
export function runProbe<T>(script: string, args: string[], timeoutSeconds: number): T | { failed: string } {
  const path = fileURLToPath(new URL(`./${script}`, import.meta.url));
  const r = spawnSync(process.execPath, [path, ...args], { encoding: 'utf8', timeout: timeoutSeconds * 1000, maxBuffer: 1 << 20 });
  if (r.error) return { failed: (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT' ? `timed out (> ${timeoutSeconds} s)` : r.error.message };
  if (r.status !== 0) return { failed: `failed: ${(r.stderr || `exit ${r.status}, signal ${r.signal}`).trim().split('\n').pop()}` };
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as T;
}
