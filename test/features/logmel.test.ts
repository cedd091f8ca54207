// The log-Mel front end: parity with the reference (librosa, float64) and the
// behaviour around it (shape, fixed-length cut, padding, options, validation).
import { describe, expect, it } from 'vitest';
import { featureShape, logMel, logMelExtractor, LogMelExtractor } from '../../src/features/logmel.ts';
import { DEFAULT_FEATURE_PARAMS, parseFeatureParams } from '../../src/features/params.ts';
import { melFilterbank } from '../../src/features/mel.ts';
import { periodicHann } from '../../src/features/window.ts';
import { REF_CLIPS, maxDbError, readF32 } from './helpers.ts';

describe('log-Mel parity with the reference implementation', () => {
  for (const clip of REF_CLIPS) {
    it(`${clip}: ≤ 0.05 dB on bins within 60 dB of the clip max (from the reference waveform)`, () => {
      const wav = readF32(`${clip}.wav16k.f32`);
      const ref = readF32(`${clip}.logmel.f32`);
      const ours = logMel(wav, DEFAULT_FEATURE_PARAMS);
      expect(ours.length).toBe(64 * 188);
      const err = maxDbError(ours, ref, 60);
      expect(err).toBeLessThan(0.05);
      // measured ~1.5e-5 dB: float32 storage of the reference is the only difference
      expect(err).toBeLessThan(1e-3);
      // and the clamp floor (max − 80 dB) is where the reference puts it
      expect(Math.min(...ours)).toBeCloseTo(Math.max(...ref) - 80, 3);
    });
  }
});

/** The same chain written the slow, obvious way (dense DFT, dense filterbank). */
function naiveLogMel(y: Float32Array, sr: number, p: typeof DEFAULT_FEATURE_PARAMS): Float64Array {
  const nSamples = Math.round(p.duration_s * sr);
  const x = new Float64Array(nSamples);
  for (let i = 0; i < Math.min(nSamples, y.length); i++) x[i] = y[i];
  const padded = new Float64Array(nSamples + p.n_fft);
  padded.set(x, p.n_fft / 2);
  const w = periodicHann(p.win_length, p.n_fft);
  const nFrames = 1 + Math.floor(nSamples / p.hop_length);
  const bins = p.n_fft / 2 + 1;
  const fb = melFilterbank({ sampleRate: sr, nFft: p.n_fft, nMels: p.n_mels, fmin: p.fmin, fmax: p.fmax, htk: p.mel.htk, norm: p.mel.norm });
  const S = new Float64Array(p.n_mels * nFrames);
  for (let t = 0; t < nFrames; t++) {
    for (let k = 0; k < bins; k++) {
      let re = 0;
      let im = 0;
      for (let i = 0; i < p.n_fft; i++) {
        const v = w[i] * padded[t * p.hop_length + i];
        re += v * Math.cos((2 * Math.PI * k * i) / p.n_fft);
        im -= v * Math.sin((2 * Math.PI * k * i) / p.n_fft);
      }
      for (let m = 0; m < p.n_mels; m++) S[m * nFrames + t] += fb[m * bins + k] * (re * re + im * im);
    }
  }
  const db = S.map((v) => 10 * Math.log10(Math.max(p.amin, v)) - 10 * Math.log10(Math.max(p.amin, p.ref)));
  const max = Math.max(...db);
  return p.top_db === null ? db : db.map((v) => Math.max(v, max - p.top_db!));
}

describe('log-Mel against a direct implementation', () => {
  const sr = 8000;
  const y = Float32Array.from({ length: 300 }, (_, i) => Math.sin(i * 0.3) * 0.3 + Math.sin(i * 1.7) * 0.05 + ((i * 7919) % 13) / 1300);
  const cases: [string, Record<string, unknown>][] = [
    ['slaney scale, slaney norm', {}],
    ['HTK scale, no norm (torchaudio style)', { mel: { htk: true, norm: 'none' } }],
    ['win_length < n_fft, fmin/fmax, ref and top_db 40', { win_length: 48, fmin: 100, fmax: 3500, ref: 0.01, top_db: 40 }],
    ['no top_db clamp', { top_db: null, amin: 1e-5 }],
  ];
  for (const [name, extra] of cases) {
    it(name, () => {
      const p = parseFeatureParams({ n_fft: 64, win_length: 64, hop_length: 16, n_mels: 12, fmax: 4000, duration_s: 0.05, ...extra });
      const ours = logMel(y, p, sr);
      const ref = naiveLogMel(y, sr, p);
      expect(ours.length).toBe(12 * 26); // 400 samples → 1 + 400/16 frames
      for (let i = 0; i < ref.length; i++) expect(Math.abs(ours[i] - ref[i])).toBeLessThan(1e-4); // float32 output
    });
  }
});

describe('fixed length', () => {
  const wav = readF32(`${REF_CLIPS[0]}.wav16k.f32`);

  it('default shape is 64 × 188 (3.0 s at 16 kHz, hop 256)', () => {
    expect(featureShape(DEFAULT_FEATURE_PARAMS, 16000)).toEqual({ sampleRate: 16000, nSamples: 48000, nMels: 64, nFrames: 188, size: 64 * 188 });
  });

  it('samples after the first duration_s seconds do not matter', () => {
    const longer = new Float32Array(70000);
    longer.set(wav);
    longer.fill(0.9, 48000);
    expect(logMel(longer, DEFAULT_FEATURE_PARAMS)).toEqual(logMel(wav, DEFAULT_FEATURE_PARAMS));
  });

  it('a shorter clip is zero-padded to duration_s', () => {
    const short = wav.slice(0, 30000);
    const padded = new Float32Array(48000);
    padded.set(short);
    const a = logMel(short, DEFAULT_FEATURE_PARAMS);
    expect(a.length).toBe(64 * 188);
    expect(a).toEqual(logMel(padded, DEFAULT_FEATURE_PARAMS));
    expect(a).not.toEqual(logMel(wav, DEFAULT_FEATURE_PARAMS));
  });

  it('trim_silence moves the window to where the sound starts', () => {
    const p = parseFeatureParams({ trim_silence: true, trim_top_db: 60 });
    // ~1 s of digital silence in front, a whole number of trim hops (512) so that the
    // trim frames line up with those of the undelayed clip
    const delayed = new Float32Array(48000 + 16384);
    delayed.set(wav, 16384);
    const trimmed = logMel(delayed, p);
    const plain = logMel(delayed, DEFAULT_FEATURE_PARAMS);
    const direct = logMel(wav, p);
    expect(trimmed).toEqual(direct);
    expect(trimmed).not.toEqual(plain);
  });

  it('reuses one extractor per setting and writes into a given buffer', () => {
    const ex = logMelExtractor(DEFAULT_FEATURE_PARAMS, 16000);
    expect(logMelExtractor(parseFeatureParams({}), 16000)).toBe(ex);
    const out = new Float32Array(ex.shape.size);
    expect(ex.compute(wav, out)).toBe(out);
    expect(() => ex.compute(wav, new Float32Array(10))).toThrow(/expected 12032/);
  });
});

describe('feature params', () => {
  it('defaults are the reference settings', () => {
    expect(DEFAULT_FEATURE_PARAMS).toEqual({
      n_fft: 1024, win_length: 1024, hop_length: 256, n_mels: 64, fmin: 0, fmax: 8000, duration_s: 3,
      mel: { htk: false, norm: 'slaney' }, amin: 1e-10, ref: 1, top_db: 80, trim_silence: false, trim_top_db: 60,
    });
  });

  it('errors name the key and what is wrong', () => {
    expect(() => parseFeatureParams({ n_fft: 1000 })).toThrow(/features\.n_fft: must be a power of two/);
    expect(() => parseFeatureParams({ win_length: 2048 })).toThrow(/features\.win_length: must be ≤ n_fft/);
    expect(() => parseFeatureParams({ mel: { norm: 'l2' } })).toThrow(/features\.mel\.norm/);
    expect(() => parseFeatureParams({ n_mesl: 64 })).toThrow(/n_mesl/);
    expect(() => parseFeatureParams({ hop_length: -1 })).toThrow(/features\.hop_length/);
  });

  it('fmax above Nyquist of the audio is refused', () => {
    expect(() => logMel(new Float32Array(100), { fmax: 8000 }, 8000)).toThrow(/fmax \(8000 Hz\) is above the Nyquist frequency of the 8000 Hz audio/);
    expect(logMel(new Float32Array(8000), { fmax: null, n_mels: 32 }, 8000).length).toBe(32 * (1 + Math.floor(24000 / 256)));
  });
});

describe('WebAssembly SIMD kernel against the JS chain (fft.js, the reference)', () => {
  const ref = readF32(`${REF_CLIPS[0]}.wav16k.f32`);
  const cases: [string, Record<string, unknown>, number, Float32Array][] = [
    ['defaults (64 × 188, 2 frames per pass)', {}, 16000, ref],
    ['a clip shorter than duration_s (edge frames, zero padding)', {}, 16000, ref.subarray(0, 20000)],
    ['odd frame count, win_length < n_fft, HTK, no norm', { n_fft: 512, win_length: 400, hop_length: 160, duration_s: 0.99, n_mels: 40, mel: { htk: true, norm: 'none' } }, 16000, ref],
    ['tiny FFTs (n_fft 4, 8: only the special stages)', { n_fft: 8, win_length: 8, hop_length: 3, n_mels: 2, fmax: 4000, duration_s: 0.02 }, 8000, ref],
    ['n_fft 4', { n_fft: 4, win_length: 4, hop_length: 2, n_mels: 1, fmax: 4000, duration_s: 0.01 }, 8000, ref],
    ['no top_db clamp, other amin/ref', { top_db: null, amin: 1e-6, ref: 0.5 }, 16000, ref],
    ['trim_silence', { trim_silence: true }, 16000, ref],
    ['an amin below the smallest normal float64 (the library log10 path)', { amin: 1e-320, top_db: null }, 16000, ref.map((v, i) => (i < 4000 ? 0 : v))],
  ];
  for (const [name, p, sr, y] of cases) {
    it(name, () => {
      const params = parseFeatureParams(p);
      const wasm = logMelExtractor(params, sr);
      expect(wasm.usesWasm).toBe(true);
      const js = new LogMelExtractor(params, sr, { useWasm: false });
      expect(js.usesWasm).toBe(false);
      const a = wasm.compute(y);
      const b = js.compute(y);
      expect(a.length).toBe(b.length);
      let worst = 0;
      for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
      expect(worst).toBeLessThan(1e-4); // float64 in both; measured: identical float32 output
    });
  }

  it('a non-finite sample gives the same non-finite log-Mel as the JS chain (so the stage can catch it)', () => {
    for (const bad of [Infinity, -Infinity, NaN]) {
      const y = ref.slice();
      y[20000] = bad;
      const a = logMelExtractor(DEFAULT_FEATURE_PARAMS, 16000).compute(y);
      const b = new LogMelExtractor(DEFAULT_FEATURE_PARAMS, 16000, { useWasm: false }).compute(y);
      expect(a.some((v) => !Number.isFinite(v))).toBe(true);
      expect(Array.from(a)).toEqual(Array.from(b));
    }
  });

  it('computeChecked: true only when the kernel counted every value finite (the task skips its own scan then)', () => {
    const wasm = logMelExtractor(DEFAULT_FEATURE_PARAMS, 16000);
    const js = new LogMelExtractor(DEFAULT_FEATURE_PARAMS, 16000, { useWasm: false });
    const out = new Float32Array(wasm.shape.size);
    expect(wasm.computeChecked(ref, out)).toBe(true);
    expect(out).toEqual(wasm.compute(ref));
    expect(js.computeChecked(ref, out)).toBe(false); // nobody counted
    for (const bad of [Infinity, NaN]) {
      const y = ref.slice();
      y[47999] = bad; // only the last frames see it
      expect(wasm.computeChecked(y, out)).toBe(false);
      expect(out.some((v) => !Number.isFinite(v))).toBe(true);
    }
  });
});
