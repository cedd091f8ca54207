// Builds kernels.wasm from kernels.as.ts (AssemblyScript) with the `assemblyscript`
// compiler. Run `npm run build:kernels` after editing the source; the built module is
// committed, and test/model/kernels_simd.test.ts checks it equals a fresh build.
import { fileURLToPath } from 'node:url';
import { writeFile } from 'node:fs/promises';

export const sourcePath = fileURLToPath(new URL('./kernels.as.ts', import.meta.url));
export const wasmPath = fileURLToPath(new URL('./kernels.wasm', import.meta.url));
/** Variant for the threaded backend build, whose memory is shared (and has a maximum). */
export const sharedWasmPath = fileURLToPath(new URL('./kernels-shared.wasm', import.meta.url));

// --importMemory: the module works on the tfjs backend's memory; stub runtime, no abort
// import and no asserts: the module has no allocator, no static data and no imports but
// the memory.
const ASC_FLAGS = [
  '-O3', '--runtime', 'stub', '--importMemory', '--noAssert', '--use', 'abort=',
  '--enable', 'simd', '--noExportMemory',
];

// The shared variant imports (memory 0 65536 shared): the threaded build's memory is
// shared with a 4 GiB maximum, and an import must match sharedness and bound the maximum.
const SHARED_FLAGS = ['--sharedMemory', '--maximumMemory', '65536', '--enable', 'threads'];

/** Compile the AssemblyScript source; returns the .wasm bytes. */
export async function buildKernels(shared = false): Promise<Uint8Array> {
  const { default: asc } = await import('assemblyscript/asc');
  let binary: Uint8Array | undefined;
  const errors: string[] = [];
  const flags = shared ? [...ASC_FLAGS, ...SHARED_FLAGS] : ASC_FLAGS;
  const { error } = await asc.main([sourcePath, '--outFile', 'kernels.wasm', ...flags], {
    writeFile: (name: string, contents: Uint8Array | string) => {
      if (name.endsWith('.wasm') && typeof contents !== 'string') binary = contents;
    },
    stderr: { write: (s: string | Uint8Array) => { errors.push(String(s)); return true; } } as never,
    stdout: { write: () => true } as never,
  });
  if (error != null || binary == null) {
    throw new Error(`AssemblyScript build of ${sourcePath} failed: ${error?.message ?? 'no output'}\n${errors.join('')}`);
  }
  return binary;
}

if (process.argv[1] != null && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const [shared, file] of [[false, wasmPath], [true, sharedWasmPath]] as const) {
    const bytes = await buildKernels(shared);
    await writeFile(file, bytes);
    console.log(`wrote ${file} (${bytes.length} bytes)`);
  }
}
