// Preload for running any program or the tests on the backend named in MAMBA_TS_BACKEND:
//   MAMBA_TS_BACKEND=wasm node --import ./dist/src/kernels/auto.js --test dist/test/
// Without the variable it does nothing (the reference kernels stay selected).

import { initBackend } from './index.js';

if (process.env.MAMBA_TS_BACKEND) await initBackend();
