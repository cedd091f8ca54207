import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/model/backend.ts';
import { buildModel, countParameters, predictProbabilities, resolveNetworkConfig, type NetworkConfig } from '../../src/model/network.ts';
import { forward } from '../../src/model/train/forward.ts';
import { readWeights, weightLayout } from '../../src/model/train/weights.ts';
import { createRng } from '../../src/util/rng.ts';

beforeAll(async () => {
  await initBackend('wasm', { log: () => {} });
});

function randomInput(n: number, h: number, w: number, seed = 1): tf.Tensor4D {
  const rng = createRng(seed, 'input');
  return tf.tensor4d(Float32Array.from({ length: n * h * w }, () => rng.float() * 4 - 2), [n, h, w, 1]);
}

describe('buildModel', () => {
  it('default config is the reference CNN: same layers, shapes and 819,208 parameters', () => {
    const model = buildModel();
    const summary = model.layers.map((l) => `${l.name}:${l.getClassName()}:${JSON.stringify((l.outputShape as number[]).slice(1))}`);
    expect(summary).toEqual([
      'conv1:Conv2D:[64,188,16]', 'pool1:MaxPooling2D:[32,94,16]',
      'conv2:Conv2D:[32,94,32]', 'pool2:MaxPooling2D:[16,47,32]',
      'conv3:Conv2D:[16,47,64]', 'pool3:MaxPooling2D:[8,23,64]',
      'conv4:Conv2D:[8,23,128]', 'pool4:MaxPooling2D:[4,11,128]',
      'flatten:Flatten:[5632]', 'dense1:Dense:[128]', 'dropout:Dropout:[128]', 'logits:Dense:[8]',
    ]);
    // the reference's count (anchor_results.json p1.n_params)
    expect(countParameters(model)).toEqual({ trainable: 819208, nonTrainable: 0 });
    model.dispose();
  });

  it('batch norm, GAP head, channels, kernel size and dense width are configurable', () => {
    const model = buildModel({ channels: [8, 16, 24], kernelSize: 5, batchNorm: true, head: 'gap', denseUnits: 32, dropout: 0.5 });
    const classes = model.layers.map((l) => l.getClassName());
    expect(classes).toEqual([
      'Conv2D', 'BatchNormalization', 'Activation', 'MaxPooling2D',
      'Conv2D', 'BatchNormalization', 'Activation', 'MaxPooling2D',
      'Conv2D', 'BatchNormalization', 'Activation', 'MaxPooling2D',
      'GlobalAveragePooling2D', 'Dense', 'Dropout', 'Dense',
    ]);
    // conv without bias under BN; BN: gamma+beta trainable, running mean/var not
    const conv = 5 * 5 * 1 * 8 + 5 * 5 * 8 * 16 + 5 * 5 * 16 * 24;
    const bn = 2 * (8 + 16 + 24);
    const dense = 24 * 32 + 32 + 32 * 8 + 8;
    expect(countParameters(model)).toEqual({ trainable: conv + bn + dense, nonTrainable: bn });
    expect((model.layers[15]!.outputShape as number[])[1]).toBe(8);
    model.dispose();
  });

  it('initialises like PyTorch (U(+-1/sqrt(fan_in))), deterministically from the seed', () => {
    const a = buildModel({}, 7);
    const b = buildModel({}, 7);
    const c = buildModel({}, 8);
    const layout = weightLayout(a);
    const wa = readWeights(a, layout);
    const bytes = (f: Float32Array) => Buffer.from(f.buffer, f.byteOffset, f.byteLength);
    expect(bytes(readWeights(b, layout)).equals(bytes(wa))).toBe(true);
    expect(bytes(readWeights(c, layout)).equals(bytes(wa))).toBe(false);
    const fanIn: Record<string, number> = { conv1: 9, conv2: 144, conv3: 288, conv4: 576, dense1: 5632, logits: 128 };
    for (const s of layout.slots) {
      const bound = 1 / Math.sqrt(fanIn[s.layer]!);
      const v = wa.subarray(s.offset, s.offset + s.size);
      let max = 0;
      let sum = 0;
      for (const x of v) { max = Math.max(max, Math.abs(x)); sum += x; }
      expect(max).toBeLessThanOrEqual(bound);
      if (s.size > 1000) {
        // uniform: max near the bound, mean near 0, variance bound^2 / 3
        expect(max).toBeGreaterThan(0.99 * bound);
        expect(Math.abs(sum / s.size)).toBeLessThan(0.05 * bound);
        const variance = v.reduce((acc, x) => acc + x * x, 0) / s.size;
        expect(variance).toBeCloseTo(bound * bound / 3, 3);
      }
    }
    [a, b, c].forEach((m) => m.dispose());
  });

  it('rejects bad configs with a message naming the field', () => {
    expect(() => resolveNetworkConfig({ kernelSize: 4 })).toThrow(/kernelSize must be an odd/);
    expect(() => resolveNetworkConfig({ dropout: 1 })).toThrow(/dropout/);
    expect(() => resolveNetworkConfig({ channels: [] })).toThrow(/channels/);
    expect(() => resolveNetworkConfig({ inputShape: [8, 8], channels: [4, 4, 4, 4] })).toThrow(/too many blocks/);
    expect(() => resolveNetworkConfig({ head: 'max' as 'gap' })).toThrow(/head/);
  });
});

describe('forward (inference mode)', () => {
  const cases: [string, Partial<NetworkConfig>][] = [
    ['default', {}],
    ['batch norm + GAP', { batchNorm: true, head: 'gap', channels: [4, 8], inputShape: [16, 20] }],
  ];
  for (const [name, cfg] of cases) {
    it(`computes what model.predict computes (${name})`, () => {
      const model = buildModel(cfg, 3);
      // non-trivial BN running statistics
      for (const l of model.layers.filter((x) => x.getClassName() === 'BatchNormalization')) {
        const c = (l.weights[0]!.shape as number[])[0]!;
        const rng = createRng(5, l.name);
        l.setWeights([0, 1, 2, 3].map((k) => tf.tensor1d(Float32Array.from({ length: c }, () => (k === 3 ? 0.5 + rng.float() : rng.float() - 0.5)))));
      }
      const [h, w] = resolveNetworkConfig(cfg).inputShape;
      const x = randomInput(3, h, w);
      const ours = tf.tidy(() => forward(model, x, { training: false }).dataSync());
      const keras = tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync());
      expect(ours.length).toBe(3 * 8);
      for (let i = 0; i < ours.length; i++) expect(ours[i]).toBeCloseTo(keras[i]!, 4);
      const p = predictProbabilities(model, x.squeeze([3]));
      const rows = p.sum(1).dataSync();
      rows.forEach((r) => expect(r).toBeCloseTo(1, 5));
      tf.dispose([x, p]);
      model.dispose();
    });
  }
});
