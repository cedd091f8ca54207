// Band-limited resampling for any pair of integer sample rates: a polyphase
// windowed-sinc FIR (Kaiser window), the standard technique (libsamplerate's sinc
// converters, soxr, scipy's resample_poly are all variations of it).
//
// Specification (issue 4), with B = min(fromRate, toRate) / 2:
//   passband 0 … 0.9·B with ≤ 0.1 dB ripple, stopband from B with ≥ 80 dB rejection,
//   i.e. a transition band 0.9·B … B. Designed for 85 dB (Kaiser β = 8.41) so that
//   float32 coefficients and the phase grid keep a margin over the 80 dB bar.
// The filter length follows from Kaiser's formula: taps ≈ (A − 7.95) / (2.285 Δω) input
// samples, Δω = 2π·0.1B/fromRate: 336 taps (rounded up to a multiple of 16 for the SIMD
// kernel) for 48 → 16 kHz, ~165 for 24414 → 16 kHz.
//
// Integer decimation (L = 1: 48 → 16 kHz, 96 → 16 kHz, the corpus's case) uses an
// equiripple filter instead (remez.ts): the bars allow 60× more passband ripple than
// stopband ripple, which a Kaiser window cannot exploit; designed for ≤ 0.07 dB
// peak-to-peak ripple and the same 85 dB stopband, 48 → 16 kHz needs 223 taps (224
// with the SIMD padding) instead of 336, and the kernel's time is proportional to taps.
//
// Rates reduce to an exact ratio L/M (48000→16000 = 1/3, 44100→16000 = 160/441,
// 24414→16000 = 8000/12207). With L phases the table holds every sub-sample offset the
// output ever needs, exactly. When L × taps would exceed 2M coefficients (8 MB; e.g.
// 48001 Hz → 16000 needs 16000 phases) a fine grid of 1024 phases is linearly
// interpolated instead, which stays > 100 dB below the signal (test/audio/resample.test.ts
// measures both modes on the same ratio).
//
// Output sample n sits at input time n·M/L (zero delay, like resample_poly): length
// ceil(N·L/M), the signal is taken as zero outside [0, N).
import { EQUIRIPPLE_TABLES, equirippleKey } from './equiripple-tables.ts';
import { remezLowpass } from './remez.ts';
import { decimator, decimatorTakes, runDecimator, runDecimatorPcm16 } from './decimate-kernel.ts';
import { monoPcm16 } from './pcm-kernel.ts';
import { runKernel, type KernelCall } from './resample-kernel.ts';

export interface ResampleDesign {
  fromRate: number;
  toRate: number;
  /** toRate / fromRate = up / down, reduced. */
  up: number;
  down: number;
  /** Filter taps per output sample (multiple of 16). */
  taps: number;
  /** 'exact' = one table row per phase; 'interpolated' = fine grid, linear between rows. */
  mode: 'exact' | 'interpolated';
  /** Rows in the table (up, or grid + 1). */
  rows: number;
  table: Float32Array;
  /** Prototype low-pass: Kaiser-windowed sinc, or equiripple (integer decimation). */
  window: 'kaiser' | 'equiripple';
  /** Kaiser β (NaN for equiripple) and the cutoff (Hz) of the prototype low-pass. */
  beta: number;
  cutoffHz: number;
  /** Passband edge and stopband edge (Hz). */
  passbandHz: number;
  stopbandHz: number;
}

export interface DesignOptions {
  /** Stopband attenuation the Kaiser design aims for (dB). Default 85. */
  attenuationDb?: number;
  /** Force a mode (tests compare both on one ratio). */
  mode?: 'exact' | 'interpolated';
  /** Phases of the interpolated grid. Default 1024. */
  gridPhases?: number;
}

export const DEFAULT_ATTENUATION_DB = 85;
/** Peak-to-peak passband ripple the equiripple designs aim for (the bar is 0.1 dB). */
export const EQUIRIPPLE_RIPPLE_DB = 0.07;
const MAX_EXACT_COEFFICIENTS = 1 << 21;
const DEFAULT_GRID_PHASES = 1024;

const designs = new Map<string, ResampleDesign>();

/** The (cached) filter design for one conversion. */
export function resampleDesign(fromRate: number, toRate: number, opts: DesignOptions = {}): ResampleDesign {
  checkRate(fromRate, 'fromRate');
  checkRate(toRate, 'toRate');
  const A = opts.attenuationDb ?? DEFAULT_ATTENUATION_DB;
  const grid = opts.gridPhases ?? DEFAULT_GRID_PHASES;
  const key = `${fromRate}/${toRate}/${A}/${opts.mode ?? ''}/${grid}`;
  let d = designs.get(key);
  if (!d) {
    d = buildDesign(fromRate, toRate, A, opts.mode, grid);
    designs.set(key, d);
  }
  return d;
}

function checkRate(rate: number, name: string): void {
  if (!Number.isInteger(rate) || rate <= 0 || rate > 1e7) {
    throw new Error(`resample: ${name} must be a positive integer sample rate, got ${rate}`);
  }
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** The bars: flat to 0.9 × the lower Nyquist frequency, stopped from that frequency on. */
export function bandEdges(fromRate: number, toRate: number): { passbandHz: number; stopbandHz: number } {
  const band = Math.min(fromRate, toRate) / 2;
  return { passbandHz: 0.9 * band, stopbandHz: band };
}

function buildDesign(fromRate: number, toRate: number, A: number, forceMode: DesignOptions['mode'], grid: number): ResampleDesign {
  const g = gcd(fromRate, toRate);
  const up = toRate / g;
  const down = fromRate / g;
  const { passbandHz, stopbandHz } = bandEdges(fromRate, toRate);
  const cutoffHz = (passbandHz + stopbandHz) / 2;
  const common = { fromRate, toRate, up, down, cutoffHz, passbandHz, stopbandHz };
  if (up === 1 && forceMode !== 'interpolated') {
    const h = equiripple(passbandHz / fromRate, stopbandHz / fromRate, A);
    if (h) {
      // One row: tap j multiplies x[base − half + 1 + j], so the centre of the odd-length
      // h goes to j = half − 1 (zero delay); taps = h.length + 1, the last one zero.
      const taps = h.length + 1;
      const table = new Float32Array(taps);
      let sum = 0;
      for (const v of h) sum += v;
      h.forEach((v, j) => (table[j] = v / sum)); // unit DC gain
      return { ...common, taps, mode: 'exact', rows: 1, table, window: 'equiripple', beta: NaN };
    }
  }
  const beta = kaiserBeta(A);
  // Kaiser's length estimate, in input samples, rounded up to the SIMD block.
  const dOmega = (2 * Math.PI * (stopbandHz - passbandHz)) / fromRate;
  const taps = Math.max(16, Math.ceil((A - 7.95) / (2.285 * dOmega) / 16) * 16);
  const mode = forceMode ?? (up * taps <= MAX_EXACT_COEFFICIENTS ? 'exact' : 'interpolated');
  const rows = mode === 'exact' ? up : grid + 1;
  const table = new Float32Array(rows * taps);
  const fc = cutoffHz / fromRate; // cycles per input sample
  const half = taps / 2;
  const i0Beta = besselI0(beta);
  const row = new Float64Array(taps);
  for (let r = 0; r < rows; r++) {
    // Sub-sample offset of this row: output time = base + phi (input samples).
    const phi = mode === 'exact' ? r / up : r / grid;
    let sum = 0;
    for (let j = 0; j < taps; j++) {
      // Tap j multiplies x[base - half + 1 + j]; its distance from the output time:
      const t = phi + half - 1 - j;
      const w = t / half; // |w| ≤ 1 over the window
      const win = Math.abs(w) >= 1 ? 0 : besselI0(beta * Math.sqrt(1 - w * w)) / i0Beta;
      const v = 2 * fc * sinc(2 * fc * t) * win;
      row[j] = v;
      sum += v;
    }
    // Unit DC gain in every phase: a constant input gives a constant output exactly.
    for (let j = 0; j < taps; j++) table[r * taps + j] = row[j] / sum;
  }
  return { ...common, taps, mode, rows, table, window: 'kaiser', beta };
}

/**
 * equiripple design, from the precomputed tables when this one is there: a design costs
 * ~50 ms of cold-JIT CPU on the first call (48 → 16 kHz; 96 → 16 kHz ~0.2 s), and every
 * pool thread makes its own at the start of the resample stage.
 */
function equiripple(pass: number, stop: number, A: number): Float64Array | null {
  const table = EQUIRIPPLE_TABLES[equirippleKey(pass, stop, A, EQUIRIPPLE_RIPPLE_DB)];
  return table ? Float64Array.from(table) : designEquiripple(pass, stop, A);
}

/**
 * The shortest equiripple low-pass (odd length 16m − 1, so that with one zero tap it
 * fills whole SIMD blocks) with ≤ EQUIRIPPLE_RIPPLE_DB peak-to-peak passband ripple and
 * A dB stopband attenuation; null if the exchange fails (the Kaiser design is used).
 */
export function designEquiripple(pass: number, stop: number, A: number): Float64Array | null {
  const g = 10 ** (EQUIRIPPLE_RIPPLE_DB / 20);
  const dp = (g - 1) / (g + 1);
  const ds = 10 ** (-A / 20);
  // Kaiser's estimate of the length (it runs a little short for these specs, so its
  // block rounded up is usually the answer: one design, ~0.1 s), then up a block at a time.
  const estimate = (-20 * Math.log10(Math.sqrt(dp * ds)) - 13) / (14.6 * (stop - pass)) + 1;
  for (let m = Math.max(1, Math.ceil((estimate + 1) / 16)); m < 4096; m++) {
    try {
      const d = remezLowpass({ numTaps: 16 * m - 1, pass, stop, stopWeight: dp / ds });
      if (d.delta <= dp) return d.h;
    } catch {
      return null;
    }
  }
  return null;
}

function sinc(x: number): number {
  if (x === 0) return 1;
  const px = Math.PI * x;
  return Math.sin(px) / px;
}

/** Kaiser's β for a stopband attenuation of A dB. */
export function kaiserBeta(A: number): number {
  if (A > 50) return 0.1102 * (A - 8.7);
  if (A >= 21) return 0.5842 * (A - 21) ** 0.4 + 0.07886 * (A - 21);
  return 0;
}

/** Modified Bessel function of the first kind, order 0 (power series). */
export function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const q = (x * x) / 4;
  for (let k = 1; k < 200; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

/** Number of output samples for `n` input samples. */
export function resampledLength(n: number, fromRate: number, toRate: number): number {
  const g = gcd(fromRate, toRate);
  return Math.ceil((n * (toRate / g)) / (fromRate / g));
}

/**
 * Resample a mono signal. Returns a new array of ceil(N·to/from) samples; when the
 * rates are equal, a copy.
 */
export function resample(x: Float32Array, fromRate: number, toRate: number, opts: DesignOptions & { useWasm?: boolean } = {}): Float32Array {
  if (fromRate === toRate) {
    checkRate(fromRate, 'fromRate');
    return x.slice();
  }
  return run(x, fromRate, toRate, opts, false);
}

/**
 * resample() for a caller that consumes the result at once (the resample task writes it
 * to audio.parquet): the result may be a view of this thread's kernel memory, valid
 * until the next resample on the thread — no fresh array per clip.
 */
export function resampleTransient(x: Float32Array, fromRate: number, toRate: number): Float32Array {
  if (fromRate === toRate) {
    checkRate(fromRate, 'fromRate');
    return x;
  }
  return run(x, fromRate, toRate, {}, true);
}

/**
 * resampleTransient() of 16-bit PCM (a WAV data chunk: little-endian int16, 1 or 2
 * interleaved channels), mono = v / 32768 or (l + r) / 65536 as the decoders give it.
 * For integer decimation with a symmetric filter the kernel converts the samples while
 * splitting them into phases (no float32 copy of the clip is written); otherwise they
 * are converted first. Same output either way, bit for bit.
 */
export function resamplePcm16Transient(pcm: Uint8Array, channels: 1 | 2, fromRate: number, toRate: number): Float32Array {
  const frames = pcm.byteLength / (2 * channels);
  if (!Number.isInteger(frames)) throw new Error(`resample: ${pcm.byteLength} bytes of 16-bit PCM is not a whole number of ${channels}-channel frames`);
  if (fromRate !== toRate) {
    const d = resampleDesign(fromRate, toRate);
    const dec = d.up === 1 && d.mode === 'exact' ? decimator(d.table, d.down, 1) : null;
    const n = resampledLength(frames, fromRate, toRate);
    if (dec && decimatorTakes(dec, n)) return n === 0 ? new Float32Array(0) : runDecimatorPcm16(dec, pcm, channels, d.taps / 2, n);
  }
  return resampleTransient(pcm16ToMono(pcm, channels, frames), fromRate, toRate);
}

function pcm16ToMono(pcm: Uint8Array, channels: 1 | 2, frames: number): Float32Array {
  const k = monoPcm16(pcm, channels, frames, true);
  if (k) return k.mono;
  const mono = new Float32Array(frames);
  const v = new DataView(pcm.buffer, pcm.byteOffset, pcm.byteLength);
  for (let i = 0; i < frames; i++) {
    mono[i] = channels === 1 ? v.getInt16(2 * i, true) / 32768 : (v.getInt16(4 * i, true) + v.getInt16(4 * i + 2, true)) / 65536;
  }
  return mono;
}

function run(x: Float32Array, fromRate: number, toRate: number, opts: DesignOptions & { useWasm?: boolean }, transient: boolean): Float32Array {
  const d = resampleDesign(fromRate, toRate, opts);
  const n = resampledLength(x.length, fromRate, toRate);
  if (n === 0) return new Float32Array(0);
  // Zero padding so every window is in range: tap j of output (base i) reads
  // x[i - half + 1 + j], stored at padded index i + 1 + j.
  const half = d.taps / 2;
  const useWasm = opts.useWasm ?? true;
  // Integer decimation with a symmetric filter (the equiripple designs): the kernel
  // generated for that filter (decimate-kernel.ts), ~1.5× the generic one; inputs of
  // more than ~4 min (its memory bound) take the generic kernel.
  const dec = useWasm && d.up === 1 && d.mode === 'exact' ? decimator(d.table, d.down, 1) : null;
  if (dec && decimatorTakes(dec, n)) {
    const y = runDecimator(dec, x, half, n);
    return transient ? y : y.slice();
  }
  const call: KernelCall = {
    table: d.table,
    taps: d.taps,
    x,
    pad: half,
    paddedLength: x.length + d.taps + 1,
    n,
    up: d.up,
    stepPhase: d.down % d.up,
    stepBase: Math.floor(d.down / d.up),
    phase0: 0,
    base0: 1,
    rowScale: d.mode === 'exact' ? 0 : (d.rows - 1) / d.up,
  };
  return runKernel(call, transient ? null : new Float32Array(n), useWasm);
}
