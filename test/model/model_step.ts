// One training step of a small CNN shaped like the default model (Conv3x3 same -> ReLU ->
// MaxPool2, twice — the second conv has 8 input channels, so it takes the Winograd forward
// and the sparse gradient kernels — flatten, Dense ReLU, Dense) on a given backend, from
// fixed seeded weights and data: loss, gradients, Adam-updated weights.
import * as tf from '@tensorflow/tfjs';
import { backendsReady, randomArray } from './kernel_harness.ts';

const [N, H, W, CLASSES] = [6, 12, 21, 5];

function buildModel(): tf.Sequential {
  const m = tf.sequential();
  m.add(tf.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [H, W, 1] }));
  m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  m.add(tf.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' }));
  m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  m.add(tf.layers.flatten());
  m.add(tf.layers.dense({ units: 16, activation: 'relu' }));
  m.add(tf.layers.dense({ units: CLASSES }));
  return m;
}

export interface StepResult { loss: number; grads: Float32Array[]; updated: Float32Array[] }

export async function trainStep(backend: 'cpu' | 'wasm'): Promise<StepResult> {
  await backendsReady();
  tf.setBackend(backend);
  const model = buildModel();
  // Same weights on both backends: seeded, scaled like Glorot so activations stay O(1).
  model.setWeights(model.getWeights().map((w, i) => {
    const fanIn = w.shape.length > 1 ? w.shape.slice(0, -1).reduce((a, b) => a * b, 1) : 1;
    const scale = w.shape.length > 1 ? Math.sqrt(3 / fanIn) : 0.1;
    return tf.tensor(randomArray(w.size, 100 + i).map((v) => v * scale), w.shape);
  }));
  const x = tf.tensor4d(randomArray(N * H * W, 7), [N, H, W, 1]);
  const y = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 4, 1], 'int32'), CLASSES).toFloat();
  const lossFn = () => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar;
  const vars = model.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val);
  const { value, grads } = tf.variableGrads(lossFn, vars);
  const gradData = vars.map((v) => grads[v.name]!.dataSync() as Float32Array);
  const optimizer = tf.train.adam(1e-2);
  optimizer.applyGradients(grads as unknown as Parameters<typeof optimizer.applyGradients>[0]);
  const updated = vars.map((v) => v.dataSync().slice() as Float32Array);
  const loss = value.dataSync()[0]!;
  tf.dispose([value, x, y, ...Object.values(grads)]);
  optimizer.dispose();
  model.dispose();
  return { loss, grads: gradData, updated };
}

