// Every differentiable op, one file each (forward, backward, the kernels it calls).

export { matmul } from './matmul.js';
export { linear } from './linear.js';
export { add, sub, mul, div } from './binary.js';
