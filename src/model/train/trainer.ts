// trainModel: the training loop (the `train` stage builds on it).
//
// - Data: Float32Array rows (one sample = H x W log-Mel, already normalized by the
//   caller — see normalize.ts) and Int32Array labels.
// - Each epoch: a permutation from our seeded RNG (stream "shuffle/epoch<e>"), batches
//   of `batchSize` in that order, the last partial batch kept (as the reference).
// - Loss: softmax cross-entropy, mean over the batch (weighted mean with class weights,
//   like torch's CrossEntropyLoss(weight=…)). Optimizer: Adam as torch.optim.Adam
//   (adam.ts), in plain JS on the flat weight vector.
// - Dropout masks per (seed, layer, epoch, sample index); BatchNorm with whole-batch
//   statistics (synchronized across workers), running stats updated like PyTorch
//   (momentum 0.1, unbiased variance).
// - threads = 1: one replica in this thread, on the active tfjs backend. threads > 1:
//   data-parallel worker threads, each initialising `backend` (engine.ts). Same data,
//   params, seed, backend and thread count -> bit-identical weights; different thread
//   counts agree up to float rounding.
// - Validation (inference mode) after every epoch; early stopping after `patience`
//   epochs without a strict improvement of validation accuracy; the returned model holds
//   the weights of the FIRST epoch that reached the best validation accuracy (or the last
//   epoch's weights without a validation set).
import os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import type { BackendName } from '../backend.ts';
import { createRng } from '../../util/rng.ts';
import { ADAM_DEFAULTS, adamStep, createAdamState, type AdamOptions } from './adam.ts';
import { InProcessEngine, WorkerEngine, type GradientEngine } from './engine.ts';
import { loadTransform, modelInputShape, Replica, type Dataset, type TransformSpec } from './replica.ts';
import { BN_MOMENTUM } from '../network.ts';
import { readWeights, writeWeights, type WeightLayout } from './weights.ts';

export interface EpochLog {
  /** 1-based. */
  epoch: number;
  train_loss: number;
  train_acc: number;
  val_loss: number | null;
  val_acc: number | null;
  lr: number;
  /** Wall seconds of the epoch (training + validation). */
  seconds: number;
  train_seconds: number;
  val_seconds: number;
}

export interface BatchProgress {
  epoch: number;
  /** 1-based batch number within the epoch. */
  batch: number;
  batches: number;
  /** Running mean loss / accuracy of the epoch so far. */
  loss: number;
  acc: number;
}

export interface TrainOptions {
  /** The model to train (buildModel(config, seed)); receives the final weights. */
  model: tf.LayersModel;
  train: Dataset;
  val?: Dataset | null;
  seed: number;
  /** Maximum number of epochs. */
  epochs: number;
  batchSize?: number;
  adam?: Partial<AdamOptions>;
  /** Learning rate of an epoch (1-based); default: adam.lr throughout. */
  lrSchedule?: ((epoch: number) => number) | null;
  /** Per-class loss weights (length = classes). */
  classWeights?: number[] | null;
  /** Early stopping: epochs without val-accuracy improvement (null = never stop early). */
  patience?: number | null;
  /** Gradient workers: 1 = this thread (unless `isolate`); default = number of cores. */
  threads?: number;
  /**
   * Compute gradients on worker threads even when threads = 1, keeping this thread free
   * (a pipeline stage: the live progress line, other stages running beside it).
   */
  isolate?: boolean;
  /** Augmentation of training batches (see BatchTransform); null = none. */
  transform?: TransformSpec | null;
  /** Backend each worker thread initialises (threads > 1). Default 'wasm'. */
  backend?: BackendName;
  evalBatchSize?: number;
  /** Called when an epoch's first step is about to start (after worker start-up). */
  onEpochStart?: (epoch: number) => void;
  onEpoch?: (log: EpochLog) => void | Promise<void>;
  onBatch?: (progress: BatchProgress) => void;
  /** Stop after at most this many steps in total (benchmarks). */
  maxSteps?: number;
  signal?: AbortSignal;
}

export interface TrainResult {
  /** options.model, now holding the kept weights (best validation epoch, else last). */
  model: tf.LayersModel;
  history: EpochLog[];
  /** Epoch (1-based) whose weights were kept. */
  bestEpoch: number;
  bestValAcc: number | null;
  epochsRun: number;
  stoppedEarly: boolean;
  seconds: number;
  threads: number;
  /** Backend that computed the gradients. */
  backend: string;
  steps: number;
  /** Where the training steps' time went (milliseconds summed over all steps). */
  timing: TrainTiming;
}

export interface TrainTiming {
  steps: number;
  /** Wall time of the steps (gradient + optimizer + bookkeeping). */
  stepMs: number;
  /** Gradient computation (slowest replica, including its weight reload). */
  computeMs: number;
  /** Summing the shards' gradients (data-parallel). */
  reduceMs: number;
  /** Adam + BN running statistics on the main thread. */
  optimizerMs: number;
  /** Thread start-up (workers: tfjs + backend + replica). */
  startupMs: number;
}

function checkDataset(name: string, d: Dataset, sampleSize: number, classes: number): void {
  if (!(d.x instanceof Float32Array)) throw new Error(`${name}.x must be a Float32Array`);
  if (!(d.y instanceof Int32Array)) throw new Error(`${name}.y must be an Int32Array`);
  if (d.x.length !== d.y.length * sampleSize) {
    throw new Error(`${name}: x has ${d.x.length} floats for ${d.y.length} labels; expected ${d.y.length} x ${sampleSize}`);
  }
  for (let i = 0; i < d.y.length; i++) {
    const y = d.y[i]!;
    if (y < 0 || y >= classes) throw new Error(`${name}.y[${i}] = ${y} is not a class index in [0, ${classes})`);
  }
  for (let i = 0; i < d.x.length; i++) {
    if (!Number.isFinite(d.x[i]!)) throw new Error(`${name}.x has a non-finite value at sample ${Math.floor(i / sampleSize)}`);
  }
}

/** Epoch permutation of [0, n): shared by every thread count. */
export function epochOrder(seed: number, epoch: number, n: number): Int32Array {
  const order = Array.from({ length: n }, (_, i) => i);
  createRng(seed, `shuffle/epoch${epoch}`).shuffle(order);
  return Int32Array.from(order);
}

/** Running-stat slots of every BN layer, for the PyTorch-style update. */
function batchNormSlots(layout: WeightLayout, replica: Replica): { mean: number; variance: number; channels: number; statsOffset: number }[] {
  return replica.batchNorms.map((b) => {
    const find = (leaf: string) => {
      const s = layout.slots.find((x) => x.layer === b.name && x.leaf === leaf);
      if (s == null) throw new Error(`BN layer ${b.name} has no ${leaf}`);
      return s.offset;
    };
    return { mean: find('moving_mean'), variance: find('moving_variance'), channels: b.channels, statsOffset: b.statsOffset };
  });
}

export async function trainModel(o: TrainOptions): Promise<TrainResult> {
  const t0 = performance.now();
  const batchSize = o.batchSize ?? 32;
  const adam: AdamOptions = { ...ADAM_DEFAULTS, ...(o.adam ?? {}) };
  const threads = o.threads ?? os.availableParallelism();
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`trainModel: batchSize must be a positive integer, got ${batchSize}`);
  if (!Number.isInteger(o.epochs) || o.epochs < 1) throw new Error(`trainModel: epochs must be a positive integer, got ${o.epochs}`);
  if (!Number.isInteger(threads) || threads < 1) throw new Error(`trainModel: threads must be a positive integer, got ${threads}`);
  if (o.patience != null && (!Number.isInteger(o.patience) || o.patience < 1)) throw new Error(`trainModel: patience must be a positive integer or null, got ${o.patience}`);
  const outShape = o.model.outputs[0]!.shape;
  const useWorkers = threads > 1 || o.isolate === true;
  // In-process training applies the transform here; workers rebuild it from its spec.
  const transform = o.transform && !useWorkers ? await loadTransform(o.transform, {
    seed: o.seed, train: o.train, inputShape: modelInputShape(o.model), numClasses: outShape[outShape.length - 1] as number,
  }) : null;
  const replica = new Replica(o.model, { seed: o.seed, classWeights: o.classWeights ?? null, transform });
  const classes = replica.numClasses;
  checkDataset('train', o.train, replica.sampleSize, classes);
  if (o.val) checkDataset('val', o.val, replica.sampleSize, classes);
  const nTrain = o.train.y.length;
  if (nTrain === 0) throw new Error('trainModel: the training set is empty');
  const val = o.val && o.val.y.length > 0 ? o.val : null;
  const layout = replica.layout;
  const initial = readWeights(o.model, layout);
  const engineOpts = { seed: o.seed, classWeights: o.classWeights ?? null, transform: o.transform ?? null, train: o.train, val };
  const s0 = performance.now();
  const engine: GradientEngine = !useWorkers
    ? new InProcessEngine(replica, engineOpts, initial)
    : await WorkerEngine.start(o.model, replica, initial, threads, o.backend ?? 'wasm', engineOpts);
  const startupMs = performance.now() - s0;
  const adamState = createAdamState(layout.total);
  let optimizerMs = 0;
  let loopMs = 0;
  const bnSlots = batchNormSlots(layout, replica);
  const classWeights = o.classWeights ?? null;
  const history: EpochLog[] = [];
  let best: { epoch: number; acc: number; weights: Float32Array } | null = null;
  let stoppedEarly = false;
  let steps = 0;
  const batches = Math.ceil(nTrain / batchSize);
  try {
    for (let epoch = 1; epoch <= o.epochs; epoch++) {
      o.onEpochStart?.(epoch);
      const e0 = performance.now();
      const lr = o.lrSchedule ? o.lrSchedule(epoch) : adam.lr;
      if (!(lr >= 0 && Number.isFinite(lr))) throw new Error(`trainModel: learning rate for epoch ${epoch} is ${lr}`);
      const order = epochOrder(o.seed, epoch, nTrain);
      let lossSum = 0;
      let correct = 0;
      let seen = 0;
      for (let b = 0; b < batches; b++) {
        if (o.signal?.aborted) throw o.signal.reason ?? new Error('training aborted');
        if (o.maxSteps != null && steps >= o.maxSteps) break;
        const indices = order.subarray(b * batchSize, Math.min(nTrain, (b + 1) * batchSize));
        // Mean over the batch (weighted mean with class weights): each shard's loss sum
        // is divided by the whole batch's total.
        let denom = indices.length;
        if (classWeights) {
          denom = 0;
          for (const k of indices) denom += classWeights[o.train.y[k]!]!;
        }
        const st = performance.now();
        const r = await engine.step(epoch, indices, 1 / denom);
        const ot = performance.now();
        adamStep(engine.weights, engine.grad, adamState, layout, adam, lr);
        for (const s of bnSlots) {
          for (let c = 0; c < s.channels; c++) {
            const w = engine.weights;
            w[s.mean + c] = (1 - BN_MOMENTUM) * w[s.mean + c]! + BN_MOMENTUM * engine.bnStats[s.statsOffset + c]!;
            w[s.variance + c] = (1 - BN_MOMENTUM) * w[s.variance + c]! + BN_MOMENTUM * engine.bnStats[s.statsOffset + s.channels + c]!;
          }
        }
        engine.version += 1;
        const et = performance.now();
        optimizerMs += et - ot;
        loopMs += et - st;
        steps += 1;
        lossSum += r.lossSum;
        correct += r.correct;
        seen += r.count;
        o.onBatch?.({ epoch, batch: b + 1, batches, loss: lossSum / seen, acc: correct / seen });
      }
      const e1 = performance.now();
      let valLoss: number | null = null;
      let valAcc: number | null = null;
      if (val) {
        const r = await engine.evaluate(o.evalBatchSize ?? batchSize);
        valLoss = r.lossSum / r.count;
        valAcc = r.correct / r.count;
      }
      const e2 = performance.now();
      const log: EpochLog = {
        epoch, train_loss: lossSum / Math.max(1, seen), train_acc: correct / Math.max(1, seen),
        val_loss: valLoss, val_acc: valAcc, lr,
        seconds: (e2 - e0) / 1000, train_seconds: (e1 - e0) / 1000, val_seconds: (e2 - e1) / 1000,
      };
      history.push(log);
      if (valAcc != null && (best == null || valAcc > best.acc)) {
        best = { epoch, acc: valAcc, weights: Float32Array.from(engine.weights) };
      }
      await o.onEpoch?.(log);
      if (o.maxSteps != null && steps >= o.maxSteps) break;
      if (o.patience != null && best != null && epoch - best.epoch >= o.patience) {
        stoppedEarly = epoch < o.epochs;
        break;
      }
    }
  } finally {
    await engine.close();
  }
  const kept = best ?? { epoch: history.length, acc: null, weights: engine.weights };
  writeWeights(o.model, layout, kept.weights);
  return {
    model: o.model, history, bestEpoch: kept.epoch, bestValAcc: best?.acc ?? null,
    epochsRun: history.length, stoppedEarly, seconds: (performance.now() - t0) / 1000,
    threads: engine.threads, backend: engine.backend, steps,
    timing: {
      steps, stepMs: loopMs, computeMs: engine.timing.computeMs, reduceMs: engine.timing.reduceMs, optimizerMs, startupMs,
    },
  };
}
