// Direct access to the tfjs wasm backend's heap and exported C functions.
//
// Every tensor of the wasm backend lives in the backend's WebAssembly memory; the backend
// maps a tensor's dataId to {id, memoryOffset}. Our kernels read and write those bytes in
// place and call the backend's exported kernels (XNNPACK underneath) with tensors laid out
// the way the fast paths want. All state here is per backend instance (a WeakMap keyed on
// the backend), so every worker thread with its own backend gets its own.
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/** The part of the Emscripten module that we use (the package ships no usable typings). */
export interface WasmModule {
  HEAPF32: Float32Array;
  HEAPU8: Uint8Array;
  cwrap(name: string, ret: string | null, args: string[]): (...args: unknown[]) => unknown;
  asm: Record<string, unknown>;
}

export function wasmModule(backend: BackendWasm): WasmModule {
  return backend.wasm as unknown as WasmModule;
}

/** The backend's tensor id (the key of its C++ tensor registry). */
export function tensorId(backend: BackendWasm, t: TensorInfo): number {
  return backend.dataIdMap.get(t.dataId)!.id;
}

/** Byte offset of the tensor in the backend's memory. */
export function byteOffset(backend: BackendWasm, t: TensorInfo): number {
  return backend.dataIdMap.get(t.dataId)!.memoryOffset;
}

/** Index of the tensor's first float in HEAPF32. */
export function f32Offset(backend: BackendWasm, t: TensorInfo): number {
  return backend.dataIdMap.get(t.dataId)!.memoryOffset >>> 2;
}

/** The backend's WebAssembly.Memory (exported by the plain build, imported by the threaded one). */
export function wasmMemory(backend: BackendWasm): { buffer: ArrayBuffer | SharedArrayBuffer } {
  const m = wasmModule(backend) as WasmModule & { wasmMemory?: { buffer: ArrayBuffer } };
  const memory = m.wasmMemory ?? (m.asm['memory'] as { buffer: ArrayBuffer } | undefined);
  if (memory == null) throw new Error('wasm backend: cannot find its WebAssembly memory');
  return memory;
}

/**
 * A Float32 view of the whole current heap. Fetch it AFTER every allocation of the kernel:
 * makeOutput may grow the memory. Built from the memory itself, because the threaded
 * build refreshes Module.HEAPF32 only lazily after growth (a stale view would silently
 * drop writes past its end).
 */
export function heapF32(backend: BackendWasm): Float32Array {
  const buffer = wasmMemory(backend).buffer;
  const view = wasmModule(backend).HEAPF32;
  return view.buffer === buffer ? view : new Float32Array(buffer);
}

/** Allocate a float32 tensor on the backend (uninitialized memory). */
export function allocF32(backend: BackendWasm, shape: number[]): TensorInfo {
  return backend.makeOutput(shape, 'float32');
}

export function dispose(backend: BackendWasm, ...ts: TensorInfo[]): void {
  for (const t of ts) backend.disposeData(t.dataId);
}

type Conv2DFn = (
  xId: number, batch: number, inH: number, inW: number, filterId: number, fh: number,
  fw: number, padTop: number, padRight: number, padBottom: number, padLeft: number,
  isSamePad: number, dilH: number, dilW: number, strideH: number, strideW: number,
  inC: number, outC: number, outId: number) => void;

interface Exports { conv2d: Conv2DFn }
const exportsByBackend = new WeakMap<BackendWasm, Exports>();

function exportsOf(backend: BackendWasm): Exports {
  let e = exportsByBackend.get(backend);
  if (e == null) {
    const m = wasmModule(backend);
    const n = 'number';
    e = {
      conv2d: m.cwrap('Conv2D', null,
        [n, n, n, n, n, n, n, n, n, n, n, n, n, n, n, n, n, n, n]) as unknown as Conv2DFn,
    };
    exportsByBackend.set(backend, e);
  }
  return e;
}

export interface ConvGeometry {
  batch: number; inH: number; inW: number; inC: number; outC: number;
  fh: number; fw: number; strideH: number; strideW: number;
  padTop: number; padRight: number; padBottom: number; padLeft: number;
}

/** NHWC convolution through XNNPACK, filter [fh, fw, inC, outC], explicit padding. */
export function conv2dInto(
  backend: BackendWasm, x: TensorInfo, filter: TensorInfo, out: TensorInfo, g: ConvGeometry,
): void {
  exportsOf(backend).conv2d(
    tensorId(backend, x), g.batch, g.inH, g.inW, tensorId(backend, filter), g.fh, g.fw,
    g.padTop, g.padRight, g.padBottom, g.padLeft, 0, 1, 1, g.strideH, g.strideW,
    g.inC, g.outC, tensorId(backend, out));
}
