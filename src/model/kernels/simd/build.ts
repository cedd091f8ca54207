// Builds kernels.wasm from kernels.as.ts (AssemblyScript) with the `assemblyscript`
// compiler. Run `npm run build:kernels` after editing the source; the built module is
// committed, and test/model/kernels_simd.test.ts checks it equals a fresh build.
import { fileURLToPath } from 'node:url';
import { writeFile } from 'node:fs/promises';

export const sourcePath = fileURLToPath(new URL('./kernels.as.ts', import.meta.url));
export const wasmPath = fileURLToPath(new URL('./kernels.wasm', import.meta.url));

// --importMemory: the module works on the tfjs backend's memory; stub runtime, no abort
// import and no asserts: the module has no allocator, no static data and no imports but
// the memory.
const ASC_FLAGS = [
  '-O3', '--runtime', 'stub', '--importMemory', '--noAssert', '--use', 'abort=',
  '--enable', 'simd', '--noExportMemory',
];

/** Compile the AssemblyScript source; returns the .wasm bytes. */
export async function buildKernels(): Promise<Uint8Array> {
  const { default: asc } = await import('assemblyscript/asc');
  let binary: Uint8Array | undefined;
  const errors: string[] = [];
  const { error } = await asc.main([sourcePath, '--outFile', 'kernels.wasm', ...ASC_FLAGS], {
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
  const bytes = await buildKernels();
  await writeFile(wasmPath, bytes);
  console.log(`wrote ${wasmPath} (${bytes.length} bytes)`);
}
