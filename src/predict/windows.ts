// Features of a clip of any length for `ser predict`, from the pipeline's own front end
// (src/features/logmel.ts, one source of truth).
//
// The model sees a fixed window of duration_s seconds. A clip that fits is featurized
// exactly as the featurize stage does (first duration_s seconds, zero-padded). A longer
// clip is scored in full windows at a hop of half a window — starts 0, W/2, W, … — plus
// one last window aligned to the clip's end when the regular hops stop short of it, so
// every sample is seen and no window is mostly padding; the caller averages the
// windows' probabilities. With features.trim_silence the silence is trimmed from the
// whole clip first (same function as the pipeline), then windowed.
import { logMelExtractor } from '../features/logmel.ts';
import { parseFeatureParams, type FeatureParams } from '../features/params.ts';
import { nonSilentRange } from '../features/trim.ts';

/** Window start offsets (samples) for a clip of `length` samples and windows of `window`. */
export function windowStarts(length: number, window: number): number[] {
  if (!Number.isInteger(window) || window <= 0) throw new Error(`window length must be a positive integer, got ${window}`);
  if (length <= window) return [0];
  const hop = Math.max(1, Math.floor(window / 2));
  const starts: number[] = [];
  for (let s = 0; s + window <= length; s += hop) starts.push(s);
  const last = length - window;
  if (starts[starts.length - 1] !== last) starts.push(last);
  return starts;
}

export interface ClipFeatures {
  /** Log-Mel per window (n_mels · n_frames each, row-major mel × frame, dB). */
  windows: Float32Array[];
  /** Start of each window in seconds (after trimming, when enabled). */
  startsS: number[];
  nMels: number;
  nFrames: number;
}

export function clipFeatures(samples: Float32Array, rawParams: FeatureParams | Record<string, unknown>, sampleRate: number): ClipFeatures {
  const params = parseFeatureParams(rawParams);
  let y = samples;
  if (params.trim_silence) {
    const [a, b] = nonSilentRange(samples, { topDb: params.trim_top_db });
    y = samples.subarray(a, b);
  }
  // Trimming is done above, once, for the whole clip: the windows must not re-trim.
  const ex = logMelExtractor({ ...params, trim_silence: false }, sampleRate);
  const { nSamples, nMels, nFrames } = ex.shape;
  const starts = windowStarts(y.length, nSamples);
  return {
    windows: starts.map((s) => ex.compute(y.subarray(s, Math.min(y.length, s + nSamples)))),
    startsS: starts.map((s) => s / sampleRate),
    nMels,
    nFrames,
  };
}
