// The equiripple (Parks–McClellan) low-pass designer behind the resampler's integer
// decimation filters: the defining equiripple property, the spec it is asked for, and
// the designs the resampler picks.
import { freshTables, TABULATED } from '../../src/audio/build-equiripple-tables.ts';
import { EQUIRIPPLE_TABLES } from '../../src/audio/equiripple-tables.ts';
import { describe, expect, it } from 'vitest';
import { firMagnitude, remezLowpass } from '../../src/audio/remez.ts';
import { bandEdges, resampleDesign } from '../../src/audio/resample.ts';

/** Local extrema of |H| − target over a band, on a fine grid. */
function bandExtrema(h: Float64Array, lo: number, hi: number, target: number, points = 4000): number[] {
  const e = Array.from({ length: points + 1 }, (_, i) => firMagnitude(h, lo + ((hi - lo) * i) / points) - target);
  const out: number[] = [];
  for (let i = 0; i <= points; i++) {
    const prev = i > 0 ? Math.abs(e[i - 1]) : -1;
    const next = i < points ? Math.abs(e[i + 1]) : -1;
    if (Math.abs(e[i]) >= prev && Math.abs(e[i]) >= next) out.push(Math.abs(e[i]));
  }
  return out;
}

describe('remezLowpass', () => {
  const spec = { numTaps: 223, pass: 0.15, stop: 1 / 6, stopWeight: 60 };
  const d = remezLowpass(spec);

  it('is symmetric (linear phase) with the requested length', () => {
    expect(d.h.length).toBe(223);
    for (let n = 0; n < 111; n++) expect(d.h[n]).toBe(d.h[222 - n]);
  });

  it('is equiripple: every passband extremum is δ, every stopband extremum δ / weight', () => {
    const pass = bandExtrema(d.h, 0, spec.pass, 1);
    const stop = bandExtrema(d.h, spec.stop, 0.5, 0);
    expect(pass.length).toBeGreaterThan(20);
    expect(stop.length).toBeGreaterThan(60);
    // (the exchange runs on a grid of 16 points per ripple, so between grid points an
    // extremum may exceed δ slightly)
    for (const e of pass) expect(e).toBeLessThanOrEqual(d.delta * 1.05);
    for (const e of stop) expect(e).toBeLessThanOrEqual((d.delta / spec.stopWeight) * 1.05);
    // the ripples reach δ (not just stay under it): most extrema are within 2 % of it
    expect(pass.filter((e) => e > d.delta * 0.98).length).toBeGreaterThan(pass.length * 0.7);
    // scipy.signal.remez(223, [0, 7200, 8000, 24000], [1, 0], weight=[1, 60], fs=48000)
    // gives δ = 3.28e-3 (coefficients within 6e-6 of ours, measured when this was written)
    expect(d.delta).toBeCloseTo(3.28e-3, 4);
  });

  it('is deterministic and refuses impossible specs', () => {
    expect(remezLowpass(spec).h).toEqual(d.h);
    expect(() => remezLowpass({ ...spec, numTaps: 224 })).toThrow(/odd integer/);
    expect(() => remezLowpass({ ...spec, pass: 0.2 })).toThrow(/0 < pass < stop < 0.5/);
  });
});

describe('resampler designs', () => {
  it('integer decimation uses the shortest equiripple filter meeting the bars; other ratios Kaiser', () => {
    const d48 = resampleDesign(48000, 16000);
    expect(d48).toMatchObject({ window: 'equiripple', up: 1, down: 3, rows: 1, taps: 224, mode: 'exact' });
    expect(d48.table[223]).toBe(0); // odd-length filter + one zero tap = whole SIMD blocks
    expect(resampleDesign(96000, 16000)).toMatchObject({ window: 'equiripple', taps: 448 });
    expect(resampleDesign(44100, 16000)).toMatchObject({ window: 'kaiser', taps: 304 });
    // the same bars for 336 Kaiser taps before: the kernel's work is ∝ taps
    const h = Float64Array.from(d48.table.subarray(0, 223));
    let pmax = 0, pmin = Infinity, smax = 0;
    for (let i = 0; i <= 3000; i++) {
      const f = (0.5 * i) / 3000;
      const m = firMagnitude(h, f);
      if (f * 48000 <= 7200) [pmax, pmin] = [Math.max(pmax, m), Math.min(pmin, m)];
      if (f * 48000 >= 8000) smax = Math.max(smax, m);
    }
    expect(20 * Math.log10(pmax / pmin)).toBeLessThanOrEqual(0.07);
    expect(20 * Math.log10(smax)).toBeLessThanOrEqual(-85);
  });
});

describe('tabulated equiripple decimators (src/audio/equiripple-tables.ts)', () => {
  it('equal fresh designs exactly, and are the ones resampleDesign uses', () => {
    const fresh = freshTables();
    expect(Object.keys(EQUIRIPPLE_TABLES).sort(), 'run `npx tsx src/audio/build-equiripple-tables.ts` and commit the tables').toEqual(fresh.map(([k]) => k).sort());
    for (const [key, h] of fresh) expect(EQUIRIPPLE_TABLES[key], key).toEqual(h);
    for (const [from, to] of TABULATED) {
      const d = resampleDesign(from, to);
      expect(d.window).toBe('equiripple');
      const h = fresh.find(([k]) => k.startsWith(`${bandEdges(from, to).passbandHz / from}|`))![1];
      const sum = h.reduce((s, v) => s + v, 0);
      expect([...d.table.subarray(0, h.length)]).toEqual(h.map((v) => Math.fround(v / sum)));
    }
  });
});
