// The log-Mel computation (see logmel.ts for the public entry point): precomputed window,
// FFT and sparse filterbank per (params, sample rate), applied clip by clip. Kept free of
// the params validator (zod) so pool workers, which only receive validated params, do
// not pay for loading it.
import { powerToDb } from './db.ts';
import { LogMelKernel } from './logmel-kernel.ts';
import { melFilterbank, sparsify, type SparseFilterbank } from './mel.ts';
import type { FeatureParams } from './params.ts';
import { PowerStft } from './stft.ts';
import { nonSilentRange } from './trim.ts';
import { periodicHann } from './window.ts';

export interface FeatureShape {
  sampleRate: number;
  /** Samples kept per clip (duration_s · sampleRate). */
  nSamples: number;
  nMels: number;
  nFrames: number;
  /** nMels · nFrames: the length of one clip's log-Mel. */
  size: number;
}

export function featureShape(params: FeatureParams, sampleRate = 16000): FeatureShape {
  const nSamples = Math.round(params.duration_s * sampleRate);
  const nFrames = 1 + Math.floor(nSamples / params.hop_length);
  return { sampleRate, nSamples, nMels: params.n_mels, nFrames, size: params.n_mels * nFrames };
}

/**
 * Precomputed window, FFT and sparse filterbank plus scratch buffers for one setting.
 * The STFT → mel → dB chain runs in WebAssembly SIMD (logmel-kernel.ts, float64 like
 * this file's JS chain) when available; the JS chain (fft.js) is the fallback and the
 * reference the kernel is tested against (`useWasm: false`).
 */
export class LogMelExtractor {
  readonly params: FeatureParams;
  readonly shape: FeatureShape;
  readonly filterbank: SparseFilterbank;
  private readonly stft: PowerStft;
  private readonly spec: Float64Array;
  private readonly melPower: Float64Array;
  private readonly kernel: LogMelKernel | null;

  constructor(params: FeatureParams, sampleRate = 16000, opts: { useWasm?: boolean } = {}) {
    checkAgainstSampleRate(params, sampleRate);
    this.params = params;
    this.shape = featureShape(params, sampleRate);
    const dense = melFilterbank({
      sampleRate,
      nFft: params.n_fft,
      nMels: params.n_mels,
      fmin: params.fmin,
      fmax: params.fmax,
      htk: params.mel.htk,
      norm: params.mel.norm,
    });
    this.filterbank = sparsify(dense, params.n_mels, params.n_fft / 2 + 1);
    this.stft = new PowerStft(periodicHann(params.win_length, params.n_fft), params.hop_length);
    this.spec = new Float64Array(this.stft.bins);
    this.melPower = new Float64Array(this.shape.size);
    const window = periodicHann(params.win_length, params.n_fft);
    this.kernel = opts.useWasm === false ? null : LogMelKernel.create({
      window, hop: params.hop_length, nFrames: this.shape.nFrames, nSamples: this.shape.nSamples,
      filterbank: this.filterbank, amin: params.amin, ref: params.ref, topDb: params.top_db,
    });
  }

  /** Whether compute() runs the WebAssembly kernel. */
  get usesWasm(): boolean {
    return this.kernel !== null;
  }

  /** Log-Mel of one clip into `out` (allocated when omitted). */
  compute(samples: Float32Array, out: Float32Array = new Float32Array(this.shape.size)): Float32Array {
    this.run(samples, out);
    return out;
  }

  /**
   * compute() into `out`, returning true when every output value is known to be finite
   * (the kernel counts them as it writes them), false when one is not or when nobody
   * counted (the JS chain): then the caller checks.
   */
  computeChecked(samples: Float32Array, out: Float32Array): boolean {
    return this.run(samples, out) === true;
  }

  /**
   * Where computeInput() takes its clip from: the kernel's own memory (nSamples floats),
   * so a reader can put the samples there without another copy. Null on the JS chain,
   * and with trim_silence (which needs the whole clip).
   */
  inputBuffer(): Float32Array | null {
    return this.kernel && !this.params.trim_silence ? this.kernel.input() : null;
  }

  /** computeChecked() of the first `length` samples written into inputBuffer(). */
  computeInput(length: number, out: Float32Array): boolean {
    if (!this.kernel || this.params.trim_silence) throw new Error('logMel: computeInput needs the WebAssembly kernel and no trim_silence (see inputBuffer)');
    if (out.length !== this.shape.size) throw new Error(`logMel: output buffer has ${out.length} values, expected ${this.shape.size}`);
    return this.kernel.computeInput(Math.min(length, this.shape.nSamples), out);
  }

  /** The log-Mel into out; the kernel's finiteness verdict, or null from the JS chain. */
  private run(samples: Float32Array, out: Float32Array): boolean | null {
    const { nFrames, nSamples, size } = this.shape;
    if (out.length !== size) throw new Error(`logMel: output buffer has ${out.length} values, expected ${size}`);
    let y = samples;
    if (this.params.trim_silence) {
      const [a, b] = nonSilentRange(samples, { topDb: this.params.trim_top_db });
      y = samples.subarray(a, b);
    }
    const length = Math.min(nSamples, y.length); // fixed-length cut; the rest is zeros
    if (this.kernel) return this.kernel.compute(y, length, out);
    const { start, offset, weights, nMels } = this.filterbank;
    const spec = this.spec;
    const mel = this.melPower;
    // frame-major while accumulating (contiguous writes), transposed by powerToDb
    for (let t = 0; t < nFrames; t++) {
      this.stft.frame(y, length, t, spec);
      const base = t * nMels;
      for (let m = 0; m < nMels; m++) {
        let acc = 0;
        const s = start[m] - offset[m];
        for (let j = offset[m], e = offset[m + 1]; j < e; j++) acc += weights[j] * spec[s + j];
        mel[base + m] = acc;
      }
    }
    powerToDb(mel, out, { amin: this.params.amin, ref: this.params.ref, topDb: this.params.top_db }, nFrames);
    return null;
  }
}

const extractors = new Map<string, LogMelExtractor>();

/** The (cached) extractor for these params and sample rate. */
export function logMelExtractor(params: FeatureParams, sampleRate = 16000): LogMelExtractor {
  const key = `${sampleRate}:${JSON.stringify(params)}`;
  let ex = extractors.get(key);
  if (!ex) {
    ex = new LogMelExtractor(params, sampleRate);
    extractors.set(key, ex);
  }
  return ex;
}

/** Checks that depend on the sample rate of the audio (known only once it is read). */
export function checkAgainstSampleRate(p: FeatureParams, sampleRate: number): void {
  const nyquist = sampleRate / 2;
  if (p.fmax !== null && p.fmax > nyquist) {
    throw new Error(`features.fmax (${p.fmax} Hz) is above the Nyquist frequency of the ${sampleRate} Hz audio (${nyquist} Hz)`);
  }
  if (p.fmin >= (p.fmax ?? nyquist)) {
    throw new Error(`features.fmin (${p.fmin} Hz) must be below fmax (${p.fmax ?? nyquist} Hz)`);
  }
}
