// mamba-ts public API.

export * from './tensor/tensor.js';
export { Rng, manualSeed, globalRng } from './tensor/random.js';
export { backward, noGrad, isGradEnabled, OP_REGISTRY } from './autograd/tape.js';
export { setBackend, backendName, kernels } from './kernels/backend.js';
export * from './ops/index.js';
export { Module } from './nn/module.js';
export { Mixer, type MixerState } from './models/mixer.js';
