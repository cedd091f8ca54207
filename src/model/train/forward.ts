// The forward pass used for training and evaluation, written with tf ops over the
// LayersModel's own variables (so tf.variableGrads sees them), instead of model.apply:
//  - dropout masks come from the caller (our seeded RNG, per sample), not from tfjs;
//  - BatchNorm in training mode uses the statistics of the WHOLE batch even when the
//    batch is split across replicas (synchronized BatchNorm, through an Exchange), with
//    a custom gradient that sums its two per-channel reductions across replicas too;
//  - the ops are the ones tfjs-layers itself uses (fused conv2d/matMul with bias+ReLU),
//    so the wasm kernels tuned for them apply; in training, conv + bias + ReLU is our
//    convBiasRelu (one FusedConv2D pass forward; tfjs would record conv, add and relu
//    separately) and the first conv layer computes no input gradient.
// In inference mode it computes what model.predict computes (tested).
import * as tf from '@tensorflow/tfjs';
import { BN_EPSILON } from '../network.ts';
import { convBiasRelu } from '../kernels/ops.ts';
import type { Exchange } from './sync.ts';

/** Layer types the forward pass supports (everything buildModel produces). */
const SUPPORTED = new Set([
  'InputLayer', 'Conv2D', 'BatchNormalization', 'Activation', 'ReLU', 'MaxPooling2D',
  'AveragePooling2D', 'Flatten', 'GlobalAveragePooling2D', 'Dense', 'Dropout',
]);

export interface BatchStats {
  /** Batch mean per channel (whole batch across replicas). */
  mean: Float64Array;
  /** Unbiased batch variance per channel (what PyTorch puts into running_var). */
  varUnbiased: Float64Array;
}

export interface ForwardOptions {
  training: boolean;
  /** training: dropout masks by layer name, shape [n, ...feature], values 0 or 1/(1-p). */
  dropoutMasks?: ReadonlyMap<string, tf.Tensor>;
  /** training: exchange for synchronized BatchNorm (default: this shard only). */
  exchange?: Exchange;
  /** training: receives each BN layer's whole-batch statistics. */
  onBatchStats?: (layer: string, stats: BatchStats) => void;
}

type Activation = 'relu' | 'linear';

function activationOf(layer: tf.layers.Layer): Activation {
  const a = (layer.getConfig() as { activation?: unknown }).activation;
  if (a === 'relu' || a === 'linear' || a == null) return (a ?? 'linear') as Activation;
  throw new Error(`forward: layer ${layer.name} has activation ${JSON.stringify(a)}; only relu and linear are supported`);
}

function weight(layer: tf.layers.Layer, leaf: string): tf.Variable {
  const w = layer.weights.find((v) => v.originalName.endsWith(`/${leaf}`));
  if (w == null) throw new Error(`forward: layer ${layer.name} has no weight '${leaf}'`);
  return w.read() as tf.Variable;
}

function pair(v: unknown, name: string): [number, number] {
  const a = Array.isArray(v) ? v : [v, v];
  if (a.length !== 2 || !a.every((n) => Number.isInteger(n))) throw new Error(`forward: bad ${name} ${JSON.stringify(v)}`);
  return a as [number, number];
}

/** Throws unless every layer of the model is one the forward pass implements. */
export function checkSupported(model: tf.LayersModel): void {
  for (const layer of model.layers) {
    const cls = layer.getClassName();
    if (!SUPPORTED.has(cls)) throw new Error(`forward: unsupported layer ${layer.name} (${cls})`);
    const cfg = layer.getConfig() as Record<string, unknown>;
    if (cfg.dataFormat != null && cfg.dataFormat !== 'channelsLast') throw new Error(`forward: layer ${layer.name} is not channelsLast`);
  }
}

/** Logits [n, classes] for input [n, H, W, 1]. */
export function forward(model: tf.LayersModel, input: tf.Tensor4D, opts: ForwardOptions): tf.Tensor2D {
  let x: tf.Tensor = input;
  for (const layer of model.layers) {
    const cls = layer.getClassName();
    const cfg = layer.getConfig() as Record<string, unknown>;
    switch (cls) {
      case 'InputLayer':
        break;
      case 'Conv2D': {
        const useBias = cfg.useBias !== false;
        const dilations = pair(cfg.dilationRate ?? 1, 'dilationRate');
        if (opts.training && useBias && activationOf(layer) === 'relu' && dilations[0] === 1 && dilations[1] === 1) {
          // x === input: the network's first layer, whose input needs no gradient.
          x = convBiasRelu(x as tf.Tensor4D, weight(layer, 'kernel') as tf.Tensor4D, weight(layer, 'bias') as tf.Tensor1D, {
            strides: pair(cfg.strides, 'strides'), pad: cfg.padding as 'same' | 'valid', inputGradient: x !== input,
          });
          break;
        }
        x = tf.fused.conv2d({
          x: x as tf.Tensor4D, filter: weight(layer, 'kernel') as tf.Tensor4D,
          strides: pair(cfg.strides, 'strides'), pad: cfg.padding as 'same' | 'valid',
          dilations, dataFormat: 'NHWC',
          bias: useBias ? weight(layer, 'bias') : undefined, activation: activationOf(layer),
        });
        break;
      }
      case 'Dense': {
        const useBias = cfg.useBias !== false;
        x = tf.fused.matMul({
          a: x as tf.Tensor2D, b: weight(layer, 'kernel') as tf.Tensor2D,
          bias: useBias ? weight(layer, 'bias') : undefined, activation: activationOf(layer),
        });
        break;
      }
      case 'Activation':
        if (activationOf(layer) === 'relu') x = tf.relu(x);
        break;
      case 'ReLU':
        if (cfg.maxValue != null) throw new Error(`forward: ReLU ${layer.name} with maxValue is not supported`);
        x = tf.relu(x);
        break;
      case 'MaxPooling2D':
      case 'AveragePooling2D': {
        const pool = pair(cfg.poolSize, 'poolSize');
        const strides = pair(cfg.strides ?? cfg.poolSize, 'strides');
        const pad = cfg.padding as 'same' | 'valid';
        x = cls === 'MaxPooling2D'
          ? tf.maxPool(x as tf.Tensor4D, pool, strides, pad)
          : tf.avgPool(x as tf.Tensor4D, pool, strides, pad);
        break;
      }
      case 'Flatten':
        x = tf.reshape(x, [x.shape[0], -1]);
        break;
      case 'GlobalAveragePooling2D':
        x = tf.mean(x, [1, 2]);
        break;
      case 'Dropout':
        if (opts.training) {
          const mask = opts.dropoutMasks?.get(layer.name);
          if (mask == null) throw new Error(`forward: no dropout mask for layer ${layer.name}`);
          x = tf.mul(x, mask);
        }
        break;
      case 'BatchNormalization': {
        const eps = (cfg.epsilon as number | undefined) ?? BN_EPSILON;
        const gamma = weight(layer, 'gamma');
        const beta = weight(layer, 'beta');
        if (opts.training) {
          x = batchNormTrain(x as tf.Tensor4D, gamma, beta, eps, layer.name, opts);
        } else {
          x = tf.batchNorm(x as tf.Tensor4D, weight(layer, 'moving_mean'), weight(layer, 'moving_variance'),
            beta, gamma, eps);
        }
        break;
      }
      default:
        throw new Error(`forward: unsupported layer ${layer.name} (${cls})`);
    }
  }
  if (x.rank !== 2) throw new Error(`forward: the model's output has rank ${x.rank}, expected [n, classes]`);
  return x as tf.Tensor2D;
}

/**
 * Combine (count, mean, M2) of every shard, in rank order (Chan et al.'s pairwise
 * update): identical results on every replica. Returns count, mean and biased variance.
 */
export function combineMoments(parts: Float64Array[], channels: number): { count: number; mean: Float64Array; m2: Float64Array } {
  let count = 0;
  const mean = new Float64Array(channels);
  const m2 = new Float64Array(channels);
  for (const p of parts) {
    const nb = p[0]!;
    if (nb === 0) continue;
    const n = count + nb;
    for (let c = 0; c < channels; c++) {
      const mb = p[1 + c]!;
      const delta = mb - mean[c]!;
      mean[c] = mean[c]! + delta * (nb / n);
      m2[c] = m2[c]! + p[1 + channels + c]! + delta * delta * (count * nb / n);
    }
    count = n;
  }
  return { count, mean, m2 };
}

/** Per-channel sum of the vectors (rank order). */
function sumParts(parts: Float64Array[], len: number): Float64Array {
  const out = new Float64Array(len);
  for (const p of parts) for (let i = 0; i < len; i++) out[i] = out[i]! + p[i]!;
  return out;
}

/** Contribution of a replica with no samples in this step: it must still take part. */
export function emptyShardBatchNormExchanges(model: tf.LayersModel, exchange: Exchange): void {
  const bnChannels = model.layers.filter((l) => l.getClassName() === 'BatchNormalization')
    .map((l) => (l.weights[0]!.shape as number[])[0]!);
  // forward, in layer order: count 0
  for (const c of bnChannels) exchange.allGather(new Float64Array(1 + 2 * c));
  // backward, in reverse layer order: zero sums
  for (const c of [...bnChannels].reverse()) exchange.allGather(new Float64Array(2 * c));
}

function batchNormTrain(
  x: tf.Tensor4D, gamma: tf.Variable, beta: tf.Variable, eps: number, name: string, opts: ForwardOptions,
): tf.Tensor4D {
  const exchange = opts.exchange;
  const channels = x.shape[3];
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [xIn, g, b, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const xs = xIn as tf.Tensor4D;
    const localCount = xs.shape[0] * xs.shape[1] * xs.shape[2];
    // This shard's mean and M2 (sum of squared deviations from its own mean): combining
    // those is exact, unlike sum/sum-of-squares in float32.
    const [localMean, localM2] = tf.tidy(() => {
      const m = tf.mean(xs, [0, 1, 2]);
      const d = tf.sum(tf.square(tf.sub(xs, m)), [0, 1, 2]);
      return [m.dataSync(), d.dataSync()];
    });
    const packed = new Float64Array(1 + 2 * channels);
    packed[0] = localCount;
    packed.set(localMean, 1);
    packed.set(localM2, 1 + channels);
    const { count, mean, m2 } = combineMoments(exchange ? exchange.allGather(packed) : [packed], channels);
    const invStd = new Float32Array(channels);
    const meanF = new Float32Array(channels);
    const varUnbiased = new Float64Array(channels);
    for (let c = 0; c < channels; c++) {
      const v = m2[c]! / count;
      invStd[c] = 1 / Math.sqrt(v + eps);
      meanF[c] = mean[c]!;
      varUnbiased[c] = count > 1 ? m2[c]! / (count - 1) : v;
    }
    opts.onBatchStats?.(name, { mean, varUnbiased });
    const invStdT = tf.tensor1d(invStd);
    const xhat = tf.mul(tf.sub(xs, tf.tensor1d(meanF)), invStdT);
    const value = tf.add(tf.mul(xhat, g), b);
    save([xhat, g, invStdT]);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => {
      const dyT = dy as tf.Tensor4D;
      const [xh, gm, inv] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
      const sumDy = tf.sum(dyT, [0, 1, 2]);
      const sumDyXhat = tf.sum(tf.mul(dyT, xh), [0, 1, 2]);
      const local = new Float64Array(2 * channels);
      local.set(sumDy.dataSync(), 0);
      local.set(sumDyXhat.dataSync(), channels);
      const total = exchange ? sumParts(exchange.allGather(local), 2 * channels) : local;
      const gSumDy = tf.tensor1d(Float32Array.from(total.subarray(0, channels)));
      const gSumDyXhat = tf.tensor1d(Float32Array.from(total.subarray(channels)));
      // dx = gamma * invstd / M * (M dy - sum(dy) - xhat * sum(dy xhat)), sums over the whole batch
      const dx = tf.mul(
        tf.mul(gm, tf.div(inv, count)),
        tf.sub(tf.sub(tf.mul(dyT, count), gSumDy), tf.mul(xh, gSumDyXhat)),
      );
      // gamma/beta gradients of this shard only: the trainer sums shards like any weight.
      return [dx, sumDyXhat, sumDy];
    };
    return { value, gradFunc };
  });
  return op(x, gamma, beta) as tf.Tensor4D;
}
