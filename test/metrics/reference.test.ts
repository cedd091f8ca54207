// Our definitions reproduce the reference implementation's numbers (scikit-learn 1.2)
// from its own confusion matrices (copied from ../shared/reference/anchor_results.json).
import { describe, expect, it } from 'vitest';
import { classStats, summarize } from '../../src/metrics/classification.ts';
import { meanStd } from '../../src/metrics/compute.ts';

const P2_POOLED = [[26, 27, 8, 19, 1, 1, 0, 14], [10, 124, 8, 34, 1, 5, 3, 7], [6, 5, 66, 26, 21, 28, 11, 29], [8, 55, 25, 61, 5, 17, 9, 12], [1, 4, 8, 9, 112, 10, 19, 29], [3, 8, 26, 22, 17, 76, 13, 27], [1, 13, 14, 21, 15, 5, 111, 12], [6, 6, 31, 22, 8, 22, 19, 78]];
const P1_TEST = [[4, 1, 2, 1, 0, 1, 0, 1], [2, 15, 1, 2, 0, 0, 0, 0], [0, 0, 11, 2, 0, 2, 0, 4], [1, 2, 2, 10, 0, 3, 1, 0], [0, 0, 0, 0, 14, 1, 2, 2], [0, 0, 1, 2, 0, 14, 1, 1], [1, 0, 1, 1, 5, 0, 10, 1], [1, 1, 2, 0, 2, 1, 3, 9]];

describe('reference numbers from the reference confusion matrices', () => {
  it('P2 pooled: accuracy, macro-F1, UAR and per-class F1', () => {
    const s = summarize(P2_POOLED);
    expect(s.n).toBe(1440);
    expect(s.accuracy).toBeCloseTo(0.45416666666666666, 12);
    expect(s.macro_f1).toBeCloseTo(0.44503924609625306, 12);
    expect(s.uar).toBeCloseTo(0.44270833333333337, 12);
    const f1 = classStats(P2_POOLED).map((c) => c.f1);
    [0.33121019108280253, 0.5714285714285714, 0.3492063492063492, 0.3004926108374384, 0.6021505376344085, 0.42696629213483145, 0.5888594164456232, 0.39].forEach((v, i) =>
      expect(f1[i]).toBeCloseTo(v, 12),
    );
  });

  it('P1 test split', () => {
    const s = summarize(P1_TEST);
    expect(s.accuracy).toBeCloseTo(0.6041666666666666, 12);
    expect(s.macro_f1).toBeCloseTo(0.5899869220953945, 12);
    expect(s.uar).toBeCloseTo(0.5911184210526316, 12);
  });

  it('fold spread is the population std, as the reference reports "std"', () => {
    const r = meanStd([0.44583333333333336, 0.5, 0.4166666666666667, 0.4625, 0.44166666666666665, 0.4583333333333333]);
    expect(r.mean).toBeCloseTo(0.45416666666666666, 12);
    expect(r.std).toBeCloseTo(0.025230419617479093, 12);
  });
});
