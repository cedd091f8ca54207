import { describe, expect, it } from 'vitest';
import { calibration } from '../../src/metrics/calibration.ts';

describe('calibration (hand-computed)', () => {
  // conf 0.9 right, 0.8 wrong, 0.7 right, 0.5 wrong (a tie predicted as class 0)
  const probs = [
    [0.9, 0.1],
    [0.8, 0.2],
    [0.3, 0.7],
    [0.5, 0.5],
  ];
  const yTrue = [0, 1, 1, 1];
  const yPred = [0, 0, 1, 0];
  const c = calibration(probs, yTrue, yPred, 4);

  it('bins by confidence with half-open bins [lo, hi)', () => {
    expect(c.bins.map((b) => b.n)).toEqual([0, 0, 2, 2]);
    expect(c.bins[2].confidence).toBeCloseTo(0.6, 12);
    expect(c.bins[2].accuracy).toBe(0.5);
    expect(c.bins[3].confidence).toBeCloseTo(0.85, 12);
    expect(c.bins[0]).toEqual({ lo: 0, hi: 0.25, n: 0, confidence: null, accuracy: null });
  });

  it('ECE, MCE, Brier and NLL', () => {
    expect(c.ece).toBeCloseTo(0.5 * 0.35 + 0.5 * 0.1, 12);
    expect(c.mce).toBeCloseTo(0.35, 12);
    expect(c.brier).toBeCloseTo((0.02 + 1.28 + 0.18 + 0.5) / 4, 12);
    expect(c.nll).toBeCloseTo(-(Math.log(0.9) + Math.log(0.2) + Math.log(0.7) + Math.log(0.5)) / 4, 12);
  });

  it('puts a confidence of exactly 1 in the last bin and clamps log(0)', () => {
    const r = calibration([[1, 0]], [1], [0], 4);
    expect(r.bins[3].n).toBe(1);
    expect(r.ece).toBe(1);
    expect(r.nll).toBeCloseTo(-Math.log(1e-12), 9);
  });

  it('a perfectly calibrated set has ECE 0', () => {
    // Five clips at confidence 0.8, four of them right.
    const p = Array.from({ length: 5 }, () => [0.8, 0.2]);
    expect(calibration(p, [0, 0, 0, 0, 1], [0, 0, 0, 0, 0], 10).ece).toBeCloseTo(0, 12);
  });

  it('empty input gives nulls; invalid probabilities are an error', () => {
    expect(calibration([], [], [], 5)).toMatchObject({ ece: null, brier: null, nll: null });
    expect(() => calibration([[Number.NaN, 1]], [0], [0], 5)).toThrow(/clip 0 has probability NaN/);
    expect(() => calibration([[1]], [0], [0], 0)).toThrow(/positive integer/);
  });
});
