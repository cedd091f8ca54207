// Instantiates our SIMD kernels (kernels.wasm, built from kernels.as.ts) on a tfjs wasm
// backend's memory: one instance per backend, so each worker thread's backend has its own.
import { readFileSync } from 'node:fs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { wasmMemory } from '../wasm_heap.ts';

/** Exports of kernels.wasm; every pointer is a byte offset into the backend's memory. */
export interface SimdKernels {
  convFilterGrad(xp: number, dy: number, dw: number, n: number, oh: number, ow: number,
    hp: number, wp: number, ci: number, co: number, fh: number, fw: number, sh: number, sw: number): void;
  padCopy(x: number, xp: number, n: number, h: number, w: number, c: number, hp: number,
    wp: number, pt: number, pl: number): void;
  maxPoolGrad(x: number, dy: number, dx: number, n: number, h: number, w: number, c: number,
    oh: number, ow: number, fh: number, fw: number, sh: number, sw: number, pt: number, pl: number): void;
  columnSum(src: number, out: number, rows: number, cols: number): void;
  transpose2d(src: number, dst: number, rows: number, cols: number): void;
  biasAdd(x: number, bias: number, out: number, rows: number, c: number): void;
  relu(x: number, out: number, n: number): void;
  step(x: number, out: number, n: number, alpha: number): void;
  countNonzero(p: number, n: number): number;
  convFilterGradSparse(xp: number, dy: number, dwt: number, n: number, oh: number, ow: number,
    hp: number, wp: number, ci: number, co: number, fh: number, fw: number, sh: number, sw: number,
    chunkRows: number, scratch: number): void;
  convInputGradSparse(dy: number, wr: number, dxp: number, n: number, oh: number, ow: number,
    hp: number, wp: number, ci: number, co: number, fh: number, fw: number, sh: number, sw: number,
    scratch: number): void;
  gemm(a: number, b: number, c: number, m: number, k: number, n: number): void;
  winogradConv(xp: number, u: number, out: number, v: number, m: number, n: number, oh: number,
    ow: number, ci: number, co: number, tH: number, tW: number, block: number, bias: number,
    relu: number): void;
  convDirect(xp: number, w: number, out: number, n: number, oh: number, ow: number, hp: number,
    wp: number, ci: number, co: number, fh: number, fw: number, sh: number, sw: number,
    bias: number, relu: number): void;
  reluGrad(dy: number, x: number, out: number, n: number): void;
  cropCopy(xp: number, x: number, n: number, h: number, w: number, c: number, hp: number,
    wp: number, pt: number, pl: number): void;
}

// The project's TypeScript lib settings (ES2023 + node types) do not declare the
// WebAssembly globals, though Node has them: type the two calls we make.
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}
const WA = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

const compiled = new Map<boolean, object>();
const instances = new WeakMap<BackendWasm, SimdKernels>();

export function simdKernels(backend: BackendWasm): SimdKernels {
  let k = instances.get(backend);
  if (k == null) {
    const memory = wasmMemory(backend);
    // The threaded backend build has a shared memory: it needs the shared-memory variant.
    const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
    let mod = compiled.get(shared);
    if (mod == null) {
      mod = new WA.Module(readFileSync(new URL(shared ? './kernels-shared.wasm' : './kernels.wasm', import.meta.url)));
      compiled.set(shared, mod);
    }
    const instance = new WA.Instance(mod, { env: { memory } });
    k = instance.exports as unknown as SimdKernels;
    instances.set(backend, k);
  }
  return k;
}
