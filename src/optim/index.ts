// Optimisation: AdamW with parameter groups, gradient clipping, the learning-rate schedule.

export { AdamW, paramGroupsForDecay, type ParamGroup, type AdamWOptions, type AdamWState } from './adamw.js';
export { clipGradNorm } from './clip.js';
export { cosineWithWarmup, type CosineSchedule } from './schedule.js';
