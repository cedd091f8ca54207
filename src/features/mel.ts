// Mel scale and mel filterbank, exactly as librosa.filters.mel (Slaney or HTK scale,
// Slaney area normalization or none). Computed in float64.

const F_SP = 200 / 3; // Slaney: 66.67 Hz per mel below 1 kHz
const MIN_LOG_HZ = 1000;
const MIN_LOG_MEL = MIN_LOG_HZ / F_SP; // 15
const LOGSTEP = Math.log(6.4) / 27;

export function hzToMel(hz: number, htk = false): number {
  if (htk) return 2595 * Math.log10(1 + hz / 700);
  return hz >= MIN_LOG_HZ ? MIN_LOG_MEL + Math.log(hz / MIN_LOG_HZ) / LOGSTEP : hz / F_SP;
}

export function melToHz(mel: number, htk = false): number {
  if (htk) return 700 * (10 ** (mel / 2595) - 1);
  return mel >= MIN_LOG_MEL ? MIN_LOG_HZ * Math.exp(LOGSTEP * (mel - MIN_LOG_MEL)) : F_SP * mel;
}

/** `n` frequencies evenly spaced on the mel scale from fmin to fmax (librosa.mel_frequencies). */
export function melFrequencies(n: number, fmin: number, fmax: number, htk = false): Float64Array {
  const lo = hzToMel(fmin, htk);
  const hi = hzToMel(fmax, htk);
  const out = new Float64Array(n);
  // np.linspace: i·step + start, with the last point set to stop exactly
  const step = n > 1 ? (hi - lo) / (n - 1) : 0;
  for (let i = 0; i < n; i++) out[i] = melToHz(i * step + lo, htk);
  if (n > 1) out[n - 1] = melToHz(hi, htk);
  return out;
}

export interface MelOptions {
  sampleRate: number;
  nFft: number;
  nMels: number;
  fmin: number;
  /** null = sampleRate / 2 */
  fmax: number | null;
  htk: boolean;
  norm: 'slaney' | 'none';
}

/** Dense filterbank, row-major nMels × (nFft/2 + 1), like librosa.filters.mel. */
export function melFilterbank(o: MelOptions): Float64Array {
  const bins = Math.floor(o.nFft / 2) + 1;
  const fmax = o.fmax ?? o.sampleRate / 2;
  const melF = melFrequencies(o.nMels + 2, o.fmin, fmax, o.htk);
  const weights = new Float64Array(o.nMels * bins);
  for (let i = 0; i < o.nMels; i++) {
    const fdiffLo = melF[i + 1] - melF[i];
    const fdiffHi = melF[i + 2] - melF[i + 1];
    const enorm = o.norm === 'slaney' ? 2 / (melF[i + 2] - melF[i]) : 1;
    let any = false;
    for (let k = 0; k < bins; k++) {
      const f = (k * o.sampleRate) / o.nFft; // np.fft.rfftfreq
      const lower = -(melF[i] - f) / fdiffLo;
      const upper = (melF[i + 2] - f) / fdiffHi;
      const w = Math.max(0, Math.min(lower, upper));
      if (w > 0) any = true;
      weights[i * bins + k] = w * enorm;
    }
    if (!any) {
      throw new Error(
        `mel band ${i} (${melF[i].toFixed(1)}–${melF[i + 2].toFixed(1)} Hz) contains no FFT bin: ` +
          `n_mels ${o.nMels} is too many for n_fft ${o.nFft} at ${o.sampleRate} Hz (raise n_fft or lower n_mels)`,
      );
    }
  }
  return weights;
}

/** Non-zero range of each filter: band m covers bins start[m] .. start[m]+length(m)-1. */
export interface SparseFilterbank {
  nMels: number;
  bins: number;
  start: Int32Array;
  /** offsets into `weights`: band m's weights are weights[offset[m] .. offset[m+1]). */
  offset: Int32Array;
  weights: Float64Array;
}

export function sparsify(dense: Float64Array, nMels: number, bins: number): SparseFilterbank {
  const start = new Int32Array(nMels);
  const offset = new Int32Array(nMels + 1);
  const parts: Float64Array[] = [];
  for (let m = 0; m < nMels; m++) {
    const row = dense.subarray(m * bins, (m + 1) * bins);
    let a = 0;
    while (a < bins && row[a] === 0) a++;
    let b = bins - 1;
    while (b > a && row[b] === 0) b--;
    start[m] = a;
    const part = a < bins ? row.slice(a, b + 1) : new Float64Array(0);
    parts.push(part);
    offset[m + 1] = offset[m] + part.length;
  }
  const weights = new Float64Array(offset[nMels]);
  parts.forEach((p, m) => weights.set(p, offset[m]));
  return { nMels, bins, start, offset, weights };
}
