// mamba-ts public API.

export * from './tensor/tensor.js';
export { Rng, manualSeed, globalRng } from './tensor/random.js';
export { backward, noGrad, isGradEnabled, OP_REGISTRY } from './autograd/tape.js';
export { setBackend, backendName, kernels } from './kernels/backend.js';
export * from './ops/index.js';
export * from './nn/index.js';
export * from './optim/index.js';
export { Mixer, type MixerState } from './models/mixer.js';
export * from './io/index.js';
export * from './data/index.js';
