import { describe, expect, it } from 'vitest';
import { logMel } from '../../src/features/logmel.ts';
import { nonSilentRange } from '../../src/features/trim.ts';
import { clipFeatures, windowStarts } from '../../src/predict/windows.ts';
import { TINY_FEATURES, TINY_SHAPE } from './helpers.ts';

function tone(n: number, f = 440, sr = 16000): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => 0.3 * Math.sin((2 * Math.PI * f * i) / sr) * (1 + 0.5 * Math.sin(i / 500)));
}

describe('window placement', () => {
  it('one window for a clip that fits, hops of half a window, a last window at the end', () => {
    expect(windowStarts(3, 4)).toEqual([0]);
    expect(windowStarts(4, 4)).toEqual([0]);
    expect(windowStarts(10, 4)).toEqual([0, 2, 4, 6]);
    expect(windowStarts(11, 4)).toEqual([0, 2, 4, 6, 7]);
    expect(windowStarts(5, 4)).toEqual([0, 1]);
    expect(() => windowStarts(5, 0)).toThrow(/positive integer/);
  });
});

describe('clip features for predict (same front end as the pipeline)', () => {
  it('a clip that fits gives exactly the featurize stage\'s log-Mel', () => {
    const x = tone(1200); // shorter than the 1600-sample window: zero-padded like featurize
    const f = clipFeatures(x, TINY_FEATURES, 16000);
    expect(f.windows).toHaveLength(1);
    expect(f.windows[0]).toEqual(logMel(x, TINY_FEATURES, 16000));
    expect([f.nMels, f.nFrames]).toEqual([TINY_SHAPE.nMels, TINY_SHAPE.nFrames]);
  });

  it('a longer clip is scored in full windows; the first is the pipeline\'s input', () => {
    const x = tone(4000); // window 1600, hop 800 → starts 0, 800, 1600, 2400 (=4000−1600)
    const f = clipFeatures(x, TINY_FEATURES, 16000);
    expect(f.startsS).toEqual([0, 0.05, 0.1, 0.15]);
    expect(f.windows[0]).toEqual(logMel(x, TINY_FEATURES, 16000));
    expect(f.windows[3]).toEqual(logMel(x.subarray(2400), TINY_FEATURES, 16000));
  });

  it('with trim_silence, trims the whole clip once and then windows it', () => {
    const x = new Float32Array(6000);
    x.set(tone(1500), 3000); // 3000 samples of silence, then sound
    const params = { ...TINY_FEATURES, trim_silence: true };
    const f = clipFeatures(x, params, 16000);
    const [a, b] = nonSilentRange(x, { topDb: params.trim_top_db });
    expect(a).toBeGreaterThan(1000); // the leading silence is cut
    const starts = windowStarts(b - a, TINY_SHAPE.nSamples);
    expect(f.windows).toHaveLength(starts.length);
    expect(f.windows[0]).toEqual(logMel(x, params, 16000)); // = the pipeline's features
    const last = starts[starts.length - 1];
    // later windows are cut from the trimmed clip, not trimmed again
    expect(f.windows[starts.length - 1]).toEqual(logMel(x.subarray(a + last, a + last + TINY_SHAPE.nSamples), TINY_FEATURES, 16000));
  });
});
