import { createHash } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeAudio, decodeAudioFile } from '../../src/audio/decode.ts';
import { splitFlacFrames } from '../../src/audio/flac-frames.ts';
import { makeFlac, makeWav, sampleBytes, tone } from './fixtures.ts';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('FLAC decoding', () => {
  it('decodes every frame, including a short last one, bit-exactly and with the WAV data-chunk hash', async () => {
    // 10000 frames in 4096-sample blocks: the last frame holds 1808.
    const samples = tone(10000, 1, 16, 0.9);
    const flac = makeFlac(samples, 1, 48000, 16);
    expect(splitFlacFrames(flac).length).toBe(3);
    const d = await decodeAudio(flac, 'x.flac', { hash: true });
    expect(d).toMatchObject({ format: 'flac/16', sampleRate: 48000, channels: 1, frames: 10000, bitsPerSample: 16 });
    expect(Array.from(d.mono)).toEqual(samples.map((v) => v / 32768));
    expect(d.pcmSha256).toBe(sha(sampleBytes({ samples })));
  });

  it('gives the same mono samples and hash as the WAV of the same audio (stereo, 24-bit)', async () => {
    const samples = tone(5000, 2, 24, 0.7);
    const f = await decodeAudio(makeFlac(samples, 2, 44100, 24, 1152), 'x.flac', { hash: true });
    const w = await decodeAudio(makeWav({ samples, channels: 2, bits: 24, sampleRate: 44100 }), 'x.wav', { hash: true });
    expect(f.frames).toBe(5000);
    expect(f.sampleRate).toBe(44100);
    expect(f.pcmSha256).toBe(w.pcmSha256);
    expect(f.mono).toEqual(w.mono);
  });

  it('refuses a truncated FLAC instead of returning it short', async () => {
    const flac = makeFlac(tone(10000, 1, 16), 1, 48000, 16);
    await expect(decodeAudio(flac.subarray(0, flac.length - 500), 'cut.flac')).rejects.toThrow(/cut\.flac: truncated or corrupt FLAC: the last frame \(from byte \d+\) fails its CRC-16/);
  });

  it('refuses a FLAC with a corrupted byte', async () => {
    const flac = makeFlac(tone(10000, 1, 16), 1, 48000, 16).slice();
    flac[9000] ^= 0x5a;
    await expect(decodeAudio(flac, 'bad.flac')).rejects.toThrow(/bad\.flac: (truncated or corrupt FLAC|corrupt FLAC|truncated FLAC)/);
  });

  it('decodes a good file correctly right after a corrupt one (one decoder per thread, reused)', async () => {
    const bad = makeFlac(tone(10000, 1, 16), 1, 48000, 16).slice();
    bad[9000] ^= 0x5a;
    await expect(decodeAudio(bad, 'bad.flac')).rejects.toThrow();
    const samples = tone(7000, 2, 16, 0.5, 3);
    const d = await decodeAudio(makeFlac(samples, 2, 48000, 16), 'good.flac', { hash: true });
    expect(d.pcmSha256).toBe(sha(sampleBytes({ samples })));
    const d2 = await decodeAudio(makeFlac(samples.slice(0, 2000), 1, 16000, 16), 'next.flac');
    expect(d2).toMatchObject({ frames: 2000, channels: 1, sampleRate: 16000 });
  });

  it('refuses a FLAC that is only metadata', async () => {
    const flac = makeFlac(tone(10, 1, 16), 1, 48000, 16);
    await expect(decodeAudio(flac.subarray(0, 42), 'empty.flac')).rejects.toThrow(/empty\.flac: no audio: the FLAC stream holds no frames/);
  });
});

describe('decodeAudioFile: sniffs content, names the file in every error', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'decode-'));
  });
  const write = async (name: string, bytes: Uint8Array | string) => {
    const p = join(dir, name);
    await writeFile(p, bytes);
    return p;
  };

  it('decodes a FLAC named .wav by its content', async () => {
    const p = await write('really-flac.wav', makeFlac(tone(100, 1, 16), 1, 16000, 16));
    const d = await decodeAudioFile(p);
    expect(d.format).toBe('flac/16');
    expect(d.sampleRate).toBe(16000);
  });

  const aiff = () => {
    const b = new Uint8Array(54);
    b.set(Buffer.from('FORM'), 0);
    b.set(Buffer.from('AIFFCOMM'), 8);
    return b;
  };
  it.each([
    ['zero-length.wav', () => new Uint8Array(0), /zero-length\.wav: empty file \(0 bytes\)/],
    ['aiff.wav', aiff, /aiff\.wav: AIFF audio \(FORM\/AIFF\), not WAV/],
    ['page.wav', () => Buffer.from('<!DOCTYPE html><html><body>Not found</body></html>'), /page\.wav: an HTML page .* a failed download\?/],
    ['notes.wav', () => Buffer.from('these are my notes about the recording session\n'), /notes\.wav: text \("these are my notes/],
    ['random.wav', () => Uint8Array.from({ length: 100 }, (_, i) => (i * 37 + 11) & 0xff), /random\.wav: not a known audio format \(first bytes 0b 30 55/],
    ['song.wav', () => Buffer.concat([Buffer.from('ID3'), Buffer.alloc(50)]), /song\.wav: MP3 \(ID3 tag\), which is not supported/],
    ['video.wav', () => Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(4), Buffer.from('AVI '), Buffer.alloc(40)]), /video\.wav: a RIFF file of type "AVI ", not WAVE/],
  ] as const)('%s', async (name, make, message) => {
    const p = await write(name, make());
    await expect(decodeAudioFile(p)).rejects.toThrow(message);
  });

  it('a missing file and a directory', async () => {
    await expect(decodeAudioFile(join(dir, 'nope.wav'))).rejects.toThrow(/nope\.wav: no such file/);
    await expect(decodeAudioFile(dir)).rejects.toThrow(/is a directory, not a file/);
  });
});
