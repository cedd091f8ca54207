import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { buildKernels, sharedWasmPath, wasmPath } from '../../src/model/kernels/simd/build.ts';

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

interface Memory { buffer: ArrayBuffer }
interface WasmApi {
  Module: { new (b: Uint8Array): object; imports(m: object): { module: string; name: string; kind: string }[] };
  Instance: new (m: object, imports: object) => { exports: Record<string, (...a: number[]) => number> };
  Memory: new (d: { initial: number; maximum?: number; shared?: boolean }) => Memory;
}
const WA = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

describe.each([
  ['kernels.wasm (plain memory)', wasmPath, false],
  ['kernels-shared.wasm (threaded backend, shared memory)', sharedWasmPath, true],
] as const)('%s', (_name, path, shared) => {
  const committed = new Uint8Array(readFileSync(path));

  it('is exactly what the committed AssemblyScript source builds to', async () => {
    const fresh = await buildKernels(shared);
    expect(Buffer.from(fresh).equals(Buffer.from(committed))).toBe(true);
  });

  it('imports only the memory and has no data, start or global sections (it must not write into the backend heap on its own)', () => {
    const mod = new WA.Module(committed);
    expect(WA.Module.imports(mod)).toEqual([{ module: 'env', name: 'memory', kind: 'memory' }]);
    const ids = sectionIds(committed);
    expect(ids).not.toContain(11); // data
    expect(ids).not.toContain(8); // start
    expect(ids).not.toContain(6); // globals
  });

  it('runs on a memory of its kind, in place (gemm, columnSum)', () => {
    const memory = shared
      ? new WA.Memory({ initial: 2, maximum: 65536, shared: true })
      : new WA.Memory({ initial: 2 });
    const k = new WA.Instance(new WA.Module(committed), { env: { memory } }).exports;
    const f = new Float32Array(memory.buffer);
    const [m, kk, n] = [5, 3, 9];
    const [a, b, c] = [0, 64, 256]; // float offsets
    for (let i = 0; i < m * kk; i++) f[a + i] = (i % 7) - 3;
    for (let i = 0; i < kk * n; i++) f[b + i] = (i % 5) * 0.5;
    k.gemm!(a * 4, b * 4, c * 4, m, kk, n);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let q = 0; q < kk; q++) s += f[a + i * kk + q]! * f[b + q * n + j]!;
        expect(f[c + i * n + j]).toBe(s);
      }
    }
    k.columnSum!(c * 4, 1000 * 4, m, n);
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let i = 0; i < m; i++) s += f[c + i * n + j]!;
      expect(f[1000 + j]).toBeCloseTo(s, 4);
    }
  });
});
