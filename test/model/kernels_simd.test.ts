import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { buildKernels, wasmPath } from '../../src/model/kernels/simd/build.ts';

/** Section ids of a wasm binary, in order. */
function sectionIds(bytes: Uint8Array): number[] {
  const ids: number[] = [];
  let i = 8;
  while (i < bytes.length) {
    const id = bytes[i++]!;
    let size = 0;
    let shift = 0;
    let b: number;
    do { b = bytes[i++]!; size |= (b & 0x7f) << shift; shift += 7; } while (b & 0x80);
    ids.push(id);
    i += size;
  }
  return ids;
}

describe('simd/kernels.wasm', () => {
  const committed = new Uint8Array(readFileSync(wasmPath));

  it('is exactly what the committed AssemblyScript source builds to', async () => {
    const fresh = await buildKernels();
    expect(Buffer.from(fresh).equals(Buffer.from(committed))).toBe(true);
  });

  it('imports only the memory and has no data, start or global sections (it must not write into the backend heap on its own)', () => {
    const WA = (globalThis as unknown as { WebAssembly: { Module: { new (b: Uint8Array): object; imports(m: object): { module: string; name: string; kind: string }[] } } }).WebAssembly;
    const mod = new WA.Module(committed);
    expect(WA.Module.imports(mod)).toEqual([{ module: 'env', name: 'memory', kind: 'memory' }]);
    const ids = sectionIds(committed);
    expect(ids).not.toContain(11); // data
    expect(ids).not.toContain(8); // start
    expect(ids).not.toContain(6); // globals
  });
});
