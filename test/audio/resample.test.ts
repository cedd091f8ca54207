// Resampler quality against the bars, measured with synthetic tones:
//   passband ripple ≤ 0.1 dB up to 0.9 × the output Nyquist (B = min(in, out)/2),
//   any input tone at or above B leaves ≤ −80 dB in the output (aliases / images),
//   a 1 kHz sine stays within 0.1 dB.
import { describe, expect, it } from 'vitest';
import { resample, resampleDesign, resampledLength } from '../../src/audio/resample.ts';
import { kernelModuleBytes, simdAvailable } from '../../src/audio/resample-kernel.ts';

const OUT = 16000;

function tone(f: number, fs: number, seconds: number, phase = 0.3): Float32Array {
  const n = Math.round(fs * seconds);
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = Math.sin((2 * Math.PI * f * i) / fs + phase);
  return x;
}

/**
 * Amplitude of frequency f in the middle 80 % of y (the edges hold the filter's ramp):
 * a DFT at exactly f under a 4-term Blackman-Harris window, whose −92 dB sidelobes keep
 * a strong tone elsewhere from leaking into the estimate.
 */
function amplitudeAt(y: Float32Array, f: number, fs: number): number {
  const a = Math.floor(y.length * 0.1);
  const n = Math.floor(y.length * 0.9) - a;
  let re = 0, im = 0, wsum = 0;
  for (let i = 0; i < n; i++) {
    const t = (2 * Math.PI * i) / (n - 1);
    const w = 0.35875 - 0.48829 * Math.cos(t) + 0.14128 * Math.cos(2 * t) - 0.01168 * Math.cos(3 * t);
    const ph = (2 * Math.PI * f * (a + i)) / fs;
    re += w * y[a + i] * Math.cos(ph);
    im += w * y[a + i] * Math.sin(ph);
    wsum += w;
  }
  return (2 * Math.hypot(re, im)) / wsum;
}

/** Everything in the middle 80 % of y, as the amplitude of a sine with that RMS (conservative at Nyquist). */
function rmsAmplitude(y: Float32Array): number {
  const a = Math.floor(y.length * 0.1);
  const b = Math.floor(y.length * 0.9);
  let e = 0;
  for (let i = a; i < b; i++) e += y[i] * y[i];
  return Math.sqrt((2 * e) / (b - a));
}

const dB = (x: number) => 20 * Math.log10(x);

interface Quality { rippleDb: number; worstAliasDb: number; worstAliasHz: number; oneKhzDb: number }

function measure(fromRate: number, opts: Parameters<typeof resample>[3] = {}): Quality {
  const B = Math.min(fromRate, OUT) / 2;
  let lo = Infinity, hi = -Infinity;
  for (let k = 0; k <= 24; k++) {
    const f = Math.max(20, (0.9 * B * k) / 24);
    const g = dB(amplitudeAt(resample(tone(f, fromRate, 0.5), fromRate, OUT, opts), f, OUT));
    lo = Math.min(lo, g);
    hi = Math.max(hi, g);
  }
  let worstAliasDb = -Infinity, worstAliasHz = 0;
  const probe = (f: number, level: number) => {
    if (level > worstAliasDb) [worstAliasDb, worstAliasHz] = [level, f];
  };
  if (fromRate > OUT) {
    // Tones from exactly the output Nyquist up to the input Nyquist: nothing may come through.
    const top = fromRate / 2;
    for (let k = 0; k <= 40; k++) {
      const f = Math.min(B + ((top - B) * k) / 40, top - 1);
      probe(f, dB(rmsAmplitude(resample(tone(f, fromRate, 0.5, Math.PI / 2), fromRate, OUT, opts))));
    }
    for (const f of [B + 1, B + 10, B + 100]) probe(f, dB(rmsAmplitude(resample(tone(f, fromRate, 0.5, Math.PI / 2), fromRate, OUT, opts))));
  } else {
    // Upsampling: a tone f comes with an image at fromRate − f (≥ B), which must be gone.
    for (let k = 1; k <= 40; k++) {
      const f = (B * k) / 41;
      probe(f, dB(amplitudeAt(resample(tone(f, fromRate, 0.5), fromRate, OUT, opts), fromRate - f, OUT)));
    }
  }
  const oneKhzDb = dB(amplitudeAt(resample(tone(1000, fromRate, 1), fromRate, OUT, opts), 1000, OUT));
  return { rippleDb: Math.max(hi, -lo), worstAliasDb, worstAliasHz, oneKhzDb };
}

describe('resampler quality (synthetic tones)', () => {
  it.each([48000, 44100, 24414, 22050, 96000, 8000])('%i Hz → 16 kHz meets ripple ≤ 0.1 dB, alias ≤ −80 dB, 1 kHz within 0.1 dB', (rate) => {
    const q = measure(rate);
    expect(q.rippleDb).toBeLessThanOrEqual(0.1);
    expect(q.worstAliasDb, `worst alias at ${q.worstAliasHz} Hz`).toBeLessThanOrEqual(-80);
    expect(Math.abs(q.oneKhzDb)).toBeLessThanOrEqual(0.1);
  });

  it('the interpolated phase grid (used for huge phase counts) meets the same bars', () => {
    const forced = measure(24414, { mode: 'interpolated' });
    expect(forced.rippleDb).toBeLessThanOrEqual(0.1);
    expect(forced.worstAliasDb).toBeLessThanOrEqual(-80);
    // and is the automatic choice when L × taps would not fit an exact table
    const d = resampleDesign(48001, OUT);
    expect(d.mode).toBe('interpolated');
    expect(d.up).toBe(16000);
    const q = measure(48001);
    expect(q.worstAliasDb).toBeLessThanOrEqual(-80);
    expect(q.rippleDb).toBeLessThanOrEqual(0.1);
  });

  it('uses an exact rational polyphase table for the usual ratios', () => {
    expect(resampleDesign(48000, OUT)).toMatchObject({ up: 1, down: 3, mode: 'exact', rows: 1 });
    expect(resampleDesign(44100, OUT)).toMatchObject({ up: 160, down: 441, mode: 'exact' });
    expect(resampleDesign(24414, OUT)).toMatchObject({ up: 8000, down: 12207, mode: 'exact' });
    expect(resampleDesign(48000, OUT).taps % 16).toBe(0);
  });
});

describe('resampler behaviour', () => {
  it('has zero delay: a low tone lands on the analytically sampled tone', () => {
    const x = tone(440, 48000, 0.5);
    const y = resample(x, 48000, OUT);
    expect(y.length).toBe(resampledLength(x.length, 48000, OUT));
    let worst = 0;
    for (let n = 800; n < y.length - 800; n++) worst = Math.max(worst, Math.abs(y[n] - Math.sin((2 * Math.PI * 440 * n) / OUT + 0.3)));
    expect(worst).toBeLessThan(1e-3);
  });

  it('keeps a constant exactly constant away from the edges (unit DC gain in every phase)', () => {
    for (const rate of [44100, 24414, 8000]) {
      const y = resample(new Float32Array(rate).fill(0.25), rate, OUT);
      for (let n = 500; n < y.length - 500; n++) expect(Math.abs(y[n] - 0.25)).toBeLessThan(1e-6);
    }
  });

  it('output length is ceil(N · to / from), full clip length', () => {
    expect(resampledLength(158558, 48000, OUT)).toBe(52853);
    expect(resample(new Float32Array(158558), 48000, OUT).length).toBe(52853);
    expect(resample(new Float32Array(44101), 44100, OUT).length).toBe(Math.ceil((44101 * 160) / 441));
    expect(resample(new Float32Array(3), 8000, OUT).length).toBe(6);
    expect(resample(new Float32Array(0), 48000, OUT).length).toBe(0);
  });

  it('same rate is a copy; bad rates are refused', () => {
    const x = new Float32Array([1, 2, 3]);
    const y = resample(x, 16000, 16000);
    expect(y).toEqual(x);
    expect(y).not.toBe(x);
    expect(() => resample(x, 0, OUT)).toThrow(/fromRate must be a positive integer/);
    expect(() => resample(x, 44100.5, OUT)).toThrow(/fromRate must be a positive integer sample rate, got 44100.5/);
  });

  it('the WebAssembly SIMD kernel and the JS kernel agree', () => {
    expect(kernelModuleBytes()[0]).toBe(0); // \0asm
    expect(simdAvailable()).toBe(true);
    const x = new Float32Array(30000).map((_, i) => Math.sin(i * 0.37) * 0.5 + Math.sin(i * 0.011) * 0.3);
    for (const [rate, mode] of [[48000, undefined], [44100, undefined], [24414, 'interpolated']] as const) {
      const a = resample(x, rate, OUT, { mode, useWasm: true });
      const b = resample(x, rate, OUT, { mode, useWasm: false });
      expect(a.length).toBe(b.length);
      let worst = 0;
      for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
      expect(worst).toBeLessThan(1e-5);
    }
  });
});
