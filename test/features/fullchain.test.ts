// Full-chain parity: the original WAV → our decoder → our resampler → our log-Mel,
// against the reference's log-Mel. The reference resampled with a modest 61-tap FIR
// (roll-off from ~6.9 kHz, some alias) and ours is better, so only mel bands whose
// upper edge is ≤ 6.5 kHz are compared (../shared/reference/README.md).
import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { decodeAudioFile } from '../../src/audio/decode.ts';
import { resample } from '../../src/audio/resample.ts';
import { logMel } from '../../src/features/logmel.ts';
import { melFrequencies } from '../../src/features/mel.ts';
import { DEFAULT_FEATURE_PARAMS } from '../../src/features/params.ts';
import { maxDbError, readF32 } from './helpers.ts';

const WAV_DIR = new URL('../fixtures/refvectors/wav/', import.meta.url);
// upper edge of band m = mel frequency m + 2 of the 66 filter corners
const corners = melFrequencies(66, 0, 8000);
const bandBelow6k5 = (m: number) => corners[m + 2] <= 6500;

describe('full chain (decode → resample → log-Mel) vs the reference', () => {
  for (const [wav, ref] of [
    ['Actor_01/03-01-05-02-01-01-01.wav', 'Actor_01__03-01-05-02-01-01-01'],
    ['Actor_01/03-01-02-01-01-02-01.wav', 'Actor_01__03-01-02-01-01-02-01'], // stereo original
  ]) {
    it(`${wav}: ≤ 0.5 dB on bins within 60 dB of max, bands up to 6.5 kHz`, async () => {
      const audio = await decodeAudioFile(fileURLToPath(new URL(wav, WAV_DIR)));
      expect(audio.sampleRate).toBe(48000);
      const y = resample(audio.mono, 48000, 16000);
      const ours = logMel(y, DEFAULT_FEATURE_PARAMS, 16000);
      const expected = readF32(`${ref}.logmel.f32`);
      const err = maxDbError(ours, expected, 60, bandBelow6k5);
      expect(err).toBeLessThan(0.5);
      console.log(`${wav}: full-chain max error ${err.toFixed(4)} dB over ${corners.filter((_, i) => i < 64 && bandBelow6k5(i)).length} bands`);
    });
  }
});
