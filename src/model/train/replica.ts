// One model replica: computes the gradient of one shard of a batch, or evaluates a range
// of samples, with weights loaded from the trainer's flat vector. The trainer runs one
// in-process (threads = 1) or one per worker thread (data-parallel).
import * as tf from '@tensorflow/tfjs';
import { dropoutMask } from './dropout.ts';
import { checkSupported, emptyShardBatchNormExchanges, forward, type BatchStats } from './forward.ts';
import { crossEntropySum, lossAndCorrect, oneHotRows } from './loss.ts';
import { LocalExchange, type Exchange } from './sync.ts';
import { layoutVariables, weightLayout, writeWeights, type WeightLayout } from './weights.ts';

/** Samples as rows of a Float32Array (each row = H x W, row-major) with integer labels. */
export interface Dataset {
  x: Float32Array;
  y: Int32Array;
}

/**
 * Hook to change a training batch's inputs in place before the forward pass
 * (augmentation). It may return soft targets — probabilities [n, classes], row-major —
 * which replace the one-hot labels in the loss (mixup). To keep training independent of
 * how batches are sharded across workers, a sample's transform may depend only on the
 * seed, the epoch, its dataset index and the dataset.
 */
export type BatchTransform = (batch: Float32Array, sampleIndices: Int32Array, epoch: number) => Float32Array | void;

/**
 * A BatchTransform that can be rebuilt in a worker thread: `module` (file URL or path of
 * an ES module) exports `factory(config, context)` returning the transform. Worker
 * threads cannot receive functions, so the trainer passes this description instead.
 */
export interface TransformSpec {
  module: string;
  factory: string;
  /** Structured-clonable configuration for the factory. */
  config: unknown;
}

/** What a transform factory gets besides its config. */
export interface TransformContext {
  seed: number;
  /** The training set (transforms may read other samples, e.g. mixup partners). */
  train: Dataset;
  inputShape: [number, number];
  numClasses: number;
}

export type TransformFactory = (config: unknown, context: TransformContext) => BatchTransform;

/** Import spec.module and build its transform. */
export async function loadTransform(spec: TransformSpec, context: TransformContext): Promise<BatchTransform> {
  const mod = await import(spec.module) as Record<string, unknown>;
  const factory = mod[spec.factory];
  if (typeof factory !== 'function') throw new Error(`transform: ${spec.module} has no exported function '${spec.factory}'`);
  return (factory as TransformFactory)(spec.config, context);
}

/** [height, width] of a model's [n, H, W, 1] input. */
export function modelInputShape(model: tf.LayersModel): [number, number] {
  const inShape = model.inputs[0]!.shape;
  if (inShape.length !== 4 || inShape[3] !== 1) throw new Error(`Replica: model input must be [n, H, W, 1], got ${JSON.stringify(inShape)}`);
  return [inShape[1] as number, inShape[2] as number];
}

export interface ReplicaOptions {
  seed: number;
  exchange?: Exchange;
  /** Per-class loss weights (length = classes), or null. */
  classWeights?: ArrayLike<number> | null;
  transform?: BatchTransform | null;
}

export interface ShardResult {
  /** Sum over the shard's samples of the (unweighted) cross-entropy. */
  lossSum: number;
  /** Samples whose argmax logit is the label. */
  correct: number;
  count: number;
}

interface DropoutInfo { name: string; rate: number; featureSize: number }
interface BatchNormInfo { name: string; channels: number; statsOffset: number }

export class Replica {
  readonly layout: WeightLayout;
  readonly inputShape: [number, number];
  readonly sampleSize: number;
  readonly numClasses: number;
  /** Length of the BN statistics vector (mean and unbiased variance per BN layer). */
  readonly bnStatsLength: number;
  readonly batchNorms: readonly BatchNormInfo[];
  private readonly dropouts: DropoutInfo[];
  private readonly trainable: tf.Variable[];
  private readonly trainableSlots: number[];
  private readonly exchange: Exchange;
  private readonly classWeights: Float32Array | null;

  constructor(readonly model: tf.LayersModel, private readonly opts: ReplicaOptions) {
    checkSupported(model);
    this.layout = weightLayout(model);
    this.inputShape = modelInputShape(model);
    this.sampleSize = this.inputShape[0] * this.inputShape[1];
    const outShape = model.outputs[0]!.shape;
    this.numClasses = outShape[outShape.length - 1] as number;
    this.dropouts = model.layers.filter((l) => l.getClassName() === 'Dropout').map((l) => ({
      name: l.name,
      rate: (l.getConfig() as { rate: number }).rate,
      featureSize: (l.outputShape as number[]).slice(1).reduce((a, b) => a * b, 1),
    }));
    let statsOffset = 0;
    this.batchNorms = model.layers.filter((l) => l.getClassName() === 'BatchNormalization').map((l) => {
      const channels = (l.weights[0]!.shape as number[])[0]!;
      const info = { name: l.name, channels, statsOffset };
      statsOffset += 2 * channels;
      return info;
    });
    this.bnStatsLength = statsOffset;
    const vars = layoutVariables(model, this.layout);
    this.trainableSlots = this.layout.slots.flatMap((s, i) => (s.trainable ? [i] : []));
    this.trainable = this.trainableSlots.map((i) => vars[i]!.read() as tf.Variable);
    this.exchange = opts.exchange ?? new LocalExchange();
    const cw = opts.classWeights;
    if (cw != null && cw.length !== this.numClasses) {
      throw new Error(`class weights: expected ${this.numClasses} values, got ${cw.length}`);
    }
    this.classWeights = cw == null ? null : Float32Array.from(cw);
  }

  loadWeights(flat: Float32Array): void {
    writeWeights(this.model, this.layout, flat);
  }

  private gather(data: Dataset, indices: ArrayLike<number>): Float32Array {
    const n = indices.length;
    const s = this.sampleSize;
    if (data.x.length % s !== 0) throw new Error(`dataset: x has ${data.x.length} floats, not a multiple of the sample size ${s}`);
    const out = new Float32Array(n * s);
    for (let i = 0; i < n; i++) {
      const k = indices[i]!;
      out.set(data.x.subarray(k * s, (k + 1) * s), i * s);
    }
    return out;
  }

  /**
   * Gradient of sum_i w_i CE_i * lossScale over the shard `indices` (dataset indices)
   * into `gradOut` (layout order; non-trainable slots set to 0). BN layers' whole-batch
   * statistics go into `bnStatsOut` when given.
   */
  gradients(
    data: Dataset, indices: Int32Array, epoch: number, lossScale: number, gradOut: Float32Array,
    bnStatsOut?: Float64Array,
  ): ShardResult {
    gradOut.fill(0);
    const n = indices.length;
    if (n === 0) {
      // Synchronized BN: an idle replica still takes part in every exchange of the step.
      if (this.exchange.size > 1) emptyShardBatchNormExchanges(this.model, this.exchange);
      return { lossSum: 0, correct: 0, count: 0 };
    }
    const [h, w] = this.inputShape;
    const batch = this.gather(data, indices);
    const soft = this.opts.transform?.(batch, indices, epoch) ?? null;
    if (soft && soft.length !== n * this.numClasses) {
      throw new Error(`transform returned ${soft.length} soft-target values for ${n} samples x ${this.numClasses} classes`);
    }
    const labels = Array.from(indices, (k) => data.y[k]!);
    let logitsData: Float32Array | null = null;
    tf.tidy(() => {
      const x = tf.tensor4d(batch, [n, h, w, 1]);
      const targets = tf.tensor2d(soft ?? oneHotRows(labels, this.numClasses), [n, this.numClasses]);
      const weights = this.classWeights == null ? null
        : tf.tensor1d(Float32Array.from(labels, (y) => this.classWeights![y]!));
      const masks = new Map<string, tf.Tensor>();
      for (const d of this.dropouts) {
        masks.set(d.name, tf.tensor2d(dropoutMask(this.opts.seed, d.name, epoch, indices, d.featureSize, d.rate), [n, d.featureSize]));
      }
      const onBatchStats = (layer: string, stats: BatchStats) => {
        if (bnStatsOut == null) return;
        const info = this.batchNorms.find((b) => b.name === layer)!;
        bnStatsOut.set(stats.mean, info.statsOffset);
        bnStatsOut.set(stats.varUnbiased, info.statsOffset + info.channels);
      };
      const { grads } = tf.variableGrads(() => {
        const logits = forward(this.model, x, { training: true, dropoutMasks: masks, exchange: this.exchange, onBatchStats });
        logitsData = logits.dataSync() as Float32Array;
        return crossEntropySum(logits, targets, weights, lossScale);
      }, this.trainable);
      this.trainableSlots.forEach((slotIndex, j) => {
        const g = grads[this.trainable[j]!.name];
        if (g == null) throw new Error(`no gradient for ${this.layout.slots[slotIndex]!.name}`);
        gradOut.set(g.dataSync() as Float32Array, this.layout.slots[slotIndex]!.offset);
      });
    });
    const { lossSum, correct } = lossAndCorrect(logitsData!, labels, this.numClasses, soft);
    return { lossSum, correct, count: n };
  }

  /**
   * Inference-mode loss/accuracy over samples [start, end) of `data`, in batches;
   * logits into `logitsOut` (row k - start) when given.
   */
  evaluate(data: Dataset, start: number, end: number, batchSize: number, logitsOut?: Float32Array): ShardResult {
    const [h, w] = this.inputShape;
    let lossSum = 0;
    let correct = 0;
    for (let b = start; b < end; b += batchSize) {
      const e = Math.min(end, b + batchSize);
      const n = e - b;
      const logits = tf.tidy(() => {
        const x = tf.tensor4d(data.x.subarray(b * this.sampleSize, e * this.sampleSize), [n, h, w, 1]);
        return forward(this.model, x, { training: false }).dataSync() as Float32Array;
      });
      const labels = data.y.subarray(b, e);
      const r = lossAndCorrect(logits, labels, this.numClasses);
      lossSum += r.lossSum;
      correct += r.correct;
      logitsOut?.set(logits, (b - start) * this.numClasses);
    }
    return { lossSum, correct, count: end - start };
  }
}
