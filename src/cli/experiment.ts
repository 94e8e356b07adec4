// `mamba-ts experiment <name>`: one subcommand per entry of the experiment registry, each with the
// common options (--quick, --data, --out, --seeds) and its own.

import { Command, InvalidArgumentError, Option } from 'commander';
import { EXPERIMENTS, type Experiment, type ExperimentOptions } from '../experiments/registry.js';

export const EXPERIMENT_DEFAULTS = { out: 'docs/results' };

/** '0,1,2' → [0, 1, 2]: distinct non-negative integers. */
export function parseSeeds(v: string): number[] {
  const parts = v.split(',').map((s) => s.trim());
  const seeds = parts.map(Number);
  if (parts.some((s) => !/^\d+$/.test(s)) || seeds.some((n) => !Number.isSafeInteger(n))) {
    throw new InvalidArgumentError('expected comma-separated non-negative integers, e.g. 0,1,2.');
  }
  if (new Set(seeds).size !== seeds.length) throw new InvalidArgumentError(`seeds repeat (${v}): each run must differ.`);
  return seeds;
}

function addExperiment(parent: Command, e: Experiment): void {
  const cmd = parent
    .command(e.name)
    .description(e.description)
    .option('--quick', 'the minutes-long version (fewer sizes, steps, lengths)', false)
    .option('--data <file>', 'a UTF-8 text file for the runs that train on a corpus (default: Moby Dick)')
    .option('--out <dir>', 'folder for <name>.md, <name>.json and the plots', EXPERIMENT_DEFAULTS.out)
    .option('--seeds <list>', 'seeds of the final runs, comma-separated (default: the experiment\'s)', parseSeeds)
    .option('--replot', 'rewrite <name>.md and the plots from <out>/<name>.json (a finished or stopped run) without measuring');
  cmd.showHelpAfterError(`see mamba-ts experiment ${e.name} --help`);
  for (const o of e.options ?? []) {
    const opt = new Option(o.flags, o.description);
    if (o.parse) opt.argParser(o.parse as (v: string, prev: unknown) => unknown);
    if (o.default !== undefined) opt.default(o.default);
    cmd.addOption(opt);
  }
  cmd.action((opts: ExperimentOptions & { replot?: boolean }) => {
    if (!opts.replot) return e.run(opts);
    if (!e.replot) throw new Error(`experiment ${e.name} has no --replot`);
    return e.replot(opts);
  });
}

/** `experiment` and its subcommands, added to `program`. */
export function experimentCommand(program: Command): Command {
  const cmd = program
    .command('experiment')
    .description('run a study of the seed\'s claims and write its table, JSON and plots to docs/results (see: experiment --help)');
  for (const e of EXPERIMENTS) addExperiment(cmd, e);
  return cmd;
}
