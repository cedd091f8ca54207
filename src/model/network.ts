// The project's CNN: by default exactly the reference's "custom 4-layer 2D CNN"
// (../shared/reference/README.md): 4 x [Conv 3x3 same -> ReLU -> MaxPool 2] with 16, 32,
// 64, 128 channels -> flatten -> Dense 128 -> ReLU -> Dropout 0.3 -> Dense 8.
// 819,208 parameters for 64x188 inputs.
//
// The model outputs LOGITS (no softmax layer): softmax is applied in the loss
// (src/model/train/loss.ts, softmax cross-entropy) and at inference by whoever turns
// logits into probabilities (predictProbabilities below) — as in the reference, where
// nn.CrossEntropyLoss takes logits.
//
// Layers get explicit names (conv1, bn1, pool1, …) so model.json and the weight names in
// it do not depend on how many models the process built before, and so the training loop
// and the PyTorch weight loader can address them.
//
// Initialisation follows PyTorch's defaults (kaiming_uniform with a = sqrt(5) for
// weights, which is U(-1/sqrt(fan_in), 1/sqrt(fan_in)), the same bound for biases;
// BatchNorm gamma 1, beta 0, running mean 0, running variance 1), drawn from our seeded
// RNG (src/util/rng.ts), one stream per weight: the same config and seed give the same
// initial weights on every machine and backend.
import * as tf from '@tensorflow/tfjs';
import { createRng } from '../util/rng.ts';

export interface NetworkConfig {
  /** Input [height = mel bins, width = frames]; one channel. */
  inputShape: [number, number];
  numClasses: number;
  /** Output channels of each conv block. */
  channels: number[];
  /** Square conv kernel size (odd), 'same' padding, stride 1. */
  kernelSize: number;
  /** BatchNorm after each conv (before the ReLU), as in the reference's V1 recipe. */
  batchNorm: boolean;
  /** Dropout rate before the last Dense layer (0 = no dropout layer). */
  dropout: number;
  /** Width of the hidden Dense layer (0 = no hidden layer: head goes straight to logits). */
  denseUnits: number;
  /** 'flatten' (reference) or 'gap' (global average pooling over time and frequency). */
  head: 'flatten' | 'gap';
  /** MaxPool size after each block. */
  poolSize: number;
}

export const DEFAULT_NETWORK: Readonly<NetworkConfig> = Object.freeze({
  inputShape: [64, 188] as [number, number],
  numClasses: 8,
  channels: [16, 32, 64, 128],
  kernelSize: 3,
  batchNorm: false,
  dropout: 0.3,
  denseUnits: 128,
  head: 'flatten' as const,
  poolSize: 2,
});

/** PyTorch BatchNorm2d defaults: eps 1e-5, running stats updated with momentum 0.1. */
export const BN_EPSILON = 1e-5;
export const BN_MOMENTUM = 0.1;

/** Fill in defaults and validate; throws naming the bad field. */
export function resolveNetworkConfig(partial: Partial<NetworkConfig> = {}): NetworkConfig {
  const c: NetworkConfig = {
    ...DEFAULT_NETWORK,
    ...Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined)),
  } as NetworkConfig;
  const bad = (field: string, why: string): never => {
    throw new Error(`network config: ${field} ${why} (got ${JSON.stringify((c as unknown as Record<string, unknown>)[field])})`);
  };
  if (!Array.isArray(c.inputShape) || c.inputShape.length !== 2 || !c.inputShape.every((d) => Number.isInteger(d) && d > 0)) {
    bad('inputShape', 'must be [height, width] of positive integers');
  }
  if (!Number.isInteger(c.numClasses) || c.numClasses < 2) bad('numClasses', 'must be an integer >= 2');
  if (!Array.isArray(c.channels) || c.channels.length === 0 || !c.channels.every((n) => Number.isInteger(n) && n > 0)) {
    bad('channels', 'must be a non-empty list of positive integers');
  }
  if (!Number.isInteger(c.kernelSize) || c.kernelSize < 1 || c.kernelSize % 2 !== 1) bad('kernelSize', 'must be an odd positive integer');
  if (typeof c.batchNorm !== 'boolean') bad('batchNorm', 'must be true or false');
  if (typeof c.dropout !== 'number' || !(c.dropout >= 0 && c.dropout < 1)) bad('dropout', 'must be a number in [0, 1)');
  if (!Number.isInteger(c.denseUnits) || c.denseUnits < 0) bad('denseUnits', 'must be an integer >= 0');
  if (c.head !== 'flatten' && c.head !== 'gap') bad('head', "must be 'flatten' or 'gap'");
  if (!Number.isInteger(c.poolSize) || c.poolSize < 1) bad('poolSize', 'must be a positive integer');
  let [h, w] = c.inputShape;
  for (let i = 0; i < c.channels.length; i++) {
    h = Math.floor(h / c.poolSize);
    w = Math.floor(w / c.poolSize);
    if (h < 1 || w < 1) bad('channels', `has too many blocks for input ${c.inputShape.join('x')}: block ${i + 1} pools it to nothing`);
  }
  return c;
}

/**
 * Build the network (a tf.Sequential, i.e. a LayersModel) with deterministic initial
 * weights from `seed`. Works on whatever tfjs backend is active.
 */
export function buildModel(partial: Partial<NetworkConfig> = {}, seed = 0): tf.Sequential {
  const c = resolveNetworkConfig(partial);
  const model = tf.sequential({ name: 'ser_cnn' });
  const k = c.kernelSize;
  c.channels.forEach((filters, i) => {
    const b = i + 1;
    model.add(tf.layers.conv2d({
      // With BN the conv has no bias: BN subtracts the batch mean, so a bias would get a
      // zero gradient, and Adam turns the rounding noise in it into full-size steps that
      // differ between thread counts (and waste 240 parameters).
      name: `conv${b}`, filters, kernelSize: k, padding: 'same', useBias: !c.batchNorm,
      // Without BN the ReLU is fused into the conv (one kernel at inference).
      activation: c.batchNorm ? 'linear' : 'relu',
      ...(i === 0 ? { inputShape: [c.inputShape[0], c.inputShape[1], 1] } : {}),
    }));
    if (c.batchNorm) {
      model.add(tf.layers.batchNormalization({
        name: `bn${b}`, axis: -1, epsilon: BN_EPSILON,
        // Keras momentum = 1 - PyTorch momentum (only used by Keras' own fit, not ours).
        momentum: 1 - BN_MOMENTUM,
      }));
      model.add(tf.layers.activation({ name: `relu${b}`, activation: 'relu' }));
    }
    model.add(tf.layers.maxPooling2d({ name: `pool${b}`, poolSize: c.poolSize, strides: c.poolSize, padding: 'valid' }));
  });
  model.add(c.head === 'gap'
    ? tf.layers.globalAveragePooling2d({ name: 'gap' })
    : tf.layers.flatten({ name: 'flatten' }));
  if (c.denseUnits > 0) model.add(tf.layers.dense({ name: 'dense1', units: c.denseUnits, activation: 'relu' }));
  if (c.dropout > 0) model.add(tf.layers.dropout({ name: 'dropout', rate: c.dropout }));
  model.add(tf.layers.dense({ name: 'logits', units: c.numClasses, activation: 'linear' }));
  initializeLikePyTorch(model, seed);
  return model;
}

/**
 * Re-initialise every weight of the model the way PyTorch initialises a fresh
 * nn.Conv2d / nn.Linear / nn.BatchNorm2d, from our seeded RNG (one stream per weight,
 * keyed by its name, so adding a layer never changes another layer's draw).
 */
export function initializeLikePyTorch(model: tf.LayersModel, seed: number): void {
  for (const layer of model.layers) {
    const cls = layer.getClassName();
    for (const w of layer.weights) {
      const name = w.originalName;
      const shape = w.shape as number[];
      const size = shape.reduce((a, b) => a * b, 1);
      const data = new Float32Array(size);
      const leaf = name.slice(name.lastIndexOf('/') + 1);
      if (cls === 'BatchNormalization') {
        if (leaf === 'gamma' || leaf === 'moving_variance') data.fill(1);
        // beta, moving_mean stay 0
      } else if (cls === 'Conv2D' || cls === 'Dense') {
        // fan_in of the layer = product of the kernel's shape minus its output dim.
        const kernelShape = (layer.weights[0]!.shape as number[]);
        const fanIn = kernelShape.slice(0, -1).reduce((a, b) => a * b, 1);
        const bound = 1 / Math.sqrt(fanIn);
        const rng = createRng(seed, `init/${name}`);
        for (let i = 0; i < size; i++) data[i] = (2 * rng.float() - 1) * bound;
      } else {
        throw new Error(`initializeLikePyTorch: no rule for weight ${name} of a ${cls} layer`);
      }
      const t = tf.tensor(data, shape);
      w.write(t);
      t.dispose();
    }
  }
}

/** Total number of weights (trainable and not; BN running stats count like PyTorch buffers do not). */
export function countParameters(model: tf.LayersModel): { trainable: number; nonTrainable: number } {
  const count = (ws: tf.LayerVariable[]) => ws.reduce((s, w) => s + (w.shape as number[]).reduce((a, b) => a * b, 1), 0);
  return { trainable: count(model.trainableWeights), nonTrainable: count(model.nonTrainableWeights) };
}

/** Softmax probabilities for a batch [n, H, W] or [n, H, W, 1] (inference mode). */
export function predictProbabilities(model: tf.LayersModel, x: tf.Tensor): tf.Tensor2D {
  return tf.tidy(() => {
    const input = x.rank === 3 ? x.expandDims(-1) : x;
    return tf.softmax(model.predict(input) as tf.Tensor2D) as tf.Tensor2D;
  });
}
