import { describe, expect, it } from 'vitest';
import { argmax, classStats, confusionMatrix, rowNormalize, summarize, zeroMatrix } from '../../src/metrics/classification.ts';

describe('confusion matrix and per-class statistics (hand-computed)', () => {
  // truth 0 0 0 1 1 2 / predicted 0 0 1 1 1 1: class 2 is never predicted.
  const m = confusionMatrix([0, 0, 0, 1, 1, 2], [0, 0, 1, 1, 1, 1], 3);

  it('counts rows = truth, columns = prediction', () => {
    expect(m).toEqual([
      [2, 1, 0],
      [0, 2, 0],
      [0, 1, 0],
    ]);
  });

  it('gives precision 0 with a flag for a class with no predictions', () => {
    const s = classStats(m);
    expect(s[0]).toMatchObject({ precision: 1, support: 3, predicted: 2, no_predictions: false, no_support: false });
    expect(s[0].recall).toBeCloseTo(2 / 3, 12);
    expect(s[0].f1).toBeCloseTo(0.8, 12);
    expect(s[1]).toMatchObject({ precision: 0.5, recall: 1, support: 2, predicted: 4 });
    expect(s[1].f1).toBeCloseTo(2 / 3, 12);
    expect(s[2]).toEqual({ precision: 0, recall: 0, f1: 0, support: 1, predicted: 0, no_predictions: true, no_support: false });
  });

  it('accuracy, macro-F1 and UAR match sklearn on the same labels', () => {
    const s = summarize(m);
    expect(s.n).toBe(6);
    expect(s.accuracy).toBeCloseTo(4 / 6, 12);
    // sklearn f1_score(average='macro') = (0.8 + 2/3 + 0) / 3; balanced_accuracy = (2/3 + 1 + 0) / 3
    expect(s.macro_f1).toBeCloseTo((0.8 + 2 / 3) / 3, 12);
    expect(s.uar).toBeCloseTo((2 / 3 + 1) / 3, 12);
  });

  it('a class with no support but predictions counts in macro-F1 (as 0) and not in UAR', () => {
    // 4 labels: class 2 predicted once but absent from the truth; class 3 absent from both.
    const m2 = confusionMatrix([0, 0, 1, 1], [0, 2, 1, 1], 4);
    const s = classStats(m2);
    expect(s[2]).toMatchObject({ precision: 0, recall: 0, f1: 0, support: 0, predicted: 1, no_support: true, no_predictions: false });
    expect(s[3]).toMatchObject({ support: 0, predicted: 0, no_support: true, no_predictions: true });
    const sum = summarize(m2);
    expect(sum.accuracy).toBeCloseTo(0.75, 12);
    expect(sum.macro_f1).toBeCloseTo((2 / 3 + 1 + 0) / 3, 12); // class 3 not counted
    expect(sum.uar).toBeCloseTo((0.5 + 1) / 2, 12);
  });

  it('row-normalizes, leaving an empty row at 0', () => {
    const n = rowNormalize([
      [1, 3],
      [0, 0],
    ]);
    expect(n).toEqual([
      [0.25, 0.75],
      [0, 0],
    ]);
  });

  it('an empty matrix has null metrics, not NaN', () => {
    expect(summarize(zeroMatrix(3))).toEqual({ n: 0, accuracy: null, macro_f1: null, uar: null });
  });

  it('rejects labels outside the class range, naming the row', () => {
    expect(() => confusionMatrix([0, 3], [0, 0], 3)).toThrow(/true label 3 at row 1/);
    expect(() => confusionMatrix([0, 1], [0, -1], 3)).toThrow(/predicted label -1 at row 1/);
    expect(() => confusionMatrix([0], [0, 1], 3)).toThrow(/1 true labels but 2 predictions/);
  });

  it('argmax breaks ties toward the lowest index', () => {
    expect(argmax([0.4, 0.4, 0.2])).toBe(0);
    expect(argmax([0.1, 0.45, 0.45])).toBe(1);
    expect(argmax(new Float32Array([0, 0, 1]))).toBe(2);
  });
});
