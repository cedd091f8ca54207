// The evaluate stage's work, callable without the runner: each fold's best model on
// that fold's test clips → per-clip predictions → metrics.json object.
import { join } from 'node:path';
import { z } from 'zod';
import { readParquetFile } from '../io/parquet.ts';
import { readFeatures } from '../features/store.ts';
import { canonicalJson } from '../pipeline/params.ts';
import { computeMetrics, type PredictionRow } from '../metrics/compute.ts';
import type { MetricsFile } from '../metrics/schema.ts';
import { argmax } from '../metrics/classification.ts';
import { readSplitFile } from '../split/store.ts';
import { loadFoldModel, predictProbabilities, type ModelLoader } from './fold-model.ts';

export const evaluateParamsSchema = z.strictObject({
  /** Bootstrap replicates of the gender-bias audit. */
  bootstrap: z.number().int().positive().default(1000),
  /** Two-sided confidence level of the bootstrap intervals. */
  confidence: z.number().gt(0).lt(1).default(0.95),
  /** Equal-width confidence bins of the calibration summary. */
  calibration_bins: z.number().int().positive().default(15),
  /** How many of the most confused (true → predicted) pairs to list. */
  top_confusions: z.number().int().positive().default(10),
  /** Inference backend (initBackend): auto | tensorflow | wasm | cpu. */
  backend: z.enum(['auto', 'tensorflow', 'wasm', 'cpu']).default('auto'),
  /** Clips per inference batch. */
  batch_size: z.number().int().positive().default(64),
});
export type EvaluateParams = z.output<typeof evaluateParamsSchema>;

export function parseEvaluateParams(raw: unknown): EvaluateParams {
  const r = evaluateParamsSchema.safeParse(raw ?? {});
  if (!r.success) throw new Error(`invalid evaluate params:\n  ${r.error.issues.map((i) => `evaluate.${i.path.join('.')}: ${i.message}`).join('\n  ')}`);
  return r.data;
}

export interface ClipLabels {
  actor: number;
  gender: 'female' | 'male';
  intensity: string;
  emotion: string;
}

/** id → actor, gender, intensity, emotion from ingest's manifest.parquet. */
export async function readClipLabels(path: string): Promise<Map<string, ClipLabels>> {
  const t = await readParquetFile(path, { columns: ['id', 'actor', 'gender', 'intensity', 'emotion'] });
  const id = t.getChild('id')!.toArray() as string[];
  const actor = t.getChild('actor')!.toArray() as ArrayLike<number>;
  const gender = t.getChild('gender')!.toArray() as string[];
  const intensity = t.getChild('intensity')!.toArray() as string[];
  const emotion = t.getChild('emotion')!.toArray() as string[];
  const out = new Map<string, ClipLabels>();
  for (let i = 0; i < id.length; i++) {
    const g = gender[i];
    if (g !== 'female' && g !== 'male') continue; // unusable rows (rejected names) carry no gender; split never uses them
    out.set(id[i], { actor: Number(actor[i]), gender: g, intensity: intensity[i], emotion: emotion[i] });
  }
  return out;
}

export interface TrainInstance {
  fold: number;
  dir: string;
}

export interface EvaluateInputs {
  train: readonly TrainInstance[];
  featuresPath: string;
  splitPath: string;
  manifestPath: string;
}

export interface EvaluateResult {
  labels: string[];
  rows: PredictionRow[];
  metrics: MetricsFile;
}

export async function evaluateFolds(
  inputs: EvaluateInputs,
  params: EvaluateParams,
  seed: number,
  loadModel: ModelLoader,
  hooks: { log?: (m: string) => void; progress?: (done: number, total: number) => void; signal?: AbortSignal } = {},
): Promise<EvaluateResult> {
  if (inputs.train.length === 0) throw new Error('evaluate: no train artifacts (is `train` in deps?)');
  const [features, split, clips] = await Promise.all([readFeatures(inputs.featuresPath), readSplitFile(inputs.splitPath), readClipLabels(inputs.manifestPath)]);
  const train = [...inputs.train].sort((a, b) => a.fold - b.fold);
  const total = train.reduce((n, t) => n + split.ids(t.fold, 'test').length, 0);
  let labels: string[] | null = null;
  const rows: PredictionRow[] = [];
  const trainActorsByFold = new Map<number, number[]>();
  hooks.progress?.(0, total);
  for (const t of train) {
    hooks.signal?.throwIfAborted();
    const fm = await loadFoldModel(t.dir, loadModel);
    try {
      if (fm.fold !== t.fold) throw new Error(`${join(t.dir, 'meta.json')}: fold ${fm.fold}, but the artifact is the instance of fold ${t.fold}`);
      if (labels === null) labels = fm.labels;
      else if (canonicalJson(labels) !== canonicalJson(fm.labels)) throw new Error(`${join(t.dir, 'labels.json')}: labels ${JSON.stringify(fm.labels)} differ from fold ${train[0].fold}'s ${JSON.stringify(labels)}`);
      if (canonicalJson(fm.features) !== canonicalJson(features.params) || fm.sampleRate !== features.sampleRate) {
        throw new Error(
          `fold ${t.fold}: the model was trained on features ${canonicalJson(fm.features)} at ${fm.sampleRate} Hz, ` +
            `but features.parquet holds ${canonicalJson(features.params)} at ${features.sampleRate} Hz; rerun train`,
        );
      }
      const testIds = split.ids(t.fold, 'test');
      if (testIds.length === 0) throw new Error(`split.parquet: fold ${t.fold} has no test clips`);
      trainActorsByFold.set(
        t.fold,
        [...new Set(split.ids(t.fold, 'train').map((id) => clips.get(id)?.actor).filter((a): a is number => a !== undefined))].sort((a, b) => a - b),
      );
      const labelIndex = new Map(fm.labels.map((l, i) => [l, i]));
      const probs = predictProbabilities(fm, testIds.map((id) => features.get(id)), params.batch_size);
      testIds.forEach((id, i) => {
        const c = clips.get(id);
        if (!c) throw new Error(`manifest.parquet: test clip ${id} of fold ${t.fold} is not in the manifest (or has no gender)`);
        const trueIndex = labelIndex.get(c.emotion);
        if (trueIndex === undefined) throw new Error(`manifest.parquet: clip ${id} has emotion '${c.emotion}', not one of the model's labels ${fm.labels.join(', ')}`);
        rows.push({ id, fold: t.fold, actor: c.actor, gender: c.gender, intensity: c.intensity, true: trueIndex, pred: argmax(probs[i]), probs: probs[i] });
      });
      hooks.progress?.(rows.length, total);
      hooks.log?.(`fold ${t.fold}: ${testIds.length} test clips, accuracy ${(rows.filter((r) => r.fold === t.fold && r.true === r.pred).length / testIds.length).toFixed(3)}`);
    } finally {
      fm.model.dispose();
    }
  }
  const metrics = computeMetrics(rows, {
    labels: labels!,
    bootstrap: params.bootstrap,
    seed,
    confidence: params.confidence,
    calibrationBins: params.calibration_bins,
    topConfusions: params.top_confusions,
    protocol: split.protocol,
    trainActorsByFold,
  });
  return { labels: labels!, rows, metrics };
}
