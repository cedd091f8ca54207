// On-the-fly augmentation of TRAINING batches (never validation, test or prediction),
// applied by the trainer's BatchTransform hook in whichever thread computes the batch's
// gradient. Every random draw comes from our seeded RNG with one stream per
// (augmentation, epoch, dataset index of the sample), so a sample is augmented the same
// way whatever batch position or worker it lands in: training is independent of how
// batches are sharded, and the same seed gives the same run.
//
// Inputs are the NORMALIZED log-Mels ((dB − mean_m) / (std_m + eps), row = mel band m,
// column = frame). Per sample, in this order (each off by default):
//  1. mixup (alpha > 0): partner j uniform over the training set, λ ~ Beta(α, α) folded
//     to max(λ, 1 − λ) so the sample's own label dominates (its accuracy and class weight
//     use that label); x = λ·x_i + (1 − λ)·x_j, target = λ·onehot(y_i) + (1 − λ)·onehot(y_j)
//     (the loss takes soft targets). Mixed in the normalized log domain, as usual for
//     spectrogram mixup.
//  2. time shift (max_frames > 0): s uniform in [−max, max] frames; `circular` rolls the
//     frames, `padded` shifts and fills the vacated frames with the clip's silence floor
//     (its lowest dB value, normalized per band).
//  3. additive noise (snr_db set): white Gaussian noise at that SNR, added where noise
//     adds — in the POWER domain of the mel spectrogram, since the waveform is gone after
//     featurize. Each (band, frame) is turned back into power P = 10^(dB/10); white noise
//     has a flat spectrum, so after |STFT|² and the mel filterbank its mean power in band
//     m is proportional to Σ_k w_mk (the filter's weight sum) and, for STFT bins taken as
//     independent, its power is Gamma-distributed with shape k_m = (Σ_k w_mk)² / Σ_k w_mk²
//     (the filter's effective number of bins: Exp(1) for a one-bin band, steadier for wide
//     bands). The mean noise level is set so that Σ noise power / Σ signal power over the
//     clip's bands and frames = 10^(−snr/10) (SNR measured in the mel-power domain), the
//     sum goes back to dB with the clip's top_db clamp re-applied, and is normalized
//     again. (Approximations: neighbouring STFT bins and overlapping frames are
//     correlated in reality, which makes real noise a little less steady than drawn
//     here; the floor value amin cannot be undone — a clamped bin counts as floor power.)
//  4. SpecAugment: `freq_masks` masks of width uniform in [0, freq_width] bands and
//     `time_masks` masks of width uniform in [0, time_width] frames, at uniform
//     positions, set to 0 — the training mean of each band after normalization.
import type { FeatureParams } from '../features/params.ts';
import { melFilterbank } from '../features/mel.ts';
import type { BatchTransform, TransformContext, TransformSpec } from '../model/train/replica.ts';
import type { Normalization } from '../predict/fold-model.ts';
import { createRng, type Rng } from '../util/rng.ts';
import type { AugmentParams } from './params.ts';

/** Everything a worker needs to rebuild the augmenter (structured-clonable). */
export interface AugmentConfig {
  params: AugmentParams;
  normalization: Normalization;
  /** features.top_db (null = the features are not clamped). */
  topDb: number | null;
  /** Per mel band: relative mean power of white noise (mean 1 over bands) and its Gamma shape. */
  noiseBands: { relPower: number[]; shape: number[] } | null;
}

/** Whether any augmentation is on. */
export function augmentEnabled(p: AugmentParams): boolean {
  const s = p.specaugment;
  return (s.freq_masks > 0 && s.freq_width > 0) || (s.time_masks > 0 && s.time_width > 0) ||
    p.time_shift.max_frames > 0 || p.mixup.alpha > 0 || p.noise.snr_db != null;
}

/** White noise through the mel filterbank: relative band power and Gamma shape per band. */
export function whiteNoiseBands(features: FeatureParams, sampleRate: number): { relPower: number[]; shape: number[] } {
  const fb = melFilterbank({
    sampleRate, nFft: features.n_fft, nMels: features.n_mels, fmin: features.fmin, fmax: features.fmax,
    htk: features.mel.htk, norm: features.mel.norm,
  });
  const bins = Math.floor(features.n_fft / 2) + 1;
  const sums: number[] = [];
  const shape: number[] = [];
  for (let m = 0; m < features.n_mels; m++) {
    let s = 0;
    let s2 = 0;
    for (let k = 0; k < bins; k++) {
      const w = fb[m * bins + k]!;
      s += w;
      s2 += w * w;
    }
    sums.push(s);
    shape.push((s * s) / s2);
  }
  const mean = sums.reduce((a, b) => a + b, 0) / sums.length;
  return { relPower: sums.map((s) => s / mean), shape };
}

export function makeAugmentConfig(
  params: AugmentParams, normalization: Normalization, features: FeatureParams, sampleRate: number,
): AugmentConfig {
  return {
    params,
    normalization,
    topDb: features.top_db,
    noiseBands: params.noise.snr_db != null ? whiteNoiseBands(features, sampleRate) : null,
  };
}

/** The trainer's description of the augmenter (workers import this module). */
export function augmentSpec(config: AugmentConfig): TransformSpec {
  return { module: new URL('./augment.ts', import.meta.url).href, factory: 'createAugmenter', config };
}

// ---- random variates ---------------------------------------------------------------

function normal(rng: Rng): number {
  const u = 1 - rng.float();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.float());
}

/** Gamma(shape, 1) (Marsaglia & Tsang; shape < 1 via the U^(1/shape) boost). */
export function gamma(rng: Rng, shape: number): number {
  if (shape < 1) return gamma(rng, shape + 1) * (1 - rng.float()) ** (1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let z: number;
    let v: number;
    do {
      z = normal(rng);
      v = 1 + c * z;
    } while (v <= 0);
    v = v * v * v;
    const u = 1 - rng.float();
    if (Math.log(u) < 0.5 * z * z + d - d * v + d * Math.log(v)) return d * v;
  }
}

/** Beta(a, a). */
export function betaSymmetric(rng: Rng, a: number): number {
  const x = gamma(rng, a);
  const y = gamma(rng, a);
  return x + y > 0 ? x / (x + y) : 0.5;
}

const streamRng = (seed: number, kind: string, epoch: number, index: number): Rng =>
  createRng(seed, `augment/${kind}/epoch${epoch}/sample${index}`);

// ---- the augmentations on one sample (x: nMels × nFrames, row-major) ----------------

/** Shift the frames of x by `shift` (> 0 = later); `fill[m]` for vacated frames (padded). */
export function timeShift(x: Float32Array, nMels: number, nFrames: number, shift: number, fill: ArrayLike<number> | null): void {
  if (shift === 0) return;
  const row = new Float32Array(nFrames);
  for (let m = 0; m < nMels; m++) {
    const src = x.subarray(m * nFrames, (m + 1) * nFrames);
    for (let t = 0; t < nFrames; t++) {
      const from = t - shift;
      if (fill == null) row[t] = src[((from % nFrames) + nFrames) % nFrames]!;
      else row[t] = from >= 0 && from < nFrames ? src[from]! : fill[m]!;
    }
    src.set(row);
  }
}

/** SpecAugment masks (value 0) drawn from rng. */
export function specAugment(x: Float32Array, nMels: number, nFrames: number, p: AugmentParams['specaugment'], rng: Rng): void {
  for (let i = 0; i < p.freq_masks; i++) {
    const w = rng.int(Math.min(p.freq_width, nMels) + 1);
    const f0 = rng.int(nMels - w + 1);
    x.fill(0, f0 * nFrames, (f0 + w) * nFrames);
  }
  for (let i = 0; i < p.time_masks; i++) {
    const w = rng.int(Math.min(p.time_width, nFrames) + 1);
    const t0 = rng.int(nFrames - w + 1);
    for (let m = 0; m < nMels; m++) x.fill(0, m * nFrames + t0, m * nFrames + t0 + w);
  }
}

/** Add white noise at `snrDb` (see the header) to a normalized sample, in place. */
export function addNoise(
  x: Float32Array, nMels: number, nFrames: number, snrDb: number, norm: Normalization, topDb: number | null,
  bands: { relPower: number[]; shape: number[] }, rng: Rng,
): void {
  const power = new Float64Array(nMels * nFrames);
  let total = 0;
  for (let m = 0; m < nMels; m++) {
    const scale = norm.std[m]! + norm.eps;
    const mean = norm.mean[m]!;
    for (let t = 0; t < nFrames; t++) {
      const i = m * nFrames + t;
      const p = 10 ** ((x[i]! * scale + mean) / 10);
      power[i] = p;
      total += p;
    }
  }
  const noiseMean = (total / power.length) * 10 ** (-snrDb / 10);
  let max = -Infinity;
  for (let m = 0; m < nMels; m++) {
    const k = bands.shape[m]!;
    const level = (noiseMean * bands.relPower[m]!) / k;
    for (let t = 0; t < nFrames; t++) {
      const i = m * nFrames + t;
      const db = 10 * Math.log10(power[i]! + level * gamma(rng, k));
      power[i] = db;
      if (db > max) max = db;
    }
  }
  const floor = topDb == null ? -Infinity : max - topDb;
  for (let m = 0; m < nMels; m++) {
    const inv = 1 / (norm.std[m]! + norm.eps);
    const mean = norm.mean[m]!;
    for (let t = 0; t < nFrames; t++) {
      const i = m * nFrames + t;
      x[i] = (Math.max(power[i]!, floor) - mean) * inv;
    }
  }
}

/** Per-band normalized value of the clip's lowest dB value (its silence floor). */
function silenceFloor(x: Float32Array, nMels: number, nFrames: number, norm: Normalization): Float32Array {
  let floorDb = Infinity;
  for (let m = 0; m < nMels; m++) {
    const scale = norm.std[m]! + norm.eps;
    for (let t = 0; t < nFrames; t++) floorDb = Math.min(floorDb, x[m * nFrames + t]! * scale + norm.mean[m]!);
  }
  return Float32Array.from(norm.mean, (mean, m) => (floorDb - mean) / (norm.std[m]! + norm.eps));
}

/** The BatchTransform (TransformFactory export, named in augmentSpec). */
export function createAugmenter(configIn: unknown, ctx: TransformContext): BatchTransform {
  const config = configIn as AugmentConfig;
  const p = config.params;
  const [nMels, nFrames] = ctx.inputShape;
  const size = nMels * nFrames;
  const classes = ctx.numClasses;
  const nTrain = ctx.train.y.length;
  const norm = config.normalization;
  if (norm.mean.length !== nMels) throw new Error(`augment: normalization has ${norm.mean.length} bands, the model takes ${nMels}`);
  const snr = p.noise.snr_db;
  if (snr != null && config.noiseBands == null) throw new Error('augment: noise is on but the config has no noise bands');
  return (batch, indices, epoch) => {
    const soft = p.mixup.alpha > 0 ? new Float32Array(indices.length * classes) : null;
    for (let s = 0; s < indices.length; s++) {
      const index = indices[s]!;
      const x = batch.subarray(s * size, (s + 1) * size);
      if (soft) {
        const rng = streamRng(ctx.seed, 'mixup', epoch, index);
        const j = rng.int(nTrain);
        const b = betaSymmetric(rng, p.mixup.alpha);
        const lam = Math.max(b, 1 - b);
        const other = ctx.train.x.subarray(j * size, (j + 1) * size);
        for (let i = 0; i < size; i++) x[i] = lam * x[i]! + (1 - lam) * other[i]!;
        soft[s * classes + ctx.train.y[index]!] += lam;
        soft[s * classes + ctx.train.y[j]!] += 1 - lam;
      }
      if (p.time_shift.max_frames > 0) {
        const max = p.time_shift.max_frames;
        const shift = streamRng(ctx.seed, 'shift', epoch, index).int(2 * max + 1) - max;
        const fill = p.time_shift.mode === 'padded' ? silenceFloor(x, nMels, nFrames, norm) : null;
        timeShift(x, nMels, nFrames, shift, fill);
      }
      if (snr != null) {
        const rng = streamRng(ctx.seed, 'noise', epoch, index);
        const db = Array.isArray(snr) ? snr[0] + (snr[1] - snr[0]) * rng.float() : snr;
        addNoise(x, nMels, nFrames, db, norm, config.topDb, config.noiseBands!, rng);
      }
      const sa = p.specaugment;
      if ((sa.freq_masks > 0 && sa.freq_width > 0) || (sa.time_masks > 0 && sa.time_width > 0)) {
        specAugment(x, nMels, nFrames, sa, streamRng(ctx.seed, 'specaugment', epoch, index));
      }
    }
    return soft ?? undefined;
  };
}
