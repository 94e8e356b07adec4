// Every differentiable op, one file each (forward, backward, the kernels it calls), and
// generation's fused Mamba step (no gradient).

export { matmul } from './matmul.js';
export { linear } from './linear.js';
export { add, sub, mul, div } from './binary.js';
export { embedding } from './embedding.js';
export { rmsNorm, layerNorm } from './norm.js';
export { conv1d } from './conv1d.js';
export { softmax, logSoftmax } from './softmax.js';
export { crossEntropy, type CrossEntropyOptions } from './cross_entropy.js';
export { dropout } from './dropout.js';
export { exp, log, sqrt, neg, silu, sigmoid, softplus, tanh, gelu, relu, pow } from './unary.js';
export { gate } from './gate.js';
export { addScalar, mulScalar } from './scalar.js';
export { sum, mean, max, type Axes } from './reduce.js';
export { reshape, transpose, permute, slice, split, concat } from './shape.js';
export { selectiveScan, selectiveScanReference, type SelectiveScanOptions } from './selective_scan.js';
export { cos, sin } from './trig.js';
export { linearScan, linearScanComplex, type LinearScanOptions, type LinearScanComplexOptions, type ScanAlgorithm } from './linear_scan.js';
export { matVec } from './mat_vec.js';
export { mamba2Step, type Mamba2StepWeights, type Mamba2StepState, type Mamba2StepOptions } from './mamba2_step.js';
export { mambaStep, mambaModelStep, type MambaStepLayer, packMambaWeights, packRows, type MambaStepWeights, type MambaStepState, type PackedMambaWeights, type PackedMatrix, type MambaStepOptions, type StepHead, type StepNorm } from './mamba_step.js';
export { attention, cachedAttention, type AttentionOptions } from './attention.js';
export { rope } from './rope.js';
export { ssd, ssdReference, type SsdOptions } from './ssd.js';
