// Builds the project's AssemblyScript DSP kernels with the `assemblyscript` compiler:
//   src/audio/simd/pcm.as.ts        → pcm.wasm     (16-bit PCM peak / to float32)
//   src/features/simd/logmel.as.ts  → logmel.wasm  (STFT power + mel, log-Mel in dB)
// Run `npx tsx src/audio/simd/build.ts` after editing a source; the built modules are
// committed, and test/audio/simd.test.ts checks they equal a fresh build.
import { fileURLToPath } from 'node:url';
import { writeFile } from 'node:fs/promises';

export const KERNELS = [
  { source: fileURLToPath(new URL('./pcm.as.ts', import.meta.url)), wasm: fileURLToPath(new URL('./pcm.wasm', import.meta.url)) },
  { source: fileURLToPath(new URL('../../features/simd/logmel.as.ts', import.meta.url)), wasm: fileURLToPath(new URL('../../features/simd/logmel.wasm', import.meta.url)) },
];

// Stub runtime, no abort import, no asserts: the modules have no allocator and no
// imports; each exports its own memory, laid out by the JS side.
const ASC_FLAGS = ['-O3', '--runtime', 'stub', '--noAssert', '--use', 'abort=', '--enable', 'simd'];

/** Compile one AssemblyScript source; returns the .wasm bytes. */
export async function buildKernel(source: string): Promise<Uint8Array> {
  const { default: asc } = await import('assemblyscript/asc');
  let binary: Uint8Array | undefined;
  const errors: string[] = [];
  const { error } = await asc.main([source, '--outFile', 'out.wasm', ...ASC_FLAGS], {
    writeFile: (name: string, contents: Uint8Array | string) => {
      if (name.endsWith('.wasm') && typeof contents !== 'string') binary = contents;
    },
    stderr: { write: (s: string | Uint8Array) => { errors.push(String(s)); return true; } } as never,
    stdout: { write: () => true } as never,
  });
  if (error != null || binary == null) throw new Error(`AssemblyScript build of ${source} failed: ${error?.message ?? 'no output'}\n${errors.join('')}`);
  return binary;
}

if (process.argv[1] != null && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const k of KERNELS) {
    const bytes = await buildKernel(k.source);
    await writeFile(k.wasm, bytes);
    console.log(`wrote ${k.wasm} (${bytes.length} bytes)`);
  }
}
