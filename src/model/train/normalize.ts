// Per-mel-bin normalization, as the reference: mean and std (ddof 0) of each mel bin over
// all frames of the TRAINING clips, applied as (x - mean[bin]) / (std[bin] + eps) with
// eps 1e-8. The train stage computes it on the fold's training set, normalizes train
// and validation inputs before trainModel, and stores it (normalization.json) so
// evaluation and prediction apply the same numbers.

export interface Normalization {
  mean: number[];
  std: number[];
  eps: number;
}

export const NORMALIZATION_EPS = 1e-8;

/** Statistics over `x` = clips of [nMels x nFrames] (row-major, row = mel bin), in float64. */
export function computeNormalization(x: Float32Array, nMels: number, nFrames: number, eps = NORMALIZATION_EPS): Normalization {
  const size = nMels * nFrames;
  if (x.length === 0 || x.length % size !== 0) {
    throw new Error(`computeNormalization: ${x.length} values is not a positive multiple of ${nMels} x ${nFrames}`);
  }
  const clips = x.length / size;
  const count = clips * nFrames;
  const sum = new Float64Array(nMels);
  for (let c = 0; c < clips; c++) {
    for (let m = 0; m < nMels; m++) {
      const row = c * size + m * nFrames;
      let s = 0;
      for (let f = 0; f < nFrames; f++) s += x[row + f]!;
      sum[m] = sum[m]! + s;
    }
  }
  const mean = Array.from(sum, (s) => s / count);
  // Second pass on deviations: no cancellation for dB values far from zero.
  const sq = new Float64Array(nMels);
  for (let c = 0; c < clips; c++) {
    for (let m = 0; m < nMels; m++) {
      const row = c * size + m * nFrames;
      const mu = mean[m]!;
      let s = 0;
      for (let f = 0; f < nFrames; f++) { const d = x[row + f]! - mu; s += d * d; }
      sq[m] = sq[m]! + s;
    }
  }
  const std = Array.from(sq, (s) => Math.sqrt(s / count));
  return { mean, std, eps };
}

/** (x - mean[bin]) / (std[bin] + eps) for every clip, into a new array (or `out`). */
export function applyNormalization(x: Float32Array, norm: Normalization, nFrames: number, out = new Float32Array(x.length)): Float32Array {
  const nMels = norm.mean.length;
  if (norm.std.length !== nMels) throw new Error(`normalization: ${nMels} means but ${norm.std.length} stds`);
  const size = nMels * nFrames;
  if (x.length % size !== 0) throw new Error(`applyNormalization: ${x.length} values is not a multiple of ${nMels} x ${nFrames}`);
  const denom = norm.std.map((s) => s + norm.eps);
  for (let base = 0; base < x.length; base += size) {
    for (let m = 0; m < nMels; m++) {
      const mu = norm.mean[m]!;
      const d = denom[m]!;
      const row = base + m * nFrames;
      for (let f = 0; f < nFrames; f++) out[row + f] = (x[row + f]! - mu) / d;
    }
  }
  return out;
}
