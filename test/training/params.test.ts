// train.* params: defaults = the reference recipe, errors naming the key, learning-rate
// schedules, balanced class weights; and the soft-target loss mixup relies on.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { crossEntropySum, lossAndCorrect } from '../../src/model/train/loss.ts';
import { DEFAULT_NETWORK } from '../../src/model/network.ts';
import { balancedClassWeights, DEFAULT_TRAIN_PARAMS, learningRate, networkConfig, parseTrainParams } from '../../src/training/params.ts';

describe('train params', () => {
  it('default to the reference recipe and network', () => {
    const p = DEFAULT_TRAIN_PARAMS;
    expect(p).toMatchObject({ epochs: 60, patience: 10, batch_size: 32, lr: 0.001, class_weights: null, threads: 2, backend: 'auto' });
    expect(networkConfig(p, [64, 188], 8)).toEqual({ ...DEFAULT_NETWORK });
  });

  it('reject bad values naming the key', () => {
    expect(() => parseTrainParams({ lr: -1 })).toThrow(/train\.lr:/);
    expect(() => parseTrainParams({ model: { head: 'pool' } })).toThrow(/train\.model\.head:/);
    expect(() => parseTrainParams({ augment: { time_shift: { mode: 'reflect' } } })).toThrow(/train\.augment\.time_shift\.mode:/);
    expect(() => parseTrainParams({ augment: { noise: { snr_db: [20, 10] } } })).toThrow(/train\.augment\.noise\.snr_db: must be \[low, high\]/);
    expect(() => parseTrainParams({ epoch: 5 })).toThrow(/train: Unrecognized key: "epoch"/);
    expect(() => parseTrainParams({ class_weights: 'inverse' })).toThrow(/train\.class_weights/);
  });

  it('learning-rate schedules', () => {
    const s = (o: object) => parseTrainParams({ lr_schedule: o }).lr_schedule;
    expect([1, 30, 60].map((e) => learningRate(1e-3, s({}), e, 60))).toEqual([1e-3, 1e-3, 1e-3]);
    expect([1, 20, 21, 41].map((e) => learningRate(1e-3, s({ kind: 'step', step_epochs: 20, gamma: 0.1 }), e, 60)))
      .toEqual([1e-3, 1e-3, 1e-3 * 0.1, 1e-3 * 0.1 * 0.1].map((v) => expect.closeTo(v, 12)));
    const cos = s({ kind: 'cosine', min_lr: 1e-5 });
    expect(learningRate(1e-3, cos, 1, 60)).toBeCloseTo(1e-3, 12);
    expect(learningRate(1e-3, cos, 60, 60)).toBeCloseTo(1e-5, 12);
    expect(learningRate(1e-3, cos, 30, 60)).toBeLessThan(6e-4);
    const warm = s({ warmup_epochs: 4 });
    expect([1, 2, 4, 5].map((e) => learningRate(1e-3, warm, e, 60))).toEqual([2.5e-4, 5e-4, 1e-3, 1e-3]);
  });

  it('balanced class weights = n / (classes · count)', () => {
    expect(balancedClassWeights(Int32Array.from([0, 0, 0, 1]), 2)).toEqual([4 / 6, 2]);
    expect(() => balancedClassWeights(Int32Array.from([0, 0]), 2)).toThrow(/class 1 has no clips/);
  });
});

describe('soft-target cross-entropy (mixup)', () => {
  it('matches −Σ t log softmax in the tf loss and in the JS loss', () => {
    const logits = Float32Array.from([2, 0, -1, 0.5, 0.5, 3]);
    const targets = Float32Array.from([0.7, 0.3, 0, 0, 0.4, 0.6]);
    const expected = [0, 1].reduce((sum, i) => {
      const row = Array.from(logits.subarray(i * 3, i * 3 + 3));
      const lse = Math.log(row.reduce((a, v) => a + Math.exp(v), 0));
      return sum - row.reduce((a, v, k) => a + targets[i * 3 + k]! * (v - lse), 0);
    }, 0);
    const { lossSum, correct } = lossAndCorrect(logits, [0, 2], 3, targets);
    expect(lossSum).toBeCloseTo(expected, 5);
    expect(correct).toBe(2);
    const tfLoss = crossEntropySum(tf.tensor2d(logits, [2, 3]), tf.tensor2d(targets, [2, 3]), null, 1).dataSync()[0]!;
    expect(tfLoss).toBeCloseTo(expected, 5);
    // hard labels: the same as one-hot targets
    expect(lossAndCorrect(logits, [0, 2], 3).lossSum).toBeCloseTo(lossAndCorrect(logits, [0, 2], 3, Float32Array.from([1, 0, 0, 0, 0, 1])).lossSum, 6);
  });
});
