import { describe, expect, it } from 'vitest';
import { officialTable } from '../../src/dataset/official-table.ts';
import { allSpeechIds, parseRavdessName } from '../../src/dataset/ravdess.ts';

describe('RAVDESS file names', () => {
  it('parses every field of an audio-only speech name', () => {
    const r = parseRavdessName('Actor_07/03-01-05-02-01-01-07.wav');
    expect(r).toEqual({
      ok: true,
      labels: {
        id: '03-01-05-02-01-01-07', modality: 'audio-only', vocal_channel: 'speech', emotion: 'angry', emotion_code: 5,
        intensity: 'strong', statement: 1, repetition: 1, actor: 7, gender: 'male',
      },
    });
  });

  it('maps all eight emotion codes in order, gender from actor parity', () => {
    const emotions = [1, 2, 3, 4, 5, 6, 7, 8].map((e) => {
      const r = parseRavdessName(`03-01-0${e}-01-02-02-12.flac`);
      if (!r.ok) throw new Error(r.reason);
      expect(r.labels.gender).toBe('female');
      expect(r.labels.emotion_code).toBe(e);
      return r.labels.emotion;
    });
    expect(emotions).toEqual(['neutral', 'calm', 'happy', 'sad', 'angry', 'fearful', 'disgust', 'surprised']);
  });

  it.each([
    ['03-02-01-01-01-01-01.wav', /vocal channel 02 is song/],
    ['01-01-01-01-01-01-01.mp4', /modality 01 \(full-AV\) is a video file/],
    ['02-01-01-01-01-01-01.mp4', /modality 02 \(video-only\) is a video file/],
    ['04-01-01-01-01-01-01.wav', /modality 04 is not 01\/02\/03/],
    ['03-01-09-01-01-01-01.wav', /emotion 09 is not 01\.\.08/],
    ['03-01-01-02-01-01-01.wav', /neutral \(01\) has no strong intensity/],
    ['03-01-02-03-01-01-01.wav', /intensity 03/],
    ['03-01-02-01-03-01-01.wav', /statement 03/],
    ['03-01-02-01-01-03-01.wav', /repetition 03/],
    ['03-01-02-01-01-01-25.wav', /actor 25 is not 01\.\.24/],
    ['03-01-02-01-01-01-00.wav', /actor 00 is not 01\.\.24/],
    ['my_recording.wav', /"my_recording\.wav" is not a RAVDESS name/],
    ['03-01-02-01-01-01.wav', /is not a RAVDESS name/],
    ['03-01-02-01-01-01-01 (copy).wav', /is not a RAVDESS name/],
  ])('refuses %s with a reason', (name, reason) => {
    const r = parseRavdessName(name);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });
});

describe('the shipped official PCM table', () => {
  it('holds exactly the 1440 speech clips, each with a SHA-256, 48 kHz, 5 stereo', () => {
    const table = officialTable();
    expect([...table.keys()].sort()).toEqual(allSpeechIds());
    expect(allSpeechIds().length).toBe(1440);
    for (const clip of table.values()) {
      expect(clip.pcmSha256).toMatch(/^[0-9a-f]{64}$/);
      expect(clip.sampleRate).toBe(48000);
      expect(clip.frames).toBeGreaterThan(100000);
    }
    expect([...table.values()].filter((c) => c.channels === 2).length).toBe(5);
    expect(table.get('03-01-01-01-01-01-01')).toEqual({
      sampleRate: 48000, channels: 1, frames: 158558, pcmSha256: '8bf3522e63fb15f234817e31f1b422123150a06852ba9973bcf70137fa93c6cb',
    });
  });
});
