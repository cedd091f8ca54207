// The significance tests of `ser exp diff`, against values computed by hand.
import { describe, expect, it } from 'vitest';
import { actorBootstrap, mcnemar, mcnemarP, type PairedClip } from '../../src/experiments/stats.ts';

describe("McNemar's test (exact and mid-p)", () => {
  // X ~ Binomial(b + c, 1/2), k = min(b, c): exact = 2·P(X ≤ k), mid-p = 2·P(X ≤ k) − P(X = k).
  it.each([
    // only A right, only B right, exact p, mid-p
    [1, 9, (2 * (1 + 10)) / 1024, (2 * (1 + 10) - 10) / 1024],
    [0, 5, 2 / 32, 1 / 32],
    [8, 2, (2 * (1 + 10 + 45)) / 1024, (2 * (1 + 10 + 45) - 45) / 1024],
    [3, 3, 1, 1],
    [0, 0, 1, 1],
    [0, 1, 1, 0.5],
  ])('only_a=%i, only_b=%i → exact %f, mid-p %f', (a, b, exact, mid) => {
    const p = mcnemarP(a, b);
    expect(p.p_exact).toBeCloseTo(exact, 12);
    expect(p.p_mid).toBeCloseTo(mid, 12);
  });

  it('stays accurate for many discordant pairs (log-space binomial): symmetric in a/b, p ≤ 1, mid-p < exact', () => {
    const p = mcnemarP(400, 480);
    expect(p).toEqual(mcnemarP(480, 400));
    expect(p.p_exact).toBeGreaterThan(0.005);
    expect(p.p_exact).toBeLessThan(0.01); // normal approximation with continuity correction: z = 79/√880 = 2.663 → p ≈ 0.0077
    expect(p.p_mid).toBeLessThan(p.p_exact);
    expect(mcnemarP(700, 700).p_exact).toBe(1);
    expect(mcnemarP(0, 1200).p_exact).toBeGreaterThanOrEqual(0); // underflows to 0, never NaN
    expect(Number.isNaN(mcnemarP(0, 1200).p_mid)).toBe(false);
  });

  it('counts the 2×2 table from paired clips and decides on mid-p', () => {
    const clips: PairedClip[] = [];
    const add = (a: boolean, b: boolean, n: number) => {
      for (let i = 0; i < n; i++) clips.push({ id: `${a}${b}${i}`, actor: 1 + (i % 4), gender: i % 2 ? 'male' : 'female', a, b });
    };
    add(true, true, 50);
    add(false, false, 20);
    add(true, false, 1);
    add(false, true, 9);
    const r = mcnemar(clips);
    expect(r).toMatchObject({ n: 80, both_correct: 50, both_wrong: 20, only_a: 1, only_b: 9, alpha: 0.05, significant: true });
    expect(r.p_mid).toBeCloseTo(12 / 1024, 12);
    expect(mcnemar(clips, 0.01).significant).toBe(false);
  });

  it('rejects counts that are not non-negative integers', () => {
    expect(() => mcnemarP(-1, 2)).toThrow(/onlyA must be a non-negative integer/);
    expect(() => mcnemarP(1, 2.5)).toThrow(/onlyB/);
  });
});

/** `n` clips per actor, of which `diff` more are right in B than in A. */
function actorClips(actor: number, n: number, diff: number): PairedClip[] {
  const gender = actor % 2 ? 'male' : 'female';
  return Array.from({ length: n }, (_, i) => ({ id: `${actor}-${i}`, actor, gender, a: diff < 0 && i < -diff, b: diff > 0 && i < diff }));
}

describe('paired bootstrap over actors', () => {
  const o = { nBoot: 500, seed: 0, confidence: 0.95 };

  it('when every actor changes by the same share, every replicate equals the observed delta', () => {
    const clips = [1, 2, 3, 4].flatMap((a) => actorClips(a, 10, 2));
    const r = actorBootstrap(clips, o);
    expect(r.delta).toBeCloseTo(0.2, 12);
    expect(r.ci_low).toBeCloseTo(0.2, 12);
    expect(r.ci_high).toBeCloseTo(0.2, 12);
    expect(r).toMatchObject({ significant: true, degenerate: false, actors: { female: [2, 4], male: [1, 3] } });
  });

  it('resamples actors within each gender: the gender mix of a replicate never changes', () => {
    // Females all +10 of 10 clips, males all 0: with gender-stratified draws every
    // replicate has 2 female + 2 male actors → delta 20/40 exactly. Unstratified draws
    // would vary between 0 and 1.
    const clips = [...actorClips(2, 10, 10), ...actorClips(4, 10, 10), ...actorClips(1, 10, 0), ...actorClips(3, 10, 0)];
    const r = actorBootstrap(clips, o);
    expect([r.delta, r.ci_low, r.ci_high]).toEqual([0.5, 0.5, 0.5]);
  });

  it('is deterministic for a seed, independent of clip order, and changes with the seed', () => {
    const clips = [1, 2, 3, 4, 5, 6, 7, 8].flatMap((a) => actorClips(a, 12, (a * 5) % 7 - 3));
    const r1 = actorBootstrap(clips, o);
    const r2 = actorBootstrap([...clips].reverse(), o);
    expect(r2).toEqual(r1);
    const r3 = actorBootstrap(clips, { ...o, seed: 1 });
    expect([r3.ci_low, r3.ci_high]).not.toEqual([r1.ci_low, r1.ci_high]);
    expect(r1.ci_low).toBeLessThanOrEqual(r1.delta);
    expect(r1.ci_high).toBeGreaterThanOrEqual(r1.delta);
    expect(r1.delta).toBeCloseTo(clips.filter((c) => c.b).length / clips.length - clips.filter((c) => c.a).length / clips.length, 12);
  });

  it('a gender with a single actor makes the interval degenerate: never significant', () => {
    const r = actorBootstrap([...actorClips(1, 10, 5), ...actorClips(2, 10, 5)], o);
    expect(r.degenerate).toBe(true);
    expect(r.significant).toBe(false);
  });

  it('checks its options and data', () => {
    expect(() => actorBootstrap([], o)).toThrow(/no test clips/);
    expect(() => actorBootstrap(actorClips(1, 2, 1), { ...o, nBoot: 0 })).toThrow(/positive integer/);
    expect(() => actorBootstrap(actorClips(1, 2, 1), { ...o, confidence: 1 })).toThrow(/confidence/);
    const bad = [...actorClips(1, 2, 1), { id: 'x', actor: 1, gender: 'female' as const, a: true, b: true }];
    expect(() => actorBootstrap(bad, o)).toThrow(/actor 1 appears as both male and female/);
  });
});
