// mamba-ts public API.

export * from './tensor/tensor.js';
export { Rng, manualSeed, globalRng } from './tensor/random.js';
export { backward, noGrad, isGradEnabled, OP_REGISTRY } from './autograd/tape.js';
export { setBackend, backendName, kernels } from './kernels/backend.js';
export { initBackend, setThreads, type BackendName, type InitBackendOptions } from './kernels/index.js';
export { withArena, allocArray, allocOutput, inArena } from './kernels/memory.js';
export * from './ops/index.js';
export * from './nn/index.js';
export * from './optim/index.js';
export { Mixer, type MixerState } from './models/mixer.js';
export { modelConfig, MIXER_KINDS, type ModelConfig, type ModelConfigInput, type MixerKind } from './models/config.js';
export { LanguageModel, Block, type ModelState } from './models/language_model.js';
export { generate, prefill, sampleToken, argmax, type GenerateOptions, type SamplingOptions } from './models/generate.js';
export { MambaMixer, type MambaOptions } from './ssm/mamba.js';
export { LRUMixer, GLU, type LRUOptions } from './ssm/lru.js';
export * from './kernels/scan/index.js';
export { train, TrainingDivergedError, type TrainOptions, type TrainCallbacks, type StepInfo, type EvalInfo } from './train/trainer.js';
export { evaluate } from './train/evaluate.js';
export {
  trainTask, evaluateTask, heldOutSet, taskSeeds, type TaskTrainOptions, type TaskTrainResult, type TaskStepInfo, type TaskEvalInfo, type TaskCallbacks,
} from './train/task_trainer.js';
export { createOptimizer, optimizerStep, type OptimizerOptions, type SizedBatch } from './train/step.js';
export { loadModelFolder } from './io/model_folder.js';
export * from './io/index.js';
export * from './data/index.js';
