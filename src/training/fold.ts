// Train one fold and write its artifact (CONTRACTS.md "train"): the train stage's work,
// callable without the runner (bench/train.ts uses it too).
//   model/             tfjs LayersModel (model.json + weights.bin) of the best-val epoch
//   normalization.json {mean[n_mels], std[n_mels], eps} from the fold's training clips
//   labels.json        class names in index order
//   history.parquet    epoch, train_loss, train_acc, val_loss, val_acc, lr, seconds
//   meta.json          fold, backend, threads, epochs/best epoch, timing, sizes, the
//                      feature + audio params (for predict) and the train params
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Float64, makeVector, Table, vectorFromArray } from 'apache-arrow';
import { initBackend, type BackendInfo } from '../model/backend.ts';
import { saveModel } from '../model/io.ts';
import { buildModel, countParameters } from '../model/network.ts';
import { trainModel, type BatchProgress, type EpochLog, type TrainResult } from '../model/train/trainer.ts';
import { writeParquetFile } from '../io/parquet.ts';
import { augmentEnabled, augmentSpec, makeAugmentConfig } from './augment.ts';
import { LABELS, loadFold, type FoldData } from './data.ts';
import { balancedClassWeights, learningRate, networkConfig, type TrainParams } from './params.ts';

export interface TrainFoldOptions {
  featuresPath: string;
  splitPath: string;
  fold: number;
  params: TrainParams;
  seed: number;
  outDir: string;
  log?: (message: string) => void;
  progress?: (done: number, total: number, note?: string) => void;
  signal?: AbortSignal;
  /** Benchmarks: stop after this many epochs (the artifact is still written). */
  maxEpochs?: number;
  /** Benchmarks: called when an epoch's first step is about to start, and after each epoch. */
  onEpochStart?: (epoch: number) => void;
  onEpochEnd?: (log: EpochLog) => void;
}

export interface TrainFoldResult {
  data: FoldData;
  result: TrainResult;
  backend: BackendInfo;
  meta: Record<string, unknown>;
}

const round = (x: number, digits = 4) => Number(x.toFixed(digits));

export async function writeHistory(path: string, history: readonly EpochLog[]): Promise<void> {
  const col = (f: (h: EpochLog) => number | null) => vectorFromArray(history.map(f), new Float64());
  await writeParquetFile(path, new Table({
    epoch: makeVector(Int32Array.from(history, (h) => h.epoch)),
    train_loss: col((h) => h.train_loss),
    train_acc: col((h) => h.train_acc),
    val_loss: col((h) => h.val_loss),
    val_acc: col((h) => h.val_acc),
    lr: col((h) => h.lr),
    seconds: col((h) => h.seconds),
    train_seconds: col((h) => h.train_seconds),
    val_seconds: col((h) => h.val_seconds),
  }));
}

export async function trainFold(o: TrainFoldOptions): Promise<TrainFoldResult> {
  const log = o.log ?? (() => {});
  const p = o.params;
  const t0 = performance.now();
  const data = await loadFold(o.featuresPath, o.splitPath, o.fold);
  const loadS = (performance.now() - t0) / 1000;
  log(`fold ${o.fold}: ${data.train.y.length} training clips, ${data.val.y.length} validation clips, ` +
    `${data.nMels}×${data.nFrames} log-Mels; normalization from the training clips (loaded in ${loadS.toFixed(1)} s)`);
  const backend = await initBackend(p.backend, { log });
  const config = networkConfig(p, [data.nMels, data.nFrames], LABELS.length);
  const model = buildModel(config, o.seed);
  const classWeights = p.class_weights === 'balanced' ? balancedClassWeights(data.train.y, LABELS.length) : p.class_weights;
  if (classWeights && classWeights.length !== LABELS.length) {
    throw new Error(`train.class_weights: ${classWeights.length} weights for ${LABELS.length} classes (${LABELS.join(', ')})`);
  }
  const augmenting = augmentEnabled(p.augment);
  const transform = augmenting
    ? augmentSpec(makeAugmentConfig(p.augment, data.normalization, data.features, data.sampleRate))
    : null;
  const epochs = Math.min(p.epochs, o.maxEpochs ?? p.epochs);
  const batches = Math.ceil(data.train.y.length / p.batch_size);
  // Progress in steps, out of the most the run can still take: early stopping ends it at
  // best epoch + patience, so the ETA is an upper bound that moves as validation improves.
  let bestEpoch = 0;
  let bestAcc = -1;
  const horizon = () => (p.patience == null ? epochs : Math.min(epochs, bestEpoch + p.patience));
  let lastProgress = 0;
  const onBatch = (b: BatchProgress) => {
    const now = performance.now();
    if (b.batch !== b.batches && now - lastProgress < 250) return;
    lastProgress = now;
    o.progress?.((b.epoch - 1) * batches + b.batch, horizon() * batches,
      `fold ${o.fold} epoch ${b.epoch}/${epochs} batch ${b.batch}/${b.batches} loss ${b.loss.toFixed(3)} acc ${b.acc.toFixed(3)}`);
  };
  const onEpoch = (h: EpochLog) => {
    if (h.val_acc != null && h.val_acc > bestAcc) {
      bestAcc = h.val_acc;
      bestEpoch = h.epoch;
    }
    o.onEpochEnd?.(h);
    const f = (x: number | null) => (x == null ? '—' : x.toFixed(3));
    log(`fold ${o.fold} epoch ${h.epoch}/${epochs}: loss ${f(h.train_loss)} acc ${f(h.train_acc)} | val loss ${f(h.val_loss)} acc ${f(h.val_acc)}` +
      ` | lr ${h.lr.toPrecision(3)} | ${h.train_seconds.toFixed(1)}+${h.val_seconds.toFixed(1)} s` +
      `${bestEpoch === h.epoch ? ' *best' : ''}`);
  };
  log(`fold ${o.fold}: ${backend.name} backend, ${p.threads} gradient worker thread(s); ` +
    `model ${JSON.stringify(p.model)}, ${countParameters(model).trainable} trainable parameters; ` +
    `augmentation ${augmenting ? JSON.stringify(p.augment) : 'off'}`);
  const result = await trainModel({
    model, train: data.train, val: data.val.y.length > 0 ? data.val : null, seed: o.seed, epochs,
    batchSize: p.batch_size, adam: { lr: p.lr },
    lrSchedule: p.lr_schedule.kind === 'constant' && p.lr_schedule.warmup_epochs === 0
      ? null : (e) => learningRate(p.lr, p.lr_schedule, e, p.epochs),
    classWeights, patience: p.patience, threads: p.threads, isolate: true, backend: p.backend, transform,
    onBatch, onEpoch, onEpochStart: o.onEpochStart, signal: o.signal,
  });
  o.progress?.(result.epochsRun * batches, result.epochsRun * batches, `fold ${o.fold} done`);

  await saveModel(model, join(o.outDir, 'model'));
  const nParams = countParameters(model).trainable;
  model.dispose();
  const json = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;
  await writeFile(join(o.outDir, 'normalization.json'), json(data.normalization));
  await writeFile(join(o.outDir, 'labels.json'), json(LABELS));
  await writeHistory(join(o.outDir, 'history.parquet'), result.history);
  const trainS = result.history.reduce((s, h) => s + h.train_seconds, 0);
  const valS = result.history.reduce((s, h) => s + h.val_seconds, 0);
  const meta = {
    fold: o.fold,
    backend: result.backend,
    threads: result.threads,
    backend_info: { ...backend, workers: result.backend },
    epochs_run: result.epochsRun,
    best_epoch: result.bestEpoch,
    best_val_acc: result.bestValAcc,
    stopped_early: result.stoppedEarly,
    seconds: round((performance.now() - t0) / 1000, 2),
    seconds_per_epoch: round(result.history.reduce((s, h) => s + h.seconds, 0) / Math.max(1, result.epochsRun), 3),
    train_seconds_per_epoch: round(trainS / Math.max(1, result.epochsRun), 3),
    val_seconds_per_epoch: round(valS / Math.max(1, result.epochsRun), 3),
    timing_ms_per_step: {
      step: round(result.timing.stepMs / Math.max(1, result.steps), 1),
      gradients: round(result.timing.computeMs / Math.max(1, result.steps), 1),
      reduce: round(result.timing.reduceMs / Math.max(1, result.steps), 1),
      optimizer: round(result.timing.optimizerMs / Math.max(1, result.steps), 1),
    },
    startup_seconds: round(result.timing.startupMs / 1000, 2),
    steps: result.steps,
    n_train: data.train.y.length,
    n_val: data.val.y.length,
    n_params: nParams,
    seed: o.seed,
    class_weights: classWeights,
    features: data.features,
    audio: { sample_rate: data.sampleRate },
    train: p,
  };
  await writeFile(join(o.outDir, 'meta.json'), json(meta));
  log(`fold ${o.fold}: ${result.epochsRun} epochs${result.stoppedEarly ? ' (early stop)' : ''}, best val acc ` +
    `${result.bestValAcc == null ? '—' : result.bestValAcc.toFixed(3)} at epoch ${result.bestEpoch}; ` +
    `${meta.train_seconds_per_epoch} s/epoch training + ${meta.val_seconds_per_epoch} s validation on ${result.backend} × ${result.threads}`);
  return { data, result, backend, meta };
}
