// mamba-ts public API (Node): everything of the browser entry (src/browser.ts) plus what needs
// the file system: corpora, safetensors files, config.json, checkpoints, run folders, the trainer.

export * from './browser.js';
export { train, TrainingDivergedError, type TrainOptions, type TrainCallbacks, type StepInfo, type EvalInfo } from './train/trainer.js';
export { loadModelFolder } from './io/model_folder.js';
export { writeFileAtomic, writeJsonAtomic } from './io/atomic.js';
export { saveSafetensors, loadSafetensors } from './io/safetensors.js';
export { readConfig, writeConfig } from './io/config.js';
export { saveCheckpoint, loadCheckpoint, describeCheckpoint, CHECKPOINT_FILES, type Checkpoint, type CheckpointInput } from './io/checkpoint.js';
export { loadMobyDick, loadTextFile } from './data/corpus.js';
export { serve, startServer, loadServedModel, SERVE_DEFAULTS, type ServeOptions, type RunningServer } from './serve/index.js';
