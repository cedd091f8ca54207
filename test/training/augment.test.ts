// Augmentation of training batches: each transform does what it says, draws depend only
// on (seed, epoch, sample index) — so a batch augmented whole or in shards is identical —
// and mixup's soft targets and the noise SNR are right.
import { describe, expect, it } from 'vitest';
import { DEFAULT_FEATURE_PARAMS } from '../../src/features/params.ts';
import {
  addNoise, augmentEnabled, betaSymmetric, createAugmenter, gamma, makeAugmentConfig, specAugment, timeShift, whiteNoiseBands,
} from '../../src/training/augment.ts';
import { DEFAULT_TRAIN_PARAMS, parseTrainParams, type AugmentParams } from '../../src/training/params.ts';
import { createRng } from '../../src/util/rng.ts';

const H = 64;
const W = 188;
const SIZE = H * W;

function dataset(n: number) {
  const rng = createRng(9, 'augment-test');
  const x = Float32Array.from({ length: n * SIZE }, () => rng.float() * 2 - 1);
  const y = Int32Array.from({ length: n }, (_, i) => i % 8);
  return { x, y };
}

// Normalization of a log-Mel with mean −50 dB and std 10 dB in every band.
const NORM = { mean: new Array(H).fill(-50), std: new Array(H).fill(10), eps: 1e-8 };

function augmenter(augment: Record<string, unknown>, train = dataset(20), seed = 0) {
  const p = parseTrainParams({ augment }).augment;
  const config = makeAugmentConfig(p, NORM, DEFAULT_FEATURE_PARAMS, 16000);
  return { fn: createAugmenter(config, { seed, train, inputShape: [H, W], numClasses: 8 }), train, p };
}

function batchOf(train: { x: Float32Array }, indices: number[]): Float32Array {
  const out = new Float32Array(indices.length * SIZE);
  indices.forEach((k, i) => out.set(train.x.subarray(k * SIZE, (k + 1) * SIZE), i * SIZE));
  return out;
}

describe('augmentation params', () => {
  it('is off by default, and each augmentation switches it on', () => {
    expect(augmentEnabled(DEFAULT_TRAIN_PARAMS.augment)).toBe(false);
    for (const a of [
      { specaugment: { freq_masks: 1 } }, { specaugment: { time_masks: 2 } }, { time_shift: { max_frames: 3 } },
      { mixup: { alpha: 0.2 } }, { noise: { snr_db: 20 } },
    ]) expect(augmentEnabled(parseTrainParams({ augment: a }).augment), JSON.stringify(a)).toBe(true);
    // masks of width 0 do nothing
    expect(augmentEnabled(parseTrainParams({ augment: { specaugment: { freq_masks: 2, freq_width: 0 } } }).augment)).toBe(false);
  });
});

describe('single-sample transforms', () => {
  it('SpecAugment zeroes whole bands and whole frames within the widths', () => {
    const x = new Float32Array(SIZE).fill(1);
    const p: AugmentParams['specaugment'] = { freq_masks: 2, freq_width: 8, time_masks: 2, time_width: 20 };
    specAugment(x, H, W, p, createRng(1, 'sa'));
    const zeroRows = Array.from({ length: H }, (_, m) => x.subarray(m * W, (m + 1) * W).every((v) => v === 0)).filter(Boolean).length;
    const zeroCols = Array.from({ length: W }, (_, t) => Array.from({ length: H }, (_, m) => x[m * W + t]).every((v) => v === 0)).filter(Boolean).length;
    expect(zeroRows).toBeLessThanOrEqual(16);
    expect(zeroCols).toBeLessThanOrEqual(40);
    // every zero is in a masked row or column
    for (let m = 0; m < H; m++) for (let t = 0; t < W; t++) {
      if (x[m * W + t] === 0) {
        const rowMasked = x.subarray(m * W, (m + 1) * W).every((v) => v === 0);
        const colMasked = Array.from({ length: H }, (_, mm) => x[mm * W + t]).every((v) => v === 0);
        expect(rowMasked || colMasked).toBe(true);
      }
    }
    // over many draws, masks of every width up to the maximum occur, never wider
    let widest = 0;
    for (let s = 0; s < 200; s++) {
      const y = new Float32Array(SIZE).fill(1);
      specAugment(y, H, W, { freq_masks: 1, freq_width: 8, time_masks: 0, time_width: 0 }, createRng(s, 'sa'));
      widest = Math.max(widest, Array.from({ length: H }, (_, m) => y[m * W] === 0).filter(Boolean).length);
    }
    expect(widest).toBe(8);
  });

  it('time shift rolls circularly or pads with the given floor', () => {
    const x = Float32Array.from({ length: 2 * 5 }, (_, i) => i); // 2 bands × 5 frames
    const c = x.slice();
    timeShift(c, 2, 5, 2, null);
    expect(Array.from(c)).toEqual([3, 4, 0, 1, 2, 8, 9, 5, 6, 7]);
    const p = x.slice();
    timeShift(p, 2, 5, -2, [-1, -2]);
    expect(Array.from(p)).toEqual([2, 3, 4, -1, -1, 7, 8, 9, -2, -2]);
  });

  it('noise: the added power matches the SNR (mel-power domain), and high SNR changes little', () => {
    const bands = whiteNoiseBands(DEFAULT_FEATURE_PARAMS, 16000);
    expect(bands.relPower.reduce((a, b) => a + b, 0) / H).toBeCloseTo(1, 10);
    expect(Math.min(...bands.shape)).toBeGreaterThanOrEqual(1);
    // Slaney-normalized filters: wide high bands average more bins than the narrow low ones
    expect(bands.shape[H - 1]!).toBeGreaterThan(bands.shape[0]!);
    const rng = createRng(2, 'signal');
    const x = Float32Array.from({ length: SIZE }, () => (rng.float() * 40 - 20) / 10); // −70..−30 dB
    const power = (v: Float32Array) => Array.from(v).reduce((s, z) => s + 10 ** ((z * 10 - 50) / 10), 0);
    for (const snr of [0, 10, 20]) {
      const y = x.slice();
      addNoise(y, H, W, snr, NORM, null, bands, createRng(snr, 'noise'));
      const added = power(y) - power(x);
      expect(10 * Math.log10(power(x) / added)).toBeCloseTo(snr, 0);
      for (let i = 0; i < SIZE; i++) expect(y[i]!).toBeGreaterThanOrEqual(x[i]! - 1e-5); // power only grows
    }
    const y = x.slice();
    addNoise(y, H, W, 60, NORM, null, bands, createRng(1, 'noise'));
    let maxDb = 0;
    for (let i = 0; i < SIZE; i++) maxDb = Math.max(maxDb, (y[i]! - x[i]!) * 10);
    expect(maxDb).toBeLessThan(0.5);
  });

  it('noise re-applies the top_db clamp', () => {
    const x = new Float32Array(SIZE).fill(-5); // −100 dB everywhere…
    x[0] = 5; // …except one 0 dB bin
    addNoise(x, H, W, 30, NORM, 80, whiteNoiseBands(DEFAULT_FEATURE_PARAMS, 16000), createRng(0, 'n'));
    const db = Array.from(x, (v) => v * 10 - 50);
    expect(Math.min(...db)).toBeGreaterThanOrEqual(Math.max(...db) - 80 - 1e-3);
  });

  it('gamma and beta variates have the right moments', () => {
    const rng = createRng(5, 'moments');
    for (const k of [0.4, 1, 3.5]) {
      const v = Array.from({ length: 20000 }, () => gamma(rng, k));
      const mean = v.reduce((a, b) => a + b, 0) / v.length;
      const variance = v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length;
      expect(mean).toBeCloseTo(k, 1);
      expect(variance / k).toBeGreaterThan(0.9);
      expect(variance / k).toBeLessThan(1.1);
    }
    const b = Array.from({ length: 20000 }, () => betaSymmetric(rng, 0.4));
    const mean = b.reduce((a, c) => a + c, 0) / b.length;
    const variance = b.reduce((a, c) => a + (c - mean) ** 2, 0) / b.length;
    expect(mean).toBeCloseTo(0.5, 1);
    expect(variance).toBeCloseTo(1 / (4 * 1.8), 2); // a² / ((2a)² (2a + 1))
  });
});

describe('the batch augmenter', () => {
  const ALL = {
    specaugment: { freq_masks: 2, freq_width: 8, time_masks: 2, time_width: 20 },
    time_shift: { max_frames: 20, mode: 'circular' },
    mixup: { alpha: 0.4 },
    noise: { snr_db: [10, 30] },
  };

  it('gives each sample the same augmentation whole or sharded, and new draws each epoch', () => {
    const { fn, train } = augmenter(ALL);
    const idx = [3, 7, 11, 0];
    const whole = batchOf(train, idx);
    const softWhole = fn(whole, Int32Array.from(idx), 4) as Float32Array;
    const a = batchOf(train, [3, 7]);
    const b = batchOf(train, [11, 0]);
    const softA = fn(a, Int32Array.from([3, 7]), 4) as Float32Array;
    const softB = fn(b, Int32Array.from([11, 0]), 4) as Float32Array;
    expect(Array.from(whole)).toEqual([...a, ...b]);
    expect(Array.from(softWhole)).toEqual([...softA, ...softB]);
    const again = batchOf(train, idx);
    fn(again, Int32Array.from(idx), 5);
    expect(Array.from(again)).not.toEqual(Array.from(whole));
    // the dataset itself is untouched
    expect(Array.from(train.x.subarray(0, 5))).toEqual(Array.from(dataset(20).x.subarray(0, 5)));
  });

  it('mixup: convex combination with a training partner, soft targets summing to 1 with the own label dominant', () => {
    const { fn, train } = augmenter({ mixup: { alpha: 1 } });
    const idx = Array.from({ length: 20 }, (_, i) => i);
    const batch = batchOf(train, idx);
    const soft = fn(batch, Int32Array.from(idx), 1) as Float32Array;
    expect(soft).toBeInstanceOf(Float32Array);
    let mixedSomething = false;
    idx.forEach((k, s) => {
      const t = soft.subarray(s * 8, (s + 1) * 8);
      expect(t.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
      const own = train.y[k]!;
      expect(t[own]!).toBeGreaterThanOrEqual(0.5 - 1e-6);
      // find λ and the partner: x = λ x_k + (1 − λ) x_j for some training sample j
      const x = batch.subarray(s * SIZE, (s + 1) * SIZE);
      const xk = train.x.subarray(k * SIZE, (k + 1) * SIZE);
      const found = idx.some((j) => {
        const xj = train.x.subarray(j * SIZE, (j + 1) * SIZE);
        const lam = j === k ? 1 : (x[0]! - xj[0]!) / (xk[0]! - xj[0]!);
        if (!(lam >= 0.5 - 1e-4 && lam <= 1 + 1e-4)) return false;
        for (let i = 0; i < SIZE; i += 97) if (Math.abs(lam * xk[i]! + (1 - lam) * xj[i]! - x[i]!) > 1e-4) return false;
        if (j !== k && lam < 0.999) mixedSomething = true;
        return true;
      });
      expect(found, `sample ${k} is a mix of two training samples`).toBe(true);
    });
    expect(mixedSomething).toBe(true);
  });

  it('returns no targets (one-hot labels stay) without mixup, and leaves the batch alone when all is off', () => {
    const { fn, train } = augmenter({ time_shift: { max_frames: 5 } });
    const batch = batchOf(train, [1, 2]);
    expect(fn(batch, Int32Array.from([1, 2]), 1)).toBeUndefined();
    const off = augmenter({});
    const b = batchOf(off.train, [1, 2]);
    off.fn(b, Int32Array.from([1, 2]), 1);
    expect(Array.from(b)).toEqual(Array.from(batchOf(off.train, [1, 2])));
  });
});
