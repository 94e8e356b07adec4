// File formats and checkpoints: atomic writes, safetensors, config.json, run folders.

export { writeFileAtomic, writeJsonAtomic } from './atomic.js';
export { encodeSafetensors, decodeSafetensors, saveSafetensors, loadSafetensors, halfToFloat, type NamedTensor } from './safetensors.js';
export { mambaConfig, parseConfig, readConfig, writeConfig, type MambaConfig, type MambaConfigInput } from './config.js';
export { saveCheckpoint, loadCheckpoint, CHECKPOINT_FILES, type Checkpoint, type CheckpointInput } from './checkpoint.js';
