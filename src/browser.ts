// mamba-ts public API for browsers: everything of index.ts that needs no file system (no corpus
// files, checkpoints or run folders). Bundlers pick it through the "browser" condition of
// package.json's exports. The WebAssembly kernels need a cross-origin isolated page (COOP/COEP
// headers) and the URL of build/kernels.wasm:
//   await initBackend('wasm', { wasm: new URL('kernels.wasm', import.meta.url) });
// elsewhere they fall back to the reference kernels with a one-line notice.

export * from './tensor/tensor.js';
export { Rng, manualSeed, globalRng } from './tensor/random.js';
export { backward, noGrad, isGradEnabled, OP_REGISTRY } from './autograd/tape.js';
export { setBackend, backendName, kernels } from './kernels/backend.js';
export { initBackend, setThreads, describeBackend, type BackendName, type InitBackendOptions } from './kernels/index.js';
export { withArena, allocArray, allocOutput, inArena } from './kernels/memory.js';
export * from './ops/index.js';
export * from './nn/index.js';
export * from './optim/index.js';
export { Mixer, type MixerState, type PackedLinears } from './ssm/mixer.js';
export { modelConfig, parseConfig, MIXER_KINDS, type ModelConfig, type ModelConfigInput, type MambaConfig, type MambaConfigInput, type MixerKind } from './models/config.js';
export { LanguageModel, Block, type ModelState } from './models/language_model.js';
export type { CausalLM, CausalLMConfig, NamedWeight, StateOptions } from './models/causal_lm.js';
export type { WeightFormat } from './kernels/weight_format.js';
export { createModel, MODEL_TYPES } from './models/create.js';
export { TransformerLM } from './models/transformer.js';
export { llamaConfig, type LlamaConfig, type LlamaConfigInput } from './models/llama_config.js';
export { record, lruEigenvalues, RECORD_NAMES, type Recording, type LayerRecord, type RecordName, type Recorded } from './models/record.js';
export { generate, prefill, sampleToken, argmax, type GenerateOptions, type SamplingOptions } from './models/generate.js';
export { MambaMixer, type MambaOptions, type MambaBlockConfig } from './ssm/mamba.js';
export { LRUMixer, GLU, LRU_DEFAULTS, type LRUOptions } from './ssm/lru.js';
export * from './kernels/scan/index.js';
export { evaluate, evaluateText, type TextEval } from './train/evaluate.js';
export { TOKENIZER_CONFIG } from './data/hf_format.js';
export {
  trainTask, evaluateTask, heldOutSet, taskSeeds, type TaskTrainOptions, type TaskTrainResult, type TaskStepInfo, type TaskEvalInfo, type TaskCallbacks,
} from './train/task_trainer.js';
export { createOptimizer, optimizerStep, type OptimizerOptions, type SizedBatch } from './train/step.js';
export { encodeSafetensors, decodeSafetensors, halfToFloat, type NamedTensor } from './io/safetensors_codec.js';
export { configText, parsePythonJson } from './io/config_text.js';
export { CharTokenizer, ByteTokenizer, tokenizerFromJSON, streamDecoder, type Tokenizer, type TokenizerJson, type HfTokenizerJson, type LegacyTokenizerJson } from './data/tokenizer.js';
export { HfTokenizer } from './data/hf_tokenizer.js';
export { splitTrainVal, checkSplitLength, assertSplitLongEnough } from './data/split.js';
export { BatchSampler, evalBatches, type TokenBatch, type BatchSamplerState, type BatchOptions } from './data/batches.js';
export {
  delayedRecall, runningParity, selectiveCopying, inductionHeads, makeTask, IGNORE_INDEX, TASK_NAMES, type TaskBatch, type TaskOptions, type Task, type TaskName,
} from './data/tasks.js';
