// A trained fold model as the train stage leaves it (CONTRACTS.md: model/ + weights,
// normalization.json, labels.json, meta.json), loaded for inference by the evaluate
// stage and `ser predict`: the same normalization, the same input layout, batched.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { featureShape } from '../features/logmel.ts';
import { parseFeatureParams, type FeatureParams } from '../features/params.ts';

export interface Normalization {
  mean: number[];
  std: number[];
  eps: number;
}

const normalizationSchema = z.object({ mean: z.array(z.number()), std: z.array(z.number()), eps: z.number().nonnegative() });
const metaSchema = z
  .object({
    fold: z.number().int(),
    backend: z.string(),
    features: z.record(z.string(), z.unknown()),
    audio: z.object({ sample_rate: z.number().int().positive() }).passthrough(),
  })
  .passthrough();

export type TrainMeta = z.infer<typeof metaSchema> & Record<string, unknown>;

export interface FoldModel {
  fold: number;
  dir: string;
  model: tf.LayersModel;
  labels: string[];
  normalization: Normalization;
  meta: TrainMeta;
  features: FeatureParams;
  sampleRate: number;
  nMels: number;
  nFrames: number;
  /** The network ends in softmax; when it ends in logits, inference applies softmax. */
  outputsProbabilities: boolean;
}

export type ModelLoader = (modelDir: string) => Promise<tf.LayersModel>;

async function readJson(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(`${path}: ${code === 'ENOENT' ? 'missing' : (err as Error).message} — not a complete train artifact`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`${path}: not valid JSON (${(err as Error).message})`);
  }
}

function check<T>(schema: z.ZodType<T>, value: unknown, path: string): T {
  const r = schema.safeParse(value);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new Error(`${path}: field ${i.path.join('.') || '(root)'}: ${i.message}`);
  }
  return r.data;
}

/** Load one train artifact directory. `loadModel` reads a tfjs LayersModel directory. */
export async function loadFoldModel(dir: string, loadModel: ModelLoader): Promise<FoldModel> {
  const labels = check(z.array(z.string()).min(2), await readJson(join(dir, 'labels.json')), join(dir, 'labels.json'));
  const normalization = check(normalizationSchema, await readJson(join(dir, 'normalization.json')), join(dir, 'normalization.json'));
  const meta = check(metaSchema, await readJson(join(dir, 'meta.json')), join(dir, 'meta.json')) as TrainMeta;
  const features = parseFeatureParams(meta.features, `${join(dir, 'meta.json')}: features`);
  const shape = featureShape(features, meta.audio.sample_rate);
  if (normalization.mean.length !== shape.nMels || normalization.std.length !== shape.nMels) {
    throw new Error(`${join(dir, 'normalization.json')}: ${normalization.mean.length} means / ${normalization.std.length} stds for ${shape.nMels} mel bands`);
  }
  const model = await loadModel(join(dir, 'model'));
  const input = model.inputs[0].shape;
  if (input.length !== 4 || input[1] !== shape.nMels || input[2] !== shape.nFrames || input[3] !== 1) {
    throw new Error(`${join(dir, 'model')}: input shape [${input.join(', ')}] does not fit ${shape.nMels}×${shape.nFrames} log-Mels ([null, ${shape.nMels}, ${shape.nFrames}, 1])`);
  }
  const output = model.outputs[0].shape;
  if (output[output.length - 1] !== labels.length) {
    throw new Error(`${join(dir, 'model')}: ${output[output.length - 1]} outputs for ${labels.length} labels in labels.json`);
  }
  const last = model.layers[model.layers.length - 1].getConfig() as { activation?: string };
  return {
    fold: meta.fold,
    dir,
    model,
    labels,
    normalization,
    meta,
    features,
    sampleRate: meta.audio.sample_rate,
    nMels: shape.nMels,
    nFrames: shape.nFrames,
    outputsProbabilities: last.activation === 'softmax',
  };
}

/**
 * Per-mel-band standardization, as in training: (x − mean[m]) / (std[m] + eps), written
 * into `out` at `offset`. x is one clip's log-Mel, row-major mel × frame.
 */
export function normalizeInto(x: Float32Array, norm: Normalization, nMels: number, nFrames: number, out: Float32Array, offset = 0): void {
  if (x.length !== nMels * nFrames) throw new Error(`normalize: ${x.length} values, expected ${nMels}×${nFrames}`);
  for (let m = 0; m < nMels; m++) {
    const mean = norm.mean[m];
    const scale = 1 / (norm.std[m] + norm.eps);
    const row = m * nFrames;
    for (let t = 0; t < nFrames; t++) out[offset + row + t] = (x[row + t] - mean) * scale;
  }
}

/** Class probabilities for each log-Mel (raw dB, normalized here), in batches. */
export function predictProbabilities(fm: FoldModel, clips: readonly Float32Array[], batchSize = 64): Float32Array[] {
  const size = fm.nMels * fm.nFrames;
  const k = fm.labels.length;
  const out: Float32Array[] = [];
  for (let start = 0; start < clips.length; start += batchSize) {
    const part = clips.slice(start, start + batchSize);
    const buf = new Float32Array(part.length * size);
    part.forEach((c, i) => normalizeInto(c, fm.normalization, fm.nMels, fm.nFrames, buf, i * size));
    const probs = tf.tidy(() => {
      const x = tf.tensor4d(buf, [part.length, fm.nMels, fm.nFrames, 1]);
      const y = fm.model.predict(x) as tf.Tensor;
      return (fm.outputsProbabilities ? y : tf.softmax(y)).dataSync() as Float32Array;
    });
    for (let i = 0; i < part.length; i++) {
      const p = probs.slice(i * k, (i + 1) * k);
      for (let j = 0; j < k; j++) {
        if (!Number.isFinite(p[j])) throw new Error(`model ${fm.dir}: probability ${j} of input ${start + i} is ${p[j]}`);
      }
      out.push(p);
    }
  }
  return out;
}

/** Mean of several probability vectors (ensemble of fold models, or windows of a clip). */
export function averageProbabilities(vectors: readonly ArrayLike<number>[]): Float32Array {
  if (vectors.length === 0) throw new Error('averageProbabilities: no vectors');
  const k = vectors[0].length;
  const acc = new Float64Array(k);
  for (const v of vectors) {
    if (v.length !== k) throw new Error(`averageProbabilities: vectors of length ${k} and ${v.length}`);
    for (let j = 0; j < k; j++) acc[j] += v[j];
  }
  return Float32Array.from(acc, (s) => s / vectors.length);
}
