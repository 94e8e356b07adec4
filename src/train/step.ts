// What every trainer shares: AdamW over the model's decay groups with the warmup + cosine
// schedule, and one optimisation step (loss → backward → global-norm clip → AdamW) that stops on a
// non-finite loss or gradient norm before the weights change.

import { backward } from '../autograd/tape.js';
import type { CausalLM } from '../models/causal_lm.js';
import type { Module } from '../nn/module.js';
import { AdamW, paramGroupsForDecay, clipGradNorm, cosineWithWarmup } from '../optim/index.js';
import type { TokenBatch } from '../data/batches.js';
import { withArena } from '../kernels/memory.js';

export class TrainingDivergedError extends Error {}

export interface OptimizerOptions {
  steps: number;
  lr: number;
  minLr: number;
  warmupSteps: number;
  weightDecay: number;
}

/** What a trainer needs of a model: its parameters and a scalar loss of a batch (a CausalLM, a SequenceClassifier). */
export type Trainable = Module & Pick<CausalLM, 'loss'>;

/** AdamW (decay on the model's matrices, see Module.param) and its learning rate at each step. */
export function createOptimizer(model: Module, o: OptimizerOptions): { optimizer: AdamW; schedule: (step: number) => number } {
  const optimizer = new AdamW(paramGroupsForDecay(model, o.weightDecay), { lr: o.lr, weightDecay: o.weightDecay });
  const schedule = cosineWithWarmup({ lr: o.lr, minLr: o.minLr, warmupSteps: o.warmupSteps, totalSteps: o.steps });
  return { optimizer, schedule };
}

/** B sequences of L tokens: inputs and targets [B·L], targets −100 where nothing is to be predicted. */
export type SizedBatch = TokenBatch & { batch: number; length: number };

/**
 * Optimizer step number `step` (0-based) on one batch at the scheduled learning rate. Throws
 * TrainingDivergedError, its message ending with `advice`, on a non-finite loss or gradient norm.
 */
export function optimizerStep(
  model: Trainable,
  opt: { optimizer: AdamW; schedule: (step: number) => number },
  step: number,
  data: SizedBatch,
  gradClip: number,
  advice: string,
): { loss: number; gradNorm: number; lr: number } {
  const lr = opt.schedule(step);
  opt.optimizer.setLr(lr);
  model.zeroGrad();
  // The step's activations and gradients live in an arena (src/kernels/memory.ts): only numbers
  // leave it; the parameters' gradients are copied out by autograd.
  const { lossValue, gradNorm } = withArena(() => {
    const loss = model.loss(data.inputs, data.targets, data.batch, data.length);
    const lossValue = loss.item();
    if (!Number.isFinite(lossValue)) throw new TrainingDivergedError(`training stopped at step ${step + 1}: the loss is ${lossValue}. ${advice}`);
    backward(loss);
    return { lossValue, gradNorm: clipGradNorm(model.parameters(), gradClip) };
  });
  if (!Number.isFinite(gradNorm)) throw new TrainingDivergedError(`training stopped at step ${step + 1}: the gradient norm is ${gradNorm}. ${advice}`);
  opt.optimizer.step();
  return { loss: lossValue, gradNorm, lr };
}
