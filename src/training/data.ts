// One fold's training data: the fold's train/val clips from split.parquet, their
// log-Mels from features.parquet, labels from the RAVDESS ids, and per-mel-band
// normalization statistics from the fold's TRAINING clips only, applied to both sets
// with the very function evaluate and predict use (normalizeInto), so a clip gets the
// same network input in training and at inference.
import { EMOTIONS, parseRavdessName } from '../dataset/ravdess.ts';
import { readFeatures, type Features } from '../features/store.ts';
import type { FeatureParams } from '../features/params.ts';
import type { Dataset } from '../model/train/replica.ts';
import { normalizeInto, type Normalization } from '../predict/fold-model.ts';
import { readSplitFile } from '../split/store.ts';

/** The reference's epsilon: (x − mean) / (std + 1e-8). */
export const NORM_EPS = 1e-8;

/** Class names in index order (CONTRACTS.md: RAVDESS code order). */
export const LABELS: readonly string[] = EMOTIONS;

export interface FoldData {
  fold: number;
  nMels: number;
  nFrames: number;
  trainIds: string[];
  valIds: string[];
  /** Normalized inputs and class indices. */
  train: Dataset;
  val: Dataset;
  normalization: Normalization;
  /** Feature params and sample rate the log-Mels were computed with (features.parquet footer). */
  features: FeatureParams;
  sampleRate: number;
}

/** Class index of a RAVDESS clip id (emotion code − 1). */
export function labelOf(id: string, where: string): number {
  const parsed = parseRavdessName(id);
  if (!parsed.ok) throw new Error(`${where}: clip ${id} has no emotion label: ${parsed.reason}`);
  return parsed.labels.emotion_code - 1;
}

/**
 * Per-band mean and population std (ddof 0) over every frame of every clip — the
 * reference's statistics. Two passes in float64.
 */
export function bandStatistics(clips: readonly Float32Array[], nMels: number, nFrames: number): Normalization {
  if (clips.length === 0) throw new Error('normalization: no training clips');
  const count = clips.length * nFrames;
  const sum = new Float64Array(nMels);
  for (const c of clips) {
    for (let m = 0; m < nMels; m++) {
      let s = 0;
      const row = m * nFrames;
      for (let t = 0; t < nFrames; t++) s += c[row + t]!;
      sum[m] = sum[m]! + s;
    }
  }
  const mean = Array.from(sum, (s) => s / count);
  const sq = new Float64Array(nMels);
  for (const c of clips) {
    for (let m = 0; m < nMels; m++) {
      let s = 0;
      const row = m * nFrames;
      const mu = mean[m]!;
      for (let t = 0; t < nFrames; t++) {
        const d = c[row + t]! - mu;
        s += d * d;
      }
      sq[m] = sq[m]! + s;
    }
  }
  return { mean, std: Array.from(sq, (s) => Math.sqrt(s / count)), eps: NORM_EPS };
}

/** Normalized clips as rows of one Float32Array, with their labels. */
export function buildDataset(
  features: Pick<Features, 'get' | 'nMels' | 'nFrames'>, ids: readonly string[], norm: Normalization, where: string,
): Dataset {
  const size = features.nMels * features.nFrames;
  const x = new Float32Array(ids.length * size);
  const y = new Int32Array(ids.length);
  ids.forEach((id, i) => {
    normalizeInto(features.get(id), norm, features.nMels, features.nFrames, x, i * size);
    y[i] = labelOf(id, where);
  });
  return { x, y };
}

/** Load fold `fold`: clip lists, normalization from its training clips, normalized sets. */
export async function loadFold(featuresPath: string, splitPath: string, fold: number): Promise<FoldData> {
  const [features, split] = await Promise.all([readFeatures(featuresPath), readSplitFile(splitPath)]);
  if (!split.folds.includes(fold)) {
    throw new Error(`${splitPath}: no fold ${fold} (it has folds ${split.folds.join(', ')}); train's matrix must list folds of split.folds`);
  }
  const trainIds = split.ids(fold, 'train');
  const valIds = split.ids(fold, 'val');
  if (trainIds.length === 0) throw new Error(`${splitPath}: fold ${fold} has no training clips`);
  for (const id of [...trainIds, ...valIds]) {
    if (!features.index.has(id)) throw new Error(`${featuresPath}: no features for clip ${id} (fold ${fold} of ${splitPath}); rerun featurize`);
  }
  const { nMels, nFrames } = features;
  const normalization = bandStatistics(trainIds.map((id) => features.get(id)), nMels, nFrames);
  for (let m = 0; m < nMels; m++) {
    if (!Number.isFinite(normalization.mean[m]!) || !Number.isFinite(normalization.std[m]!)) {
      throw new Error(`${featuresPath}: mel band ${m} has a non-finite mean/std over fold ${fold}'s training clips`);
    }
  }
  return {
    fold,
    nMels,
    nFrames,
    trainIds,
    valIds,
    train: buildDataset(features, trainIds, normalization, splitPath),
    val: buildDataset(features, valIds, normalization, splitPath),
    normalization,
    features: features.params,
    sampleRate: features.sampleRate,
  };
}
