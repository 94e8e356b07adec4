// Layers: Module and the parameterised building blocks.

export { Module } from './module.js';
export { Linear, type LinearOptions } from './linear.js';
export { Embedding } from './embedding.js';
export { RMSNorm, LayerNorm } from './norm.js';
export { Conv1d } from './conv1d.js';
