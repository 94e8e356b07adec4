// Compiles the AssemblyScript kernels (assembly/) with the asc API into four modules:
//   build/kernels.wasm         shared imported memory, for the worker pool (Node; cross-origin
//                              isolated pages)
//   build/kernels-single.wasm  plain imported memory, one thread (pages without shared memory)
// and the same two with relaxed SIMD (kernels-relaxed.wasm, kernels-single-relaxed.wasm), whose
// multiply-adds are fused where the CPU has FMA (assembly/lanes.ts, madd); the loader takes them
// where the engine validates relaxed SIMD (src/kernels/wasm/load.ts).
// All: SIMD, the stub runtime (kernels only use raw pointers into scratch regions: no
// allocation, no GC), -O3 without assertion traps.
import asc from 'assemblyscript/asc';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
mkdirSync(new URL('../build', import.meta.url), { recursive: true });

// Memory limits in 64 KiB pages. The maximum bounds what a host may pass in (the loader
// creates the memory, possibly with a smaller maximum); 65536 pages = 4 GiB, all of wasm32's
// address space (the JavaScript side turns byte addresses into float indices with >>> 2).
const common = ['assembly/index.ts', '-O3', '--noAssert', '--runtime', 'stub', '--enable', 'simd', '--importMemory', '--initialMemory', '16', '--maximumMemory', '65536'];
const shared = ['--enable', 'threads', '--sharedMemory'];
const relaxed = ['--enable', 'relaxed-simd'];
const builds = [
  { out: 'build/kernels.wasm', flags: shared },
  { out: 'build/kernels-single.wasm', flags: [] },
  { out: 'build/kernels-relaxed.wasm', flags: [...shared, ...relaxed] },
  { out: 'build/kernels-single-relaxed.wasm', flags: relaxed },
];
for (const { out, flags } of builds) {
  const { error, stderr } = await asc.main([...common, ...flags, '--outFile', out], { stdout: process.stdout, stderr: process.stderr, baseDir: root });
  if (error) {
    console.error(`build-wasm: asc failed for ${out}: ${error.message}\n${stderr.toString()}`);
    process.exit(1);
  }
  console.log(`build-wasm: wrote ${out}`);
}
