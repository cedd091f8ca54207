import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/metrics/rng.ts';

describe('seeded rng', () => {
  it('same seed, same stream; different seeds, different streams', () => {
    const a = createRng(0), b = createRng(0), c = createRng(1);
    const sa = Array.from({ length: 20 }, () => a.next());
    expect(Array.from({ length: 20 }, () => b.next())).toEqual(sa);
    expect(Array.from({ length: 20 }, () => c.next())).not.toEqual(sa);
  });

  it('int(n) is uniform on [0, n) (chi-square, 6 cells)', () => {
    const r = createRng(42);
    const counts = new Array(6).fill(0);
    const N = 60000;
    for (let i = 0; i < N; i++) counts[r.int(6)]++;
    const chi2 = counts.reduce((s, c) => s + (c - N / 6) ** 2 / (N / 6), 0);
    expect(chi2).toBeLessThan(20.5); // p = 0.001 for 5 degrees of freedom
  });

  it('rejects bad arguments', () => {
    expect(() => createRng(Number.NaN)).toThrow(/finite/);
    expect(() => createRng(0).int(0)).toThrow(/positive integer/);
  });
});
