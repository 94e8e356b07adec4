// npm run bench [-- --only matmul|scan|pool|serve|… --quick --threads N]
// Runs the registered sections, prints a table per section and writes
// bench/results/<name>-<date>.json (machine info, every figure, every repeat).

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { BenchContext, formatTable, sections } from './sections.js';
import { createWasmRuntime, defaultThreads, findProjectRoot } from '../src/kernels/wasm/index.js';
import './matmul.js';
import './pool.js';
import './scan.js';
import './e2e.js';
import './browser.js';
import './lab.js';
import './serve.js';
import './attention.js';
import './generation.js';
import './weights.js';
import './checkpoints.js';

function parseArgs(argv: string[]): { only: string[] | null; quick: boolean; threads: number | null } {
  const out = { only: null as string[] | null, quick: false, threads: null as number | null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') out.quick = true;
    else if (a === '--only') out.only = (argv[++i] ?? '').split(',').filter(Boolean);
    else if (a === '--threads') out.threads = Number(argv[++i]);
    else if (a === '--help' || a === '-h') {
      console.log(`usage: node dist/bench/run.js [--only ${sections().map((s) => s.name).join('|')}] [--quick] [--threads N]`);
      for (const s of sections()) console.log(`  ${s.name.padEnd(8)} ${s.description}`);
      process.exit(0);
    } else throw new Error(`bench: unknown argument '${a}' (try --help)`);
  }
  return out;
}

const args = parseArgs(process.argv.slice(2));
const known = sections().map((s) => s.name);
for (const name of args.only ?? []) if (!known.includes(name)) throw new Error(`bench: no section '${name}' (have: ${known.join(', ')})`);
const chosen = sections().filter((s) => !args.only || args.only.includes(s.name));
const ctx: BenchContext = {
  quick: args.quick,
  threads: args.threads ?? (await defaultThreads()),
  log: (line) => process.stderr.write(`${line}\n`),
};

const machine = {
  cpu: os.cpus()[0]?.model ?? 'unknown',
  cpus: os.availableParallelism?.() ?? os.cpus().length,
  memoryGiB: Math.round(os.totalmem() / 2 ** 30),
  platform: `${os.platform()} ${os.release()} ${os.arch()}`,
  node: process.version,
  v8: process.versions.v8,
  // Which build of the wasm kernels the sections create by default (MAMBA_TS_SIMD picks another).
  kernels: (await createWasmRuntime(undefined, 1)).relaxedSimd ? 'relaxed SIMD (kernels-relaxed.wasm)' : 'plain SIMD (kernels.wasm)',
};
console.log(`mamba-ts bench: ${machine.cpu}, ${machine.cpus} CPUs, Node ${machine.node}, wasm kernels: ${machine.kernels}${ctx.quick ? ' (quick)' : ''}\n`);

/** CPU seconds all cores spent busy, from the kernel's counters. */
function machineBusy(): number {
  return os.cpus().reduce((s, c) => s + (c.times.user + c.times.nice + c.times.sys + c.times.irq) / 1000, 0);
}

/** CPU seconds of this process, its threads and its finished children (numpy runs as one). */
function ownBusy(): number {
  const u = process.cpuUsage();
  let children = 0;
  try {
    // Linux: /proc/self/stat fields 16 and 17 are the waited-for children's user and system
    // time in clock ticks (100 per second).
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
    children = (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    // not Linux: children are counted as other processes
  }
  return (u.user + u.system) / 1e6 + children;
}

const results: Record<string, unknown> = {};
for (const s of chosen) {
  // Other processes on the machine skew the multi-thread figures: measure how much CPU they
  // took during the section (machine busy time minus this process's, workers included).
  const wall0 = performance.now();
  const busy0 = machineBusy();
  const own0 = ownBusy();
  const r = await s.run(ctx);
  const wall = (performance.now() - wall0) / 1000;
  const others = Math.max(0, machineBusy() - busy0 - (ownBusy() - own0)) / wall;
  const load = { seconds: wall, otherProcessesCores: others };
  results[s.name] = { ...r, load };
  r.notes.push(`Other processes used ${others.toFixed(2)} of the ${machine.cpus} cores on average during this section (${wall.toFixed(0)} s).`);
  const extra = (r.extraTables ?? []).map((t) => `\n### ${t.title}\n\n${formatTable(t.table)}\n`).join('');
  console.log(`## ${r.title}\n\n${formatTable(r.table)}\n${extra}${r.notes.map((n) => `- ${n}`).join('\n')}\n`);
}

const date = new Date().toISOString().replace(/[:]/g, '-').replace(/\..*$/, '');
const name = `${args.only ? args.only.join('+') : 'all'}${ctx.quick ? '-quick' : ''}`;
const dir = join(await findProjectRoot(import.meta.url), 'bench', 'results');
mkdirSync(dir, { recursive: true });
const file = join(dir, `${name}-${date}.json`);
writeFileSync(file, JSON.stringify({ name, date: new Date().toISOString(), machine, threads: ctx.threads, quick: ctx.quick, sections: results }, null, 2) + '\n');
console.log(`wrote ${file}`);
