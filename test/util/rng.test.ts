import { describe, expect, it } from 'vitest';
import { createRng, rngFromState } from '../../src/util/rng.ts';

describe('seeded rng (xoshiro128**)', () => {
  it('produces the published xoshiro128** sequence from state (1,2,3,4)', () => {
    const r = rngFromState([1, 2, 3, 4]);
    expect([r.nextUint32(), r.nextUint32(), r.nextUint32(), r.nextUint32()]).toEqual([11520, 0, 5927040, 70819200]);
  });

  it('same seed and stream → same numbers; different seed or stream → different', () => {
    const draw = (seed: number, stream?: string) => {
      const r = createRng(seed, stream);
      return Array.from({ length: 8 }, () => r.nextUint32());
    };
    expect(draw(0)).toEqual(draw(0));
    expect(draw(0, 'a')).toEqual(draw(0, 'a'));
    expect(draw(0)).not.toEqual(draw(1));
    expect(draw(0, 'a')).not.toEqual(draw(0, 'b'));
  });

  it('int(n) is uniform and in range; float() in [0, 1)', () => {
    const r = createRng(42, 'uniformity');
    const counts = new Array(7).fill(0);
    for (let i = 0; i < 70000; i++) counts[r.int(7)]++;
    for (const c of counts) expect(Math.abs(c - 10000)).toBeLessThan(500); // > 5 sigma
    let lo = 1;
    let hi = 0;
    for (let i = 0; i < 10000; i++) {
      const f = r.float();
      lo = Math.min(lo, f);
      hi = Math.max(hi, f);
    }
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThan(1);
    expect(() => r.int(0)).toThrow(/integer/);
  });

  it('shuffle is a seeded permutation', () => {
    const a = createRng(3).shuffle(Array.from({ length: 50 }, (_, i) => i));
    const b = createRng(3).shuffle(Array.from({ length: 50 }, (_, i) => i));
    expect(a).toEqual(b);
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(a).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
  });
});
