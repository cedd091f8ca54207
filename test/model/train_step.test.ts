import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/model/backend.ts';
import { buildModel } from '../../src/model/network.ts';
import { ADAM_DEFAULTS, adamStep, createAdamState } from '../../src/model/train/adam.ts';
import { dropoutMask } from '../../src/model/train/dropout.ts';
import { combineMoments, forward } from '../../src/model/train/forward.ts';
import { Replica } from '../../src/model/train/replica.ts';
import type { WeightLayout } from '../../src/model/train/weights.ts';
import { createRng } from '../../src/util/rng.ts';

beforeAll(async () => {
  await initBackend('wasm', { log: () => {} });
});

const layoutOf = (sizes: [number, boolean][]): WeightLayout => {
  let offset = 0;
  const slots = sizes.map(([size, trainable], i) => {
    const s = { name: `l${i}/w`, layer: `l${i}`, leaf: 'w', shape: [size], offset, size, trainable };
    offset += size;
    return s;
  });
  return { slots, total: offset };
};

describe('adamStep (torch.optim.Adam)', () => {
  it('matches a hand-computed two-step update and leaves non-trainable slots alone', () => {
    const layout = layoutOf([[1, true], [1, false]]);
    const params = Float32Array.from([1, 7]);
    const state = createAdamState(2);
    adamStep(params, Float32Array.from([0.5, 123]), state, layout, ADAM_DEFAULTS);
    // step 1: m = 0.05, v = 0.00025, m^ = 0.5, v^ = 0.25 -> p -= 1e-3 * 0.5 / (0.5 + 1e-8)
    const p1 = Math.fround(1 - 1e-3 * 0.5 / (0.5 + 1e-8));
    expect(params[0]).toBe(p1);
    expect(params[1]).toBe(7);
    adamStep(params, Float32Array.from([-0.25, 5]), state, layout, ADAM_DEFAULTS);
    // step 2: m = 0.9*0.05 - 0.1*0.25 = 0.02, v = 0.999*0.00025 + 0.001*0.0625 = 0.00031225
    // m^ = 0.02 / 0.19, v^ = 0.00031225 / 0.001999
    const expected = p1 - 1e-3 * (0.02 / 0.19) / (Math.sqrt(0.00031225 / 0.001999) + 1e-8);
    expect(params[0]).toBeCloseTo(expected, 7);
    expect(state.m[0]).toBeCloseTo(0.02, 7);
    expect(state.v[0]).toBeCloseTo(0.00031225, 9);
    expect(params[1]).toBe(7);
  });

  it('agrees with tf.train.adam (same formula, independent code) over 20 random steps', () => {
    const n = 50;
    const rng = createRng(3, 'adam');
    const init = Float32Array.from({ length: n }, () => rng.float() - 0.5);
    const ours = Float32Array.from(init);
    const layout = layoutOf([[n, true]]);
    const state = createAdamState(n);
    const v = tf.variable(tf.tensor1d(init));
    const opt = tf.train.adam(1e-3, 0.9, 0.999, 1e-8);
    for (let s = 0; s < 20; s++) {
      const g = Float32Array.from({ length: n }, () => (rng.float() - 0.5) * 10 ** (rng.int(5) - 3));
      adamStep(ours, g, state, layout, ADAM_DEFAULTS);
      opt.applyGradients([{ name: v.name, tensor: tf.tensor1d(g) }]);
    }
    const theirs = v.dataSync();
    for (let i = 0; i < n; i++) expect(ours[i]).toBeCloseTo(theirs[i]!, 6);
  });
});

describe('dropoutMask', () => {
  it("depends on (seed, layer, epoch, sample index) only, not on the sample's batch position", () => {
    const whole = dropoutMask(0, 'dropout', 3, [5, 9, 2], 64, 0.3);
    const first = dropoutMask(0, 'dropout', 3, [5], 64, 0.3);
    const rest = dropoutMask(0, 'dropout', 3, [9, 2], 64, 0.3);
    expect(Array.from(whole)).toEqual([...first, ...rest]);
    const reordered = dropoutMask(0, 'dropout', 3, [2, 5], 64, 0.3);
    expect(Array.from(reordered.subarray(64))).toEqual(Array.from(first));
    expect(Array.from(dropoutMask(0, 'dropout', 4, [5], 64, 0.3))).not.toEqual(Array.from(first));
    expect(Array.from(dropoutMask(1, 'dropout', 3, [5], 64, 0.3))).not.toEqual(Array.from(first));
  });

  it('drops with probability p and scales the kept units by 1/(1-p)', () => {
    const m = dropoutMask(0, 'd', 1, Array.from({ length: 200 }, (_, i) => i), 128, 0.3);
    const keep = Math.fround(1 / 0.7);
    let zeros = 0;
    for (const v of m) {
      expect(v === 0 || v === keep).toBe(true);
      if (v === 0) zeros += 1;
    }
    expect(zeros / m.length).toBeGreaterThan(0.28);
    expect(zeros / m.length).toBeLessThan(0.32);
  });
});

describe('synchronized BatchNorm', () => {
  it('combineMoments of shards equals the moments of the whole batch', () => {
    const rng = createRng(1, 'moments');
    const C = 3;
    const rows = Array.from({ length: 11 }, () => Array.from({ length: C }, () => rng.float() * 10 - 3));
    const part = (r: number[][]) => {
      const p = new Float64Array(1 + 2 * C);
      p[0] = r.length;
      for (let c = 0; c < C; c++) {
        const mean = r.reduce((s, x) => s + x[c]!, 0) / Math.max(1, r.length);
        p[1 + c] = mean;
        p[1 + C + c] = r.reduce((s, x) => s + (x[c]! - mean) ** 2, 0);
      }
      return p;
    };
    const whole = combineMoments([part(rows)], C);
    const split = combineMoments([part(rows.slice(0, 4)), part([]), part(rows.slice(4))], C);
    expect(split.count).toBe(11);
    for (let c = 0; c < C; c++) {
      expect(split.mean[c]).toBeCloseTo(whole.mean[c]!, 12);
      expect(split.m2[c]).toBeCloseTo(whole.m2[c]!, 10);
    }
  });

  it('training-mode BN: gradients w.r.t. input, gamma and beta equal autodiff of the textbook formula', () => {
    const model = buildModel({ inputShape: [6, 8], channels: [3], batchNorm: true, denseUnits: 0, dropout: 0, numClasses: 4 }, 2);
    const bn = model.getLayer('bn1');
    bn.setWeights([tf.tensor1d([1.5, -0.7, 0.9]), tf.tensor1d([0.1, 0.2, -0.3]), tf.zeros([3]), tf.ones([3])]);
    const x = tf.randomNormal([5, 6, 8, 1], 0, 1, 'float32', 4) as tf.Tensor4D;
    const probe = tf.randomNormal([5, 4], 0, 1, 'float32', 5);
    const gamma = bn.weights[0]!.read() as tf.Variable;
    const beta = bn.weights[1]!.read() as tf.Variable;
    const kernel = model.getLayer('conv1').weights[0]!.read() as tf.Variable;
    const loss = (useOurs: boolean) => () => {
      if (useOurs) return tf.sum(tf.mul(forward(model, x, { training: true }), probe)) as tf.Scalar;
      // textbook: conv -> (x - mean) / sqrt(var + eps) * gamma + beta with biased batch variance
      let h: tf.Tensor = tf.conv2d(x, kernel as unknown as tf.Tensor4D, 1, 'same');
      const { mean, variance } = tf.moments(h, [0, 1, 2]);
      h = tf.add(tf.mul(tf.div(tf.sub(h, mean), tf.sqrt(tf.add(variance, 1e-5))), gamma), beta);
      h = tf.maxPool(tf.relu(h as tf.Tensor4D), 2, 2, 'valid');
      h = tf.reshape(h, [5, -1]);
      const dense = model.getLayer('logits');
      h = tf.add(tf.matMul(h as tf.Tensor2D, dense.weights[0]!.read() as tf.Tensor2D), dense.weights[1]!.read());
      return tf.sum(tf.mul(h, probe)) as tf.Scalar;
    };
    const vars = [kernel, gamma, beta];
    const ours = tf.variableGrads(loss(true), vars);
    const ref = tf.variableGrads(loss(false), vars);
    expect(ours.value.dataSync()[0]).toBeCloseTo(ref.value.dataSync()[0]!, 4);
    for (const v of vars) {
      const a = ours.grads[v.name]!.dataSync();
      const b = ref.grads[v.name]!.dataSync();
      const scale = Math.max(...Array.from(b, Math.abs));
      for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThanOrEqual(1e-4 * scale + 1e-6);
    }
  });
});

describe('Replica.gradients', () => {
  it('equals tfjs autodiff of model.apply + mean softmax cross-entropy (no dropout)', () => {
    const model = buildModel({ inputShape: [12, 16], channels: [4, 6], denseUnits: 10, dropout: 0 }, 1);
    const replica = new Replica(model, { seed: 0 });
    const n = 6;
    const rng = createRng(2, 'data');
    const data = {
      x: Float32Array.from({ length: 20 * 12 * 16 }, () => rng.float() * 2 - 1),
      y: Int32Array.from({ length: 20 }, () => rng.int(8)),
    };
    const indices = Int32Array.from([3, 17, 0, 8, 8, 11]);
    const grad = new Float32Array(replica.layout.total);
    const r = replica.gradients(data, indices, 1, 1 / n, grad);
    const batch = new Float32Array(n * 192);
    indices.forEach((k, i) => batch.set(data.x.subarray(k * 192, (k + 1) * 192), i * 192));
    const x = tf.tensor4d(batch, [n, 12, 16, 1]);
    const labels = Array.from(indices, (k) => data.y[k]!);
    const onehot = tf.oneHot(tf.tensor1d(labels, 'int32'), 8);
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const ref = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(onehot, model.apply(x) as tf.Tensor) as tf.Scalar, vars);
    expect(r.lossSum / n).toBeCloseTo(ref.value.dataSync()[0]!, 5);
    expect(r.count).toBe(n);
    for (const slot of replica.layout.slots) {
      const v = vars.find((w) => w.name.startsWith(slot.name))!;
      const b = ref.grads[v.name]!.dataSync();
      const a = grad.subarray(slot.offset, slot.offset + slot.size);
      const scale = Math.max(...Array.from(b, Math.abs));
      for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThanOrEqual(1e-4 * scale + 1e-7);
    }
  });
});
