// Compiles the AssemblyScript kernels (assembly/) into build/kernels.wasm with the asc API.
// Shared imported memory (for the worker pool), SIMD, the stub runtime (kernels only use raw
// pointers into scratch regions: no allocation, no GC), -O3 without assertion traps.
import asc from 'assemblyscript/asc';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
mkdirSync(new URL('../build', import.meta.url), { recursive: true });

// Memory limits in 64 KiB pages. The maximum bounds what a host may pass in (the loader
// creates the memory, possibly with a smaller maximum); 32768 pages = 2 GiB keeps every byte
// offset a positive i32.
const { error, stderr } = await asc.main([
  'assembly/index.ts',
  '--outFile', 'build/kernels.wasm',
  '-O3', '--noAssert',
  '--runtime', 'stub',
  '--enable', 'simd', '--enable', 'threads',
  '--importMemory', '--sharedMemory', '--initialMemory', '16', '--maximumMemory', '32768',
], { stdout: process.stdout, stderr: process.stderr, baseDir: root });
if (error) {
  console.error(`build-wasm: asc failed: ${error.message}\n${stderr.toString()}`);
  process.exit(1);
}
console.log('build-wasm: wrote build/kernels.wasm');
