// Test fixtures (not product paths) for evaluate / predict: a tiny hand-designed model
// whose prediction is known in advance, and the upstream artifacts of a small pipeline
// run (manifest.parquet, split.parquet, features.parquet, train instances).
//
// The model: flatten → dense(8, softmax) with W[:, k] = k / size and b[k] = −k²/2, so
// logit_k = k·x̄ − k²/2 where x̄ is the mean of the normalized input; the argmax is the
// class nearest to x̄ (clamped to 0..7). A clip whose log-Mel is constant c, normalized
// with mean μ and std 1, is predicted as class round(c − μ).
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { Table, Utf8, makeVector, vectorFromArray } from 'apache-arrow';
import { writeParquetFile } from '../../src/io/parquet.ts';
import { saveModel } from '../../src/model/io.ts';
import { featureShape } from '../../src/features/logmel.ts';
import { parseFeatureParams, type FeatureParams } from '../../src/features/params.ts';
import { writeFeaturesFile } from '../../src/features/store.ts';
import { writeSplitFile } from '../../src/split/store.ts';
import type { Assignment } from '../../src/split/protocols.ts';
import { EMOTIONS } from '../metrics/synthetic.ts';

/** Small features: 8 mel bands × 7 frames (0.1 s at 16 kHz, hop 256). */
export const TINY_FEATURES: FeatureParams = parseFeatureParams({ n_fft: 256, win_length: 256, hop_length: 256, n_mels: 8, duration_s: 0.1, fmax: 8000 });
export const TINY_SHAPE = featureShape(TINY_FEATURES, 16000);

export function nearestClassModel(nMels = TINY_SHAPE.nMels, nFrames = TINY_SHAPE.nFrames, k = 8): tf.LayersModel {
  const size = nMels * nFrames;
  const w = new Float32Array(size * k);
  for (let i = 0; i < size; i++) for (let c = 0; c < k; c++) w[i * k + c] = c / size;
  const b = Float32Array.from({ length: k }, (_, c) => (-c * c) / 2);
  const model = tf.sequential();
  model.add(tf.layers.flatten({ inputShape: [nMels, nFrames, 1] }));
  model.add(tf.layers.dense({ units: k, activation: 'softmax', weights: [tf.tensor2d(w, [size, k]), tf.tensor1d(b)] }));
  return model;
}

export interface TinyRun {
  root: string;
  manifest: string;
  split: string;
  features: string;
  train: { fold: number; dir: string }[];
  /** Expected predicted class per clip id. */
  expected: Map<string, number>;
  truth: Map<string, number>;
}

function ravdessId(emotion: number, intensity: number, rep: number, actor: number): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `03-01-${two(emotion)}-${two(intensity)}-01-${two(rep)}-${two(actor)}`;
}

/**
 * 8 actors (odd = male), each with 8 clips (one per emotion). Two folds: fold 0 tests
 * actors 1–4, fold 1 tests actors 5–8; each trains on the other half. Clip log-Mels are
 * constant: c = true class, except male actors' `sad` clips (c = 1, read as calm), and
 * fold 1's model normalizes with mean 1 while its clips are shifted by +1, so both folds
 * predict the same classes only if each fold's own normalization is applied.
 */
export async function writeTinyRun(root: string): Promise<TinyRun> {
  await mkdir(root, { recursive: true });
  const ids: string[] = [], actors: number[] = [], genders: string[] = [], intensities: string[] = [], emotions: string[] = [], codes: number[] = [];
  const expected = new Map<string, number>();
  const truth = new Map<string, number>();
  const values: number[] = [];
  for (let actor = 1; actor <= 8; actor++) {
    const fold = actor <= 4 ? 0 : 1;
    for (let e = 0; e < 8; e++) {
      const id = ravdessId(e + 1, e === 0 ? 1 : 2, 1, actor);
      const male = actor % 2 === 1;
      const predicted = male && e === 3 ? 1 : e;
      ids.push(id); actors.push(actor); genders.push(male ? 'male' : 'female'); intensities.push(e === 0 ? 'normal' : 'strong'); emotions.push(EMOTIONS[e]); codes.push(e + 1);
      expected.set(id, predicted);
      truth.set(id, e);
      values.push(predicted + (fold === 1 ? 1 : 0));
    }
  }
  const n = ids.length;
  const manifest = join(root, 'manifest.parquet');
  await writeParquetFile(
    manifest,
    new Table({
      id: vectorFromArray(ids, new Utf8()),
      source: vectorFromArray(ids.map((id) => `Actor_x/${id}.wav`), new Utf8()),
      emotion: vectorFromArray(emotions, new Utf8()),
      emotion_code: makeVector(Int32Array.from(codes)),
      intensity: vectorFromArray(intensities, new Utf8()),
      actor: makeVector(Int32Array.from(actors)),
      gender: vectorFromArray(genders, new Utf8()),
      status: vectorFromArray(ids.map(() => 'ok'), new Utf8()),
      reason: vectorFromArray(ids.map(() => ''), new Utf8()),
    }),
  );
  const rows: Assignment[] = [];
  for (const fold of [0, 1]) ids.forEach((id, i) => rows.push({ id, fold, role: (actors[i] <= 4 ? 0 : 1) === fold ? 'test' : 'train' }));
  const split = join(root, 'split.parquet');
  await writeSplitFile(split, { protocol: 'actors', speakerIndependent: true, folds: [0, 1], rows, unassigned: new Map() } as never, 0);
  const size = TINY_SHAPE.size;
  const logmel = new Float32Array(n * size);
  values.forEach((v, i) => logmel.fill(v, i * size, (i + 1) * size));
  const features = join(root, 'features.parquet');
  await writeFeaturesFile(features, { ids, nMels: TINY_SHAPE.nMels, nFrames: TINY_SHAPE.nFrames, logmel }, TINY_FEATURES, 16000);
  const train: { fold: number; dir: string }[] = [];
  for (const fold of [0, 1]) {
    const dir = join(root, `train-${fold}`);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'labels.json'), JSON.stringify(EMOTIONS));
    await writeFile(join(dir, 'normalization.json'), JSON.stringify({ mean: new Array(TINY_SHAPE.nMels).fill(fold), std: new Array(TINY_SHAPE.nMels).fill(1), eps: 0 }));
    await writeFile(join(dir, 'meta.json'), JSON.stringify({ fold, backend: 'cpu', threads: 1, epochs_run: 1, best_epoch: 1, best_val_acc: 0.5, seconds: 1, seconds_per_epoch: 1, n_train: 32, n_val: 0, features: TINY_FEATURES, audio: { sample_rate: 16000 }, train: {} }));
    await saveModel(nearestClassModel(), join(dir, 'model'));
    const epochs = Int32Array.from([1, 2, 3]);
    await writeParquetFile(
      join(dir, 'history.parquet'),
      new Table({
        epoch: makeVector(epochs),
        train_loss: makeVector(Float32Array.from([1.9, 1.5, 1.2])),
        train_acc: makeVector(Float32Array.from([0.3, 0.45, 0.6])),
        val_loss: makeVector(Float32Array.from([1.8, 1.6, 1.55])),
        val_acc: makeVector(Float32Array.from([0.3, 0.4, 0.42])),
        lr: makeVector(Float32Array.from([0.001, 0.001, 0.001])),
        seconds: makeVector(Float32Array.from([0.5, 0.4, 0.4])),
      }),
    );
    train.push({ fold, dir });
  }
  return { root, manifest, split, features, train, expected, truth };
}
