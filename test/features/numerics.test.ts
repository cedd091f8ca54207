// The building blocks of the log-Mel, each against an independent definition.
import { describe, expect, it } from 'vitest';
import { RealPowerFFT } from '../../src/features/fft.ts';
import { periodicHann } from '../../src/features/window.ts';
import { hzToMel, melFilterbank, melFrequencies, melToHz, sparsify } from '../../src/features/mel.ts';
import { powerToDb } from '../../src/features/db.ts';
import { PowerStft } from '../../src/features/stft.ts';
import { nonSilentRange } from '../../src/features/trim.ts';
import { readF32 } from './helpers.ts';

function naivePower(x: ArrayLike<number>): Float64Array {
  const n = x.length;
  const out = new Float64Array(n / 2 + 1);
  for (let k = 0; k <= n / 2; k++) {
    let re = 0;
    let im = 0;
    for (let t = 0; t < n; t++) {
      re += x[t] * Math.cos((2 * Math.PI * k * t) / n);
      im -= x[t] * Math.sin((2 * Math.PI * k * t) / n);
    }
    out[k] = re * re + im * im;
  }
  return out;
}

function lcg(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) - 0.5;
}

describe('RealPowerFFT', () => {
  for (const n of [4, 8, 64, 512, 1024]) {
    it(`matches a direct DFT power spectrum, n=${n}`, () => {
      const rnd = lcg(n);
      const x = Float64Array.from({ length: n }, rnd);
      const out = new Float64Array(n / 2 + 1);
      new RealPowerFFT(n).power(x, out);
      const ref = naivePower(x);
      const scale = Math.max(...ref);
      for (let k = 0; k <= n / 2; k++) expect(Math.abs(out[k] - ref[k]) / scale).toBeLessThan(1e-12);
    });
  }

  it('puts a pure tone in its bin', () => {
    const n = 1024;
    const x = Float64Array.from({ length: n }, (_, t) => Math.cos((2 * Math.PI * 100 * t) / n));
    const out = new Float64Array(513);
    new RealPowerFFT(n).power(x, out);
    expect(out[100]).toBeCloseTo((n / 2) ** 2, 6);
    expect(out[99] + out[101]).toBeLessThan(1e-12);
  });

  it('rejects sizes that are not powers of two', () => {
    expect(() => new RealPowerFFT(1000)).toThrow(/power of two/);
  });
});

describe('periodic Hann window', () => {
  it('equals scipy.signal.get_window("hann", 1024) from the reference', () => {
    const ref = readF32('hann_window_1024.f32');
    const w = periodicHann(1024);
    let err = 0;
    for (let i = 0; i < 1024; i++) err = Math.max(err, Math.abs(w[i] - ref[i]));
    expect(err).toBeLessThan(1e-7); // float32 storage of the reference
    expect(w[0]).toBe(0);
    expect(w[512]).toBe(1); // periodic: the peak is at N/2, and w[N-1] ≠ 0
    expect(w[1023]).toBeGreaterThan(0);
  });

  it('is centred inside n_fft when win_length is shorter (librosa pad_center)', () => {
    const w = periodicHann(400, 512);
    expect(w.length).toBe(512);
    expect(Array.from(w.subarray(0, 56)).every((v) => v === 0)).toBe(true);
    expect(w[56 + 200]).toBe(1);
    expect(Array.from(w.subarray(456)).every((v) => v === 0)).toBe(true);
  });
});

describe('mel scale and filterbank', () => {
  it('Slaney scale: linear below 1 kHz, logarithmic above, invertible', () => {
    expect(hzToMel(1000)).toBeCloseTo(15, 12);
    expect(hzToMel(200)).toBeCloseTo(3, 12);
    expect(hzToMel(6400)).toBeCloseTo(15 + 27, 12); // 27 steps per factor 6.4
    for (const f of [0, 55, 999, 1000, 1234.5, 8000]) expect(melToHz(hzToMel(f))).toBeCloseTo(f, 8);
  });

  it('HTK scale: 2595·log10(1 + f/700), invertible', () => {
    expect(hzToMel(700, true)).toBeCloseTo(2595 * Math.log10(2), 10);
    for (const f of [0, 300, 4000, 8000]) expect(melToHz(hzToMel(f, true), true)).toBeCloseTo(f, 8);
  });

  it('mel frequencies span fmin..fmax exactly', () => {
    const f = melFrequencies(66, 0, 8000);
    expect(f[0]).toBe(0);
    expect(f[65]).toBeCloseTo(8000, 9);
    for (let i = 1; i < 66; i++) expect(f[i]).toBeGreaterThan(f[i - 1]);
  });

  it('matches librosa.filters.mel (reference 64×513) within 1e-6 relative', () => {
    const ref = readF32('mel_filterbank_64x513.f32');
    const ours = melFilterbank({ sampleRate: 16000, nFft: 1024, nMels: 64, fmin: 0, fmax: 8000, htk: false, norm: 'slaney' });
    expect(ours.length).toBe(64 * 513);
    let maxRel = 0;
    for (let i = 0; i < ref.length; i++) {
      if (ref[i] === 0) expect(ours[i]).toBe(0); // same support
      else maxRel = Math.max(maxRel, Math.abs(ours[i] - ref[i]) / Math.abs(ref[i]));
    }
    expect(maxRel).toBeLessThan(1e-6);
  });

  it('norm "none" gives triangles peaking at ≤ 1; slaney divides by the band width', () => {
    const o = { sampleRate: 16000, nFft: 1024, nMels: 40, fmin: 20, fmax: 7600, htk: true } as const;
    const none = melFilterbank({ ...o, norm: 'none' });
    const slaney = melFilterbank({ ...o, norm: 'slaney' });
    const melF = melFrequencies(42, 20, 7600, true);
    for (let m = 0; m < 40; m++) {
      const row = none.subarray(m * 513, (m + 1) * 513);
      expect(Math.max(...row)).toBeLessThanOrEqual(1);
      expect(Math.max(...row)).toBeGreaterThan(0.5);
      const k = row.indexOf(Math.max(...row));
      expect(slaney[m * 513 + k] / row[k]).toBeCloseTo(2 / (melF[m + 2] - melF[m]), 12);
    }
  });

  it('sparse form holds exactly the non-zero weights', () => {
    const dense = melFilterbank({ sampleRate: 16000, nFft: 1024, nMels: 64, fmin: 0, fmax: 8000, htk: false, norm: 'slaney' });
    const sp = sparsify(dense, 64, 513);
    const back = new Float64Array(64 * 513);
    for (let m = 0; m < 64; m++) {
      for (let j = sp.offset[m]; j < sp.offset[m + 1]; j++) back[m * 513 + sp.start[m] + j - sp.offset[m]] = sp.weights[j];
    }
    expect(back).toEqual(dense);
    expect(sp.weights.length).toBeLessThan(2 * 513); // each bin feeds at most two bands
  });

  it('refuses a band with no FFT bin, naming the params', () => {
    expect(() => melFilterbank({ sampleRate: 16000, nFft: 64, nMels: 128, fmin: 0, fmax: 8000, htk: false, norm: 'slaney' })).toThrow(
      /n_mels 128 is too many for n_fft 64/,
    );
  });
});

describe('power_to_db', () => {
  it('10·log10(max(amin, S)) − 10·log10(ref), clamped at max − top_db', () => {
    const p = Float64Array.from([1, 10, 1e-12, 100, 1e-3]);
    const out = powerToDb(p, new Float64Array(5), { amin: 1e-10, ref: 1, topDb: 80 });
    expect(Array.from(out)).toEqual([0, 10, -60, 20, -30].map((v) => expect.closeTo(v, 10)));
    const noClamp = powerToDb(Float64Array.from([1, 1e-12]), new Float64Array(2), { amin: 1e-10, ref: 10, topDb: null });
    expect(noClamp[0]).toBeCloseTo(-10, 10);
    expect(noClamp[1]).toBeCloseTo(-110, 10); // amin floor −100 dB, minus ref
  });

  it('transposes a frame-major matrix into mel-major order', () => {
    const p = Float64Array.from([1, 10, 100, 1000, 1e4, 1e5]); // 3 frames × 2 mels
    const out = powerToDb(p, new Float32Array(6), { amin: 1e-10, ref: 1, topDb: null }, 3);
    expect(Array.from(out)).toEqual([0, 20, 40, 10, 30, 50]);
  });
});

describe('STFT (center=true, zero padding)', () => {
  it('has 1 + ⌊len/hop⌋ frames; frame t is the windowed, zero-padded signal around t·hop', () => {
    const n = 64;
    const hop = 16;
    const rnd = lcg(7);
    const y = Float32Array.from({ length: 150 }, rnd);
    const w = periodicHann(n);
    const st = new PowerStft(w, hop);
    const spec = st.spectrogram(y);
    expect(st.frames(150)).toBe(10);
    expect(spec.length).toBe(10 * 33);
    for (const t of [0, 1, 5, 9]) {
      const frame = Array.from({ length: n }, (_, i) => {
        const j = t * hop - n / 2 + i;
        return j >= 0 && j < y.length ? w[i] * y[j] : 0;
      });
      const ref = naivePower(frame);
      for (let k = 0; k <= n / 2; k++) expect(spec[t * 33 + k]).toBeCloseTo(ref[k], 10);
    }
  });

  it('treats samples past `length` as zeros (the fixed-length cut)', () => {
    const y = Float32Array.from({ length: 200 }, lcg(3));
    const st = new PowerStft(periodicHann(64), 16);
    const cut = y.slice(0, 120);
    expect(st.spectrogram(y, 120)).toEqual(st.spectrogram(cut));
  });
});

describe('silence trimming (librosa.effects.trim)', () => {
  it('keeps the sound between leading and trailing silence, to the frame hop', () => {
    const sr = 16000;
    const y = new Float32Array(sr * 2);
    for (let i = 8000; i < 24000; i++) y[i] = 0.5 * Math.sin((2 * Math.PI * 440 * i) / sr);
    const [a, b] = nonSilentRange(y, { topDb: 60 });
    // frames are 2048 long, centred, hop 512: the first frame that touches the tone
    // starts being "sound" up to half a frame early
    expect(a).toBeGreaterThanOrEqual(8000 - 1024 - 512);
    expect(a).toBeLessThanOrEqual(8000);
    expect(b).toBeGreaterThanOrEqual(24000);
    expect(b).toBeLessThanOrEqual(24000 + 1024 + 512);
    expect(a % 512).toBe(0);
  });

  it('a noise floor ~73 dB below the tone (RMS) is silence at top_db 60, not at top_db 80', () => {
    const y = new Float32Array(32000);
    const rnd = lcg(11);
    for (let i = 0; i < y.length; i++) y[i] = 0.5 * 10 ** (-65 / 20) * rnd();
    for (let i = 12000; i < 20000; i++) y[i] = 0.5 * Math.sin(i / 3);
    const strict = nonSilentRange(y, { topDb: 60 });
    const loose = nonSilentRange(y, { topDb: 80 });
    expect(strict[0]).toBeGreaterThan(9000);
    expect(loose).toEqual([0, 32000]);
  });

  it('an all-zero clip is kept whole, as librosa does (every frame is at the 0 dB reference)', () => {
    expect(nonSilentRange(new Float32Array(5000), { topDb: 60 })).toEqual([0, 5000]);
    expect(nonSilentRange(new Float32Array(0), { topDb: 60 })).toEqual([0, 0]);
  });
});
