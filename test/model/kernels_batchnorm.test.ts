// Training-mode BatchNorm on wasm (fused SIMD passes, kernels/batch_norm.ts) against the
// stock-op implementation on the cpu backend: values, gradients and batch statistics over
// shapes (C not a multiple of 4, one-sample shards, many row blocks), synchronized across
// 2 replicas through the Exchange, float64 accuracy of the reductions, determinism, and a
// training step of a small BN CNN.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { buildModel } from '../../src/model/network.ts';
import {
  batchNormGradSums, batchNormMoments, fusedBatchNormAvailable,
} from '../../src/model/kernels/batch_norm.ts';
import { ADAM_DEFAULTS, adamStep, createAdamState } from '../../src/model/train/adam.ts';
import { forward, type BatchStats } from '../../src/model/train/forward.ts';
import { Replica } from '../../src/model/train/replica.ts';
import { readWeights } from '../../src/model/train/weights.ts';
import type { Exchange } from '../../src/model/train/sync.ts';
import { backendsReady, compareBackends, randomArray, relError, spec } from './kernel_harness.ts';

beforeAll(async () => {
  await backendsReady();
});

type Shape = [number, number, number, number];
const sizeOf = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

interface BnCase { x: Float32Array; shape: Shape; gamma: Float32Array; beta: Float32Array; probe: Float32Array }

function bnCase(shape: Shape, seed: number, offset = 0.5, scale = 2): BnCase {
  const c = shape[3];
  return {
    x: randomArray(sizeOf(shape), seed).map((v) => offset + scale * v),
    shape,
    gamma: randomArray(c, seed + 1).map((v) => 1 + 0.5 * v),
    beta: randomArray(c, seed + 2).map((v) => 0.3 * v),
    probe: randomArray(sizeOf(shape), seed + 3),
  };
}

interface BnResult { y: Float32Array; dx: Float32Array; dGamma: Float32Array; dBeta: Float32Array; stats: BatchStats }

/**
 * y = BN(x) (then ReLU with `relu`: fused into BN's passes on wasm) in training mode
 * through forward(), and d(Σ y·probe)/d(x, γ, β).
 */
function runBn(backend: 'cpu' | 'wasm', k: BnCase, exchange?: Exchange, relu = false): BnResult {
  tf.setBackend(backend);
  const [, h, w, c] = k.shape;
  const model = tf.sequential({
    layers: [
      tf.layers.batchNormalization({ inputShape: [h, w, c], epsilon: 1e-5 }),
      ...(relu ? [tf.layers.activation({ activation: 'relu' })] : []),
      tf.layers.flatten(),
    ],
  });
  model.layers[0]!.setWeights([tf.tensor1d(k.gamma), tf.tensor1d(k.beta), tf.zeros([c]), tf.ones([c])]);
  const x = tf.variable(tf.tensor4d(k.x, k.shape));
  const probe = tf.tensor2d(k.probe, [k.shape[0], h * w * c]);
  const [gamma, beta] = model.layers[0]!.weights.slice(0, 2).map((v) => v.read() as tf.Variable) as [tf.Variable, tf.Variable];
  let y: Float32Array | null = null;
  let stats: BatchStats | null = null;
  const { grads, value } = tf.variableGrads(() => {
    const out = forward(model, x as unknown as tf.Tensor4D, { training: true, exchange, onBatchStats: (_l, s) => { stats = s; } });
    y = out.dataSync().slice() as Float32Array;
    return tf.sum(tf.mul(out, probe)) as tf.Scalar;
  }, [x, gamma, beta]);
  const r = {
    y: y!, stats: stats!,
    dx: grads[x.name]!.dataSync().slice() as Float32Array,
    dGamma: grads[gamma.name]!.dataSync().slice() as Float32Array,
    dBeta: grads[beta.name]!.dataSync().slice() as Float32Array,
  };
  tf.dispose([x, probe, value, ...Object.values(grads)]);
  model.dispose();
  tf.setBackend('wasm');
  return r;
}

function expectClose(got: BnResult, ref: BnResult, tol = 1e-4): void {
  expect(relError(got.y, ref.y)).toBeLessThanOrEqual(tol);
  expect(relError(got.dx, ref.dx)).toBeLessThanOrEqual(tol);
  expect(relError(got.dGamma, ref.dGamma)).toBeLessThanOrEqual(tol);
  expect(relError(got.dBeta, ref.dBeta)).toBeLessThanOrEqual(tol);
  expect(relError(Float32Array.from(got.stats.mean), Float32Array.from(ref.stats.mean))).toBeLessThanOrEqual(tol);
  expect(relError(Float32Array.from(got.stats.varUnbiased), Float32Array.from(ref.stats.varUnbiased))).toBeLessThanOrEqual(tol);
}

const SHAPES: Shape[] = [
  [1, 3, 4, 3], // one sample, C < 4 (scalar lanes only)
  [2, 5, 7, 16],
  [3, 4, 6, 6], // C = 4 + 2: SIMD lanes and a scalar tail
  [4, 8, 9, 32],
  [2, 3, 5, 128],
  [5, 2, 3, 1],
  [2, 40, 60, 16], // 4800 rows: many row blocks
  [1, 30, 41, 13],
];

describe('fused training-mode BatchNorm (wasm) vs stock ops (cpu)', () => {
  it('runs the fused kernels on wasm only', () => {
    tf.setBackend('cpu');
    expect(fusedBatchNormAvailable()).toBe(false);
    tf.setBackend('wasm');
    expect(fusedBatchNormAvailable()).toBe(true);
  });

  it.each(SHAPES.map((s) => [s.join('x'), s] as const))('values, gradients and batch statistics agree: %s', (_n, shape) => {
    const k = bnCase(shape, 10 + shape[3]);
    expectClose(runBn('wasm', k), runBn('cpu', k));
  });

  it.each(SHAPES.map((s) => [s.join('x'), s] as const))('with the following ReLU fused: values, gradients and statistics agree: %s', (_n, shape) => {
    const k = bnCase(shape, 20 + shape[3]);
    const got = runBn('wasm', k, undefined, true);
    const ref = runBn('cpu', k, undefined, true);
    expectClose(got, ref);
    // the ReLU did cut: some outputs are 0, some positive
    expect(ref.y.some((v) => v === 0) && ref.y.some((v) => v > 0)).toBe(true);
    expect(got.y.every((v) => v >= 0)).toBe(true);
  });

  it('is deterministic: the same inputs give bit-identical values and gradients', () => {
    const k = bnCase([3, 17, 23, 20], 5);
    for (const relu of [false, true]) {
      const a = runBn('wasm', k, undefined, relu);
      const b = runBn('wasm', k, undefined, relu);
      for (const key of ['y', 'dx', 'dGamma', 'dBeta'] as const) expect(Buffer.from(a[key].buffer).equals(Buffer.from(b[key].buffer))).toBe(true);
      expect(Array.from(a.stats.mean)).toEqual(Array.from(b.stats.mean));
      expect(Array.from(a.stats.varUnbiased)).toEqual(Array.from(b.stats.varUnbiased));
    }
  });
});

/**
 * One replica of 2 in a single thread: its peer's contribution to exchange number i comes
 * from `peer(i)`; its own contributions are recorded.
 */
class ScriptedExchange implements Exchange {
  readonly size = 2;
  readonly sent: Float64Array[] = [];
  constructor(private readonly rank: 0 | 1, private readonly peer: (i: number, len: number) => Float64Array) {}
  allGather(local: Float64Array): Float64Array[] {
    const other = this.peer(this.sent.length, local.length);
    this.sent.push(local.slice());
    return this.rank === 0 ? [local, other] : [other, local];
  }
}

/**
 * Synchronized BN of two shards in one thread. Forward contributions do not depend on the
 * peer, backward ones only on the whole batch's forward statistics, so three rounds reach
 * what two concurrent replicas exchange: (1) forward contributions, (2) backward
 * contributions given the true statistics, (3) the final run with both.
 */
function runSharded(backend: 'cpu' | 'wasm', shards: [BnCase, BnCase], relu = false): [BnResult, BnResult] {
  let sent: Float64Array[][] = [[], []];
  let results: BnResult[] = [];
  for (let round = 0; round < 3; round++) {
    const exchanges = ([0, 1] as const).map((rank) => new ScriptedExchange(rank, (i, len) => {
      const known = sent[1 - rank]![i];
      return known ?? new Float64Array(len); // count 0 / zero sums until known
    }));
    results = shards.map((s, rank) => runBn(backend, s, exchanges[rank], relu));
    sent = exchanges.map((e) => e.sent.slice(0, round + 1));
  }
  return results as [BnResult, BnResult];
}

function split(k: BnCase, first: number): [BnCase, BnCase] {
  const per = sizeOf(k.shape.slice(1));
  const part = (a: number, b: number): BnCase => ({
    ...k, shape: [b - a, ...k.shape.slice(1)] as Shape,
    x: k.x.slice(a * per, b * per), probe: k.probe.slice(a * per, b * per),
  });
  return [part(0, first), part(first, k.shape[0])];
}

const cat = (a: Float32Array, b: Float32Array) => Float32Array.from([...a, ...b]);

describe('synchronized BatchNorm across 2 replicas (Exchange)', () => {
  it.each([
    ['1 + 4 samples, C = 6', [5, 4, 7, 6] as Shape, 1],
    ['3 + 3 samples, C = 16', [6, 8, 10, 16] as Shape, 3],
    ['2 + 1 samples, C = 33', [3, 5, 6, 33] as Shape, 2],
  ])('the shards of %s equal the whole batch, fused (wasm) and stock (cpu), with and without ReLU', (_n, shape, first) => {
    const k = bnCase(shape, 40 + shape[3]);
    for (const [backend, relu] of [['wasm', false], ['cpu', false], ['wasm', true], ['cpu', true]] as const) {
      const whole = runBn('cpu', k, undefined, relu);
      const [a, b] = runSharded(backend, split(k, first), relu);
      const joined: BnResult = {
        y: cat(a.y, b.y), dx: cat(a.dx, b.dx),
        // γ/β gradients are per shard: the trainer sums them like any weight
        dGamma: a.dGamma.map((v, i) => v + b.dGamma[i]!), dBeta: a.dBeta.map((v, i) => v + b.dBeta[i]!),
        stats: a.stats,
      };
      expectClose(joined, whole);
      // every replica gets the same whole-batch statistics
      expect(Array.from(b.stats.mean)).toEqual(Array.from(a.stats.mean));
      expect(Array.from(b.stats.varUnbiased)).toEqual(Array.from(a.stats.varUnbiased));
    }
  });
});

describe('fused BatchNorm reductions are float64-accurate', () => {
  it('moments of data with a large offset (mean 1000, std 0.01) match a float64 two-pass reference', () => {
    tf.setBackend('wasm');
    const shape: Shape = [2, 31, 45, 7];
    const data = randomArray(sizeOf(shape), 77).map((v) => 1000 + 0.017 * v);
    const x = tf.tensor4d(data, shape);
    const { mean, m2 } = batchNormMoments(x);
    x.dispose();
    const c = shape[3];
    const rows = data.length / c;
    for (let j = 0; j < c; j++) {
      let s = 0;
      for (let i = 0; i < rows; i++) s += data[i * c + j]!;
      const mu = s / rows;
      let q = 0;
      for (let i = 0; i < rows; i++) q += (data[i * c + j]! - mu) ** 2;
      expect(Math.abs(mean[j]! - mu) / mu).toBeLessThan(1e-13);
      expect(Math.abs(m2[j]! - q) / q).toBeLessThan(1e-9);
    }
  });

  it('Σdy and Σdy·xhat match float64 sums', () => {
    tf.setBackend('wasm');
    const shape: Shape = [3, 20, 33, 10];
    const dyData = randomArray(sizeOf(shape), 8);
    const xhData = randomArray(sizeOf(shape), 9).map((v) => 3 * v);
    const dy = tf.tensor4d(dyData, shape);
    const xh = tf.tensor4d(xhData, shape);
    const sums = batchNormGradSums(dy, xh);
    tf.dispose([dy, xh]);
    const c = shape[3];
    for (let j = 0; j < c; j++) {
      let a = 0;
      let q = 0;
      for (let i = j; i < dyData.length; i += c) {
        a += dyData[i]!;
        q += dyData[i]! * xhData[i]!;
      }
      expect(Math.abs(sums[j]! - a)).toBeLessThan(1e-12 * dyData.length);
      expect(Math.abs(sums[c + j]! - q)).toBeLessThan(1e-12 * dyData.length);
    }
  });
});

describe('a training step of a small BN CNN', () => {
  it('wasm (fused BN) equals cpu (stock BN): gradients, batch statistics and the Adam update', () => {
    const cfg = { inputShape: [16, 20] as [number, number], channels: [4, 8], batchNorm: true, denseUnits: 12, dropout: 0.3 };
    const n = 7;
    const data = {
      x: randomArray(10 * 16 * 20, 21).map((v) => 2 * v + 0.3),
      y: Int32Array.from({ length: 10 }, (_, i) => i % 8),
    };
    const indices = Int32Array.from([4, 0, 9, 2, 7, 7, 5]);
    const step = (backend: 'cpu' | 'wasm') => {
      tf.setBackend(backend);
      const model = buildModel(cfg, 3);
      const replica = new Replica(model, { seed: 1 });
      const grad = new Float32Array(replica.layout.total);
      const stats = new Float64Array(replica.bnStatsLength);
      const r = replica.gradients(data, indices, 1, 1 / n, grad, stats);
      const weights = readWeights(model, replica.layout);
      const flat = weights.slice();
      adamStep(flat, grad, createAdamState(flat.length), replica.layout, ADAM_DEFAULTS, 1e-2);
      model.dispose();
      tf.setBackend('wasm');
      return { r, grad, stats, flat, weights, layout: replica.layout };
    };
    const wasm = step('wasm');
    const cpu = step('cpu');
    expect(wasm.weights).toEqual(cpu.weights); // same seeded initial weights
    expect(wasm.r.lossSum).toBeCloseTo(cpu.r.lossSum, 4);
    for (const s of cpu.layout.slots) {
      if (!s.trainable) continue;
      const a = wasm.grad.subarray(s.offset, s.offset + s.size);
      const b = cpu.grad.subarray(s.offset, s.offset + s.size);
      expect(relError(a, b), s.name).toBeLessThanOrEqual(1e-4);
    }
    expect(relError(Float32Array.from(wasm.stats), Float32Array.from(cpu.stats))).toBeLessThanOrEqual(1e-5);
    expect(relError(wasm.flat, cpu.flat)).toBeLessThanOrEqual(1e-5);
  });
});

describe('Conv2DBackpropInput with a dense dy (behind BatchNorm)', () => {
  it.each([
    [[2, 16, 47, 16], 32],
    [[3, 8, 23, 32], 64],
    [[1, 7, 9, 12], 8],
  ] as const)('x %j, %i output channels: the Winograd path matches cpu', async (xShape, co) => {
    const [n, h, w, ci] = xShape;
    const err = await compareBackends(
      [spec([n, h, w, co], 61), spec([3, 3, ci, co], 62)],
      (dy, f) => tf.engine().runKernel('Conv2DBackpropInput', { dy: dy!, filter: f! },
        { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', inputShape: [...xShape] }) as tf.Tensor,
    );
    expect(err).toBeLessThanOrEqual(1e-4);
  });
});

describe('no leaks', () => {
  it('a BN training step on wasm leaves no tensors behind', () => {
    tf.setBackend('wasm');
    const model = buildModel({ inputShape: [12, 16], channels: [4, 8], batchNorm: true, denseUnits: 8, dropout: 0 }, 4);
    const replica = new Replica(model, { seed: 2 });
    const data = { x: randomArray(6 * 12 * 16, 31), y: Int32Array.from([0, 1, 2, 3, 4, 5]) };
    const grad = new Float32Array(replica.layout.total);
    const idx = Int32Array.from([0, 1, 2, 3, 4, 5]);
    replica.gradients(data, idx, 1, 1 / 6, grad); // warm-up (lazily created state)
    const before = tf.memory();
    for (let i = 0; i < 3; i++) replica.gradients(data, idx, 1, 1 / 6, grad);
    const after = tf.memory();
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numBytes).toBe(before.numBytes);
    model.dispose();
  });
});

describe('Conv2DBackpropFilter with a dense dy (behind BatchNorm)', () => {
  it.each([
    [[2, 16, 47, 16], 32, 'same'],
    [[3, 8, 23, 64], 128, 'same'],
    [[2, 9, 12, 12], 20, 'valid'],
    [[1, 7, 9, 8], 12, 'same'],
  ] as const)('x %j, %i output channels, %s: the Winograd path matches cpu', async (xShape, co, pad) => {
    const [n, h, w, ci] = xShape;
    const [oh, ow] = pad === 'same' ? [h, w] : [h - 2, w - 2];
    const err = await compareBackends(
      [spec([...xShape], 71), spec([n, oh, ow, co], 72)],
      (x, dy) => tf.engine().runKernel('Conv2DBackpropFilter', { x: x!, dy: dy! },
        { strides: [1, 1], pad, dataFormat: 'NHWC', filterShape: [3, 3, ci, co] }) as tf.Tensor,
    );
    expect(err).toBeLessThanOrEqual(1e-4);
  });
});
