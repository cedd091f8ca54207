import { describe, expect, it } from 'vitest';
import { biasAudit, percentile, type ActorConfusion } from '../../src/metrics/bias.ts';
import { confusionMatrix } from '../../src/metrics/classification.ts';

const labels = ['a', 'b'];
/** An actor with the given (true, pred) clips over 2 classes. */
function actor(id: number, gender: 'female' | 'male', clips: [number, number][]): ActorConfusion {
  return { actor: id, gender, confusion: confusionMatrix(clips.map((c) => c[0]), clips.map((c) => c[1]), 2) };
}

describe('percentile', () => {
  it('interpolates linearly between order statistics (numpy default)', () => {
    expect(percentile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(percentile([1, 2, 3, 4], 0.025)).toBeCloseTo(1.075, 12);
    expect(percentile([7], 0.975)).toBe(7);
  });
});

describe('gender-bias audit with an actor bootstrap', () => {
  // Female actor 2 gets everything right, female actor 4 everything wrong; both male
  // actors get one of two right. Female replicates: {2,2} -> 1, {2,4} -> 0.5, {4,4} -> 0
  // with probabilities 1/4, 1/2, 1/4; male replicates are always 0.5. So the difference
  // takes the values -0.5, 0, 0.5, and a 95 % interval from 4000 replicates is [-0.5, 0.5].
  const actors = [
    actor(2, 'female', [[0, 0], [1, 1]]),
    actor(4, 'female', [[0, 1], [1, 0]]),
    actor(1, 'male', [[0, 0], [1, 0]]),
    actor(3, 'male', [[0, 0], [1, 0]]),
  ];
  const audit = biasAudit(actors, { labels, nBoot: 4000, seed: 0 });

  it('point values by gender, difference female - male, ratio min/max', () => {
    const acc = audit.metrics.accuracy;
    expect(acc.female).toBe(0.5);
    expect(acc.male).toBe(0.5);
    expect(acc.diff).toBe(0);
    expect(acc.ratio).toBe(1);
    const recallA = audit.metrics.recall_a;
    expect(recallA.female).toBe(0.5);
    expect(recallA.male).toBe(1);
    expect(recallA.diff).toBe(-0.5);
    expect(recallA.ratio).toBe(0.5);
    // recall of b: female 1 of 2, male 0 of 2 -> ratio min/max = 0 (total disparity)
    expect(audit.metrics.recall_b).toMatchObject({ female: 0.5, male: 0, diff: 0.5, ratio: 0 });
  });

  it('percentile interval of the difference from the actor resamples', () => {
    const acc = audit.metrics.accuracy;
    expect(acc.ci).toEqual({ low: -0.5, high: 0.5 });
    expect(acc.male_ci).toEqual({ low: 0.5, high: 0.5 });
    expect(acc.n_valid).toBe(4000);
    expect(acc.significant).toBe(false);
    expect(audit.degenerate).toBe(false);
    expect(audit.actors).toEqual({ female: [2, 4], male: [1, 3] });
    expect(audit.clips).toEqual({ female: 4, male: 4 });
  });

  it('is deterministic for a seed and changes with it', () => {
    const again = biasAudit(actors, { labels, nBoot: 4000, seed: 0 });
    expect(again).toEqual(audit);
    // 12 actors with 20 clips each and accuracies 5 %, 10 %, ..., 60 %: many distinct replicate values.
    const many = [...Array(12)].map((_, i) =>
      actor(10 + i, i % 2 ? 'male' : 'female', Array.from({ length: 20 }, (_, j): [number, number] => [j % 2, j <= i ? j % 2 : 1 - (j % 2)])),
    );
    const s0 = biasAudit(many, { labels, nBoot: 200, seed: 0 }).metrics.accuracy.ci;
    const s1 = biasAudit(many, { labels, nBoot: 200, seed: 1 }).metrics.accuracy.ci;
    expect(s0).not.toEqual(s1);
  });

  it('flags a gap whose interval excludes 0, not one whose interval contains it', () => {
    // 6 female actors at 90-100 % and 6 male actors at 40-60 % accuracy on 10 clips each.
    const clips = (right: number): [number, number][] => Array.from({ length: 10 }, (_, i) => [i % 2, i < right ? i % 2 : 1 - (i % 2)]);
    const list = [
      ...[9, 10, 9, 10, 9, 10].map((r, i) => actor(2 * i + 2, 'female', clips(r))),
      ...[4, 6, 5, 4, 6, 5].map((r, i) => actor(2 * i + 1, 'male', clips(r))),
    ];
    const gap = biasAudit(list, { labels, nBoot: 1000, seed: 3 }).metrics.accuracy;
    expect(gap.diff).toBeCloseTo(0.95 - 0.5, 12);
    expect(gap.ci!.low).toBeGreaterThan(0);
    expect(gap.ci!.low).toBeLessThanOrEqual(gap.diff!);
    expect(gap.ci!.high).toBeGreaterThanOrEqual(gap.diff!);
    expect(gap.significant).toBe(true);
    expect(audit.metrics.accuracy.significant).toBe(false);
  });

  it('a gender with one actor gives a degenerate audit that flags nothing', () => {
    const list = [
      actor(2, 'female', [[0, 0], [1, 1], [0, 0], [1, 1]]),
      actor(4, 'female', [[0, 0], [1, 1], [0, 0], [1, 0]]),
      actor(1, 'male', [[0, 1], [1, 0], [0, 1], [1, 0]]),
    ];
    const a = biasAudit(list, { labels, nBoot: 500, seed: 0 });
    expect(a.degenerate).toBe(true);
    expect(a.degenerate_reason).toMatch(/only one male actor \(1\)/);
    const acc = a.metrics.accuracy;
    expect(acc.diff).toBeCloseTo(0.875, 12);
    expect(acc.male_ci).toEqual({ low: 0, high: 0 }); // the single actor is redrawn every time
    expect(acc.ci!.low).toBeGreaterThan(0); // the interval alone would exclude 0 ...
    expect(acc.significant).toBe(false); // ... but a degenerate audit flags nothing
  });

  it('a gender with no actor gives null values and intervals', () => {
    const a = biasAudit([actor(2, 'female', [[0, 0]])], { labels, nBoot: 10, seed: 0 });
    expect(a.degenerate_reason).toMatch(/no male actor/);
    expect(a.metrics.accuracy).toMatchObject({ female: 1, male: null, diff: null, ratio: null, ci: null, n_valid: 0, significant: false });
  });

  it('skips replicates where a class has no clips in a gender', () => {
    // No female clip of class b: recall_b is undefined for women in every replicate.
    const list = [actor(2, 'female', [[0, 0]]), actor(4, 'female', [[0, 1]]), actor(1, 'male', [[1, 1]]), actor(3, 'male', [[1, 0]])];
    const a = biasAudit(list, { labels, nBoot: 50, seed: 0 });
    expect(a.metrics.recall_b).toMatchObject({ female: null, male: 0.5, diff: null, ci: null, n_valid: 0 });
    expect(a.metrics.accuracy.n_valid).toBe(50);
  });

  it('rejects bad options and genders', () => {
    expect(() => biasAudit(actors, { labels, nBoot: 0, seed: 0 })).toThrow(/evaluate.bootstrap must be a positive integer/);
    expect(() => biasAudit([{ actor: 1, gender: 'x' as 'male', confusion: [[1, 0], [0, 0]] }], { labels, nBoot: 1, seed: 0 })).toThrow(/actor 1 has gender "x"/);
  });
});
