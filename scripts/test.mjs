// `npm test`: the whole suite three times: on the reference kernels, on the WebAssembly kernels
// (the relaxed-SIMD build where the engine has it, as users get them) and on the plain-SIMD
// build, both with released arena memory poisoned so that a use after release fails a test.
// Extra arguments go to node --test (e.g. a test file).
import { spawnSync } from 'node:child_process';

const files = process.argv.slice(2);
const passes = [
  { name: 'reference kernels', env: { MAMBA_TS_BACKEND: 'ref' } },
  { name: 'WebAssembly kernels', env: { MAMBA_TS_BACKEND: 'wasm', MAMBA_TS_ARENA_CHECK: '1' } },
  { name: 'WebAssembly kernels, plain SIMD', env: { MAMBA_TS_BACKEND: 'wasm', MAMBA_TS_SIMD: 'plain', MAMBA_TS_ARENA_CHECK: '1' } },
];
let failed = false;
for (const pass of passes) {
  console.log(`\n=== tests on the ${pass.name} ===`);
  const args = ['--import', './dist/src/kernels/auto.js', '--test', '--test-reporter=spec', ...(files.length ? files : ['dist/test/'])];
  const r = spawnSync(process.execPath, args, { stdio: 'inherit', env: { ...process.env, ...pass.env } });
  if (r.status !== 0) {
    console.error(`=== tests failed on the ${pass.name} ===`);
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
