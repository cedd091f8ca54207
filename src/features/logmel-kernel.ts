// The log-Mel of a clip in WebAssembly SIMD (simd/logmel.as.ts): this side computes the
// tables once per setting (window, bit reversal, twiddles, sparse filterbank — the same
// float64 values as the JS path) and lays out the module's memory; compute() copies the
// clip in, runs the two kernel functions and copies the log-Mel out. Measured ~3× the
// JS extractor (fft.js) per clip. One instance per extractor, so per thread.
import { readFileSync } from 'node:fs';
import type { SparseFilterbank } from './mel.ts';

interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface LogMelExports {
  memory: WasmMemory;
  melFrames(y: number, len: number, nFrames: number, hop: number, nFft: number, win: number, bitrev: number, tw: number, utw: number,
    nMels: number, melStart: number, melOffset: number, melW: number, re: number, im: number, spec: number, mel: number): void;
  /** Returns the number of non-finite output values. */
  toDb(power: number, rows: number, cols: number, amin: number, refDb: number, hasTop: number, topDb: number, out: number): number;
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports?: object) => { exports: Record<string, unknown> };
}
const WasmJs = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

let compiled: object | null | undefined;

function logMelModule(): object | null {
  if (compiled !== undefined) return compiled;
  try {
    const bytes = readFileSync(new URL('./simd/logmel.wasm', import.meta.url));
    compiled = WasmJs && WasmJs.validate(bytes) ? new WasmJs.Module(bytes) : null;
  } catch {
    compiled = null;
  }
  return compiled;
}

export interface LogMelKernelSetup {
  /** Window of length nFft (float64, as periodicHann gives it). */
  window: Float64Array;
  hop: number;
  nFrames: number;
  /** Samples read per clip (duration_s · rate). */
  nSamples: number;
  filterbank: SparseFilterbank;
  amin: number;
  ref: number;
  topDb: number | null;
}

export class LogMelKernel {
  private readonly k: LogMelExports;
  private readonly at: Record<'y' | 'win' | 'bitrev' | 'tw' | 'utw' | 'melStart' | 'melOffset' | 'melW' | 're' | 'im' | 'spec' | 'mel' | 'out', number>;
  private readonly size: number;

  /** The kernel for this setting, or null without WebAssembly SIMD. */
  static create(s: LogMelKernelSetup): LogMelKernel | null {
    const mod = logMelModule();
    return mod ? new LogMelKernel(s, new WasmJs!.Instance(mod).exports as unknown as LogMelExports) : null;
  }

  private constructor(private readonly s: LogMelKernelSetup, k: LogMelExports) {
    this.k = k;
    const nFft = s.window.length;
    const M = nFft / 2;
    const fb = s.filterbank;
    this.size = fb.nMels * s.nFrames;
    // byte layout, every region 16-aligned
    let top = 16;
    const region = (bytes: number) => {
      const start = top;
      top = (top + bytes + 15) & ~15;
      return start;
    };
    this.at = {
      y: region(s.nSamples * 4),
      win: region(nFft * 16),
      bitrev: region(M * 4),
      tw: region(Math.max(0, M - 4) * 32),
      utw: region((M / 2 + 1) * 32),
      melStart: region(fb.nMels * 4),
      melOffset: region((fb.nMels + 1) * 4),
      melW: region(fb.weights.length * 8),
      re: region(M * 16),
      im: region(M * 16),
      spec: region(2 * (M + 1) * 16), // the power spectra of two frame pairs
      mel: region(this.size * 8),
      out: region(this.size * 4),
    };
    const have = k.memory.buffer.byteLength;
    if (top > have) k.memory.grow(Math.ceil((top - have) / 65536));
    const f64 = (at: number, n: number) => new Float64Array(k.memory.buffer, at, n);
    // window: w[2n], w[2n+1] as pairs (both lanes)
    const win = f64(this.at.win, 2 * nFft);
    for (let j = 0; j < nFft; j++) win[2 * j] = win[2 * j + 1] = s.window[j];
    const bitrev = new Int32Array(k.memory.buffer, this.at.bitrev, M);
    const bits = Math.round(Math.log2(M));
    for (let n = 0; n < M; n++) {
      let r = 0;
      for (let b = 0; b < bits; b++) r |= ((n >> b) & 1) << (bits - 1 - b);
      bitrev[n] = r;
    }
    // FFT twiddles of the stages with half-length h = 4 … M/2: e^{−iπk/h} as (cos, −sin) pairs
    const tw = f64(this.at.tw, Math.max(0, M - 4) * 4);
    for (let h = 4, e = 0; h < M; h <<= 1) {
      for (let kk = 0; kk < h; kk++, e++) {
        const c = Math.cos((Math.PI * kk) / h);
        const sn = -Math.sin((Math.PI * kk) / h);
        tw[4 * e] = tw[4 * e + 1] = c;
        tw[4 * e + 2] = tw[4 * e + 3] = sn;
      }
    }
    // untangling twiddles: cos, sin of 2πk/nFft, k = 0..M/2 (as RealPowerFFT)
    const utw = f64(this.at.utw, (M / 2 + 1) * 4);
    for (let kk = 0; kk <= M / 2; kk++) {
      utw[4 * kk] = utw[4 * kk + 1] = Math.cos((2 * Math.PI * kk) / nFft);
      utw[4 * kk + 2] = utw[4 * kk + 3] = Math.sin((2 * Math.PI * kk) / nFft);
    }
    new Int32Array(k.memory.buffer, this.at.melStart, fb.nMels).set(fb.start);
    new Int32Array(k.memory.buffer, this.at.melOffset, fb.nMels + 1).set(fb.offset);
    f64(this.at.melW, fb.weights.length).set(fb.weights);
  }

  /**
   * Log-Mel (mel-major float32, nMels·nFrames) of the first `length` samples of y into
   * out; returns whether every value is finite (the kernel counts them as it writes).
   */
  compute(y: Float32Array, length: number, out: Float32Array): boolean {
    const n = Math.min(length, y.length, this.s.nSamples);
    this.input().set(y.subarray(0, n));
    return this.computeInput(n, out);
  }

  /** The kernel's input: nSamples floats of its memory, where a clip can be read directly. */
  input(): Float32Array {
    return new Float32Array(this.k.memory.buffer, this.at.y, this.s.nSamples);
  }

  /** compute() of the first `length` samples already in input(). */
  computeInput(length: number, out: Float32Array): boolean {
    const { k, at, s } = this;
    const n = Math.min(length, s.nSamples);
    const fb = s.filterbank;
    k.melFrames(at.y, n, s.nFrames, s.hop, s.window.length, at.win, at.bitrev, at.tw, at.utw,
      fb.nMels, at.melStart, at.melOffset, at.melW, at.re, at.im, at.spec, at.mel);
    const refDb = 10 * Math.log10(Math.max(s.amin, s.ref));
    const nonFinite = k.toDb(at.mel, s.nFrames, fb.nMels, s.amin, refDb, s.topDb === null ? 0 : 1, s.topDb ?? 0, at.out);
    out.set(new Float32Array(k.memory.buffer, at.out, this.size));
    return nonFinite === 0;
  }

}
