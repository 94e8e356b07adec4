// The reference backend: every kernel as plain, obviously correct TypeScript.

import { matmul } from './matmul.js';
import { binary, reduceBroadcast } from './binary.js';

export const referenceKernels = {
  matmul,
  binary,
  reduceBroadcast,
};
