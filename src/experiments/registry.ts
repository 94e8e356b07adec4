// The experiments behind `mamba-ts experiment <name>`: each is one entry of EXPERIMENTS (a name, a
// line of description, its own options, a run function), so a study plugs in by adding an entry
// here; src/cli/experiment.ts turns every entry into a subcommand with the common options.

import { contextScaling } from './context_scaling.js';
import { generation } from './generation.js';
import { lmQuality } from './lm_quality.js';
import { stateSize } from './state_size.js';
import { selectiveCopyingExperiment } from './selective_copying.js';
import { inductionHeadsExperiment } from './induction_heads.js';
import { listOpsExperiment } from './listops.js';

/** Options every experiment takes (src/cli/experiment.ts parses them). */
export interface ExperimentOptions {
  /** The minutes-long version: fewer sizes, steps and lengths (what the tests run, smaller still). */
  quick: boolean;
  /** A UTF-8 text file for experiments that train on a corpus (default Moby Dick). */
  data?: string;
  /** Where <name>.md, <name>.json and the plots go (default docs/results). */
  out: string;
  /** Seeds of the final runs (default: the experiment's own). */
  seeds?: number[];
  /** The experiment's own options, by camelCase name (commander's). */
  [option: string]: unknown;
}

/** One option of an experiment, in commander's terms ('--max-length <n>'). */
export interface ExperimentOption {
  flags: string;
  description: string;
  /** Parses and checks the text given (an error names what was expected). */
  parse?: (value: string) => unknown;
  default?: unknown;
}

export interface Experiment {
  name: string;
  /** One line for `mamba-ts experiment --help`. */
  description: string;
  options?: ExperimentOption[];
  run(o: ExperimentOptions): Promise<void>;
  /** Rewrites the page and plots from <out>/<name>.json without measuring (--replot). */
  replot?(o: ExperimentOptions): Promise<void>;
}

/** Every experiment, in the order of the help. Add an entry to add a study. */
export const EXPERIMENTS: Experiment[] = [contextScaling, generation, lmQuality, stateSize, selectiveCopyingExperiment, inductionHeadsExperiment, listOpsExperiment];

export function findExperiment(name: string): Experiment {
  const e = EXPERIMENTS.find((x) => x.name === name);
  if (!e) throw new Error(`experiment ${JSON.stringify(name)} does not exist (known: ${EXPERIMENTS.map((x) => x.name).join(', ') || 'none'})`);
  return e;
}
