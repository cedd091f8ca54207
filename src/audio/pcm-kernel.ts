// 16-bit PCM through the WebAssembly SIMD kernels of simd/pcm.as.ts (8 samples per
// instruction; ~10× the JS loops in wav.ts, with bit-identical results). One instance
// per thread; its memory holds the current clip's bytes and output. Null when this
// runtime has no WebAssembly SIMD: callers use their JS loop.
import { readFileSync } from 'node:fs';

interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface PcmExports {
  memory: WasmMemory;
  peak16(src: number, n: number): number;
  mono16(src: number, n: number, dst: number): number;
  stereo16(src: number, frames: number, dst: number): number;
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports?: object) => { exports: Record<string, unknown> };
}
const WasmJs = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

let kernel: PcmExports | null | undefined;

function pcmKernel(): PcmExports | null {
  if (kernel !== undefined) return kernel;
  try {
    const bytes = readFileSync(new URL('./simd/pcm.wasm', import.meta.url));
    kernel = WasmJs && WasmJs.validate(bytes) ? (new WasmJs.Instance(new WasmJs.Module(bytes)).exports as unknown as PcmExports) : null;
  } catch {
    kernel = null;
  }
  return kernel;
}

function reserve(k: PcmExports, bytes: number): void {
  const have = k.memory.buffer.byteLength;
  if (bytes > have) k.memory.grow(Math.ceil((bytes - have) / 65536));
}

const align16 = (v: number): number => (v + 15) & ~15;

/** Peak (max |sample|, in int16 units) of interleaved 16-bit PCM; null without the kernel. */
export function peakPcm16(data: Uint8Array): number | null {
  const k = pcmKernel();
  if (!k) return null;
  reserve(k, data.byteLength);
  new Uint8Array(k.memory.buffer, 0, data.byteLength).set(data);
  return k.peak16(0, data.byteLength >> 1);
}

/**
 * Mono float32 of 16-bit PCM with 1 or 2 channels (the channel average, full scale
 * 32768) and the peak in int16 units; null without the kernel or for other layouts.
 * With `transient`, `mono` is a view of the kernel's memory, valid until the next call.
 */
export function monoPcm16(data: Uint8Array, channels: number, frames: number, transient = false): { mono: Float32Array; peak: number } | null {
  if (channels !== 1 && channels !== 2) return null;
  const k = pcmKernel();
  if (!k) return null;
  const dst = align16(data.byteLength);
  reserve(k, dst + frames * 4);
  new Uint8Array(k.memory.buffer, 0, data.byteLength).set(data);
  const peak = channels === 1 ? k.mono16(0, frames, dst) : k.stereo16(0, frames, dst);
  const view = new Float32Array(k.memory.buffer, dst, frames);
  // transient: a view of the kernel's memory, overwritten by the next call on this thread
  return { mono: transient ? view : view.slice(), peak };
}
