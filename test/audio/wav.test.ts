import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeWav } from '../../src/audio/wav.ts';
import { findChunk, makeWav, sampleBytes, tone, type WavSpec } from './fixtures.ts';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('WAV decoder: formats', () => {
  it('reads 16-bit mono exactly as int16 / 32768 and hashes the data chunk', () => {
    const samples = [0, 1, -1, 32767, -32768, 12345, -23456];
    const d = decodeWav(makeWav({ samples }), { hash: true });
    expect(d).toMatchObject({ format: 'wav/pcm16', sampleRate: 48000, channels: 1, frames: 7, bitsPerSample: 16 });
    expect(Array.from(d.mono)).toEqual(samples.map((v) => v / 32768));
    expect(d.pcmSha256).toBe(sha(sampleBytes({ samples })));
    expect(d.peak).toBe(1);
  });

  it('averages stereo to mono as (L + R) / 2, exactly', () => {
    const samples = [100, 300, -32768, -32768, 32767, -32768, 1, 0];
    const d = decodeWav(makeWav({ samples, channels: 2 }));
    expect(d.channels).toBe(2);
    expect(d.frames).toBe(4);
    expect(Array.from(d.mono)).toEqual([200 / 32768, -1, -1 / 65536, 1 / 65536]);
  });

  it('averages any number of channels', () => {
    const samples = [300, 600, 900, -3, -6, -9];
    const d = decodeWav(makeWav({ samples, channels: 3 }));
    expect(d.frames).toBe(2);
    expect(d.mono[0]).toBeCloseTo(600 / 32768, 7);
    expect(d.mono[1]).toBeCloseTo(-6 / 32768, 7);
  });

  it.each([
    [8, [0, 127, -128, 64], 128],
    [24, [0, 8388607, -8388608, 1234567], 8388608],
    [32, [0, 2147483647, -2147483648, 123456789], 2147483648],
  ] as const)('reads %i-bit PCM at full scale 2^(bits-1)', (bits, samples, scale) => {
    const d = decodeWav(makeWav({ samples: [...samples], bits }), { hash: true });
    expect(d.format).toBe(`wav/pcm${bits}`);
    for (let i = 0; i < samples.length; i++) expect(d.mono[i]).toBeCloseTo(samples[i] / scale, 6);
    expect(d.pcmSha256).toBe(sha(sampleBytes({ samples: [...samples], bits })));
  });

  it.each([32, 64] as const)('reads %i-bit float', (bits) => {
    const samples = [0, 0.5, -0.25, 1.5, -1];
    const d = decodeWav(makeWav({ samples, bits, tag: 3 }));
    expect(d.format).toBe(`wav/float${bits}`);
    expect(Array.from(d.mono)).toEqual(samples);
    expect(d.peak).toBe(1.5);
  });

  it('reads WAVE_FORMAT_EXTENSIBLE (24-bit PCM and float32 stereo)', () => {
    const pcm = decodeWav(makeWav({ samples: [8388607, -8388608], bits: 24, extensible: true }));
    expect(pcm.format).toBe('wav/pcm24');
    expect(pcm.mono[0]).toBeCloseTo(1, 6);
    const fl = decodeWav(makeWav({ samples: [0.5, 0.25, -1, 1], bits: 32, tag: 3, channels: 2, extensible: true }));
    expect(fl.format).toBe('wav/float32');
    expect(Array.from(fl.mono)).toEqual([0.375, 0]);
  });

  it('reads G.711 µ-law and A-law', () => {
    // µ-law 0x00 = -32124, 0x80 = 32124, 0xFF = 0; A-law 0xD5 = 8, 0x55 = -8, 0x2A = -32256
    const mu = decodeWav(makeWav({ samples: [0x00, 0x80, 0xff], bits: 8, tag: 7 }));
    expect(Array.from(mu.mono).map((v) => Math.round(v * 32768))).toEqual([-32124, 32124, 0]);
    const a = decodeWav(makeWav({ samples: [0xd5, 0x55, 0x2a], bits: 8, tag: 6 }));
    expect(Array.from(a.mono).map((v) => Math.round(v * 32768))).toEqual([8, -8, -32256]);
  });

  it('skips extra chunks of any size, odd ones with their pad byte, before and after data (like RAVDESS: FLLR, LIST, bext, _PMX)', () => {
    const samples = tone(1001, 2, 16);
    const spec: WavSpec = {
      samples, channels: 2,
      before: [['FLLR', new Uint8Array(4044)], ['junk', new Uint8Array(3)]],
      after: [['LIST', new Uint8Array(80)], ['bext', new Uint8Array(602)], ['_PMX', new Uint8Array(53801).fill(0x3c)]],
    };
    const bytes = makeWav(spec);
    const d = decodeWav(bytes, { hash: true });
    expect(d.frames).toBe(1001);
    expect(d.pcmSha256).toBe(sha(sampleBytes(spec)));
    // A writer that forgot the final pad byte (odd last chunk) is tolerated.
    expect(decodeWav(bytes.subarray(0, bytes.length - 1)).frames).toBe(1001);
  });

  it('finds fmt after data, and reads RF64', () => {
    const samples = tone(500, 1, 16);
    expect(decodeWav(makeWav({ samples, fmtLast: true })).frames).toBe(500);
    const rf = decodeWav(makeWav({ samples, rf64: true, after: [['LIST', new Uint8Array(7)]] }), { hash: true });
    expect(rf.frames).toBe(500);
    expect(rf.pcmSha256).toBe(sha(sampleBytes({ samples })));
  });

  it('reads a streaming WAV whose data size is 0xFFFFFFFF as running to the end', () => {
    const samples = tone(300, 1, 16);
    const d = decodeWav(makeWav({ samples, dataSize: 0xffffffff, riffSize: 0xffffffff }));
    expect(d.frames).toBe(300);
  });

  it('reads samples at an odd byte offset (copy instead of a misaligned view)', () => {
    const samples = [1000, -1000, 5];
    const bytes = makeWav({ samples, bits: 32, tag: 3 });
    // float32 of 1000 etc. is exact
    const shifted = new Uint8Array(bytes.length + 1).subarray(1);
    shifted.set(bytes);
    expect(Array.from(decodeWav(shifted).mono)).toEqual(samples);
    const b16 = makeWav({ samples });
    const s16 = new Uint8Array(b16.length + 1).subarray(1);
    s16.set(b16);
    expect(Array.from(decodeWav(s16).mono)).toEqual(samples.map((v) => v / 32768));
  });

  it('checkOnly: same checks, peak and hash, no samples kept', () => {
    for (const spec of [{ samples: [5, -32768, 7] }, { samples: [0.5, -0.75], bits: 32 as const, tag: 3 }, { samples: [1, 2, 3, 4], channels: 2 }]) {
      const full = decodeWav(makeWav(spec), { hash: true });
      const check = decodeWav(makeWav(spec), { hash: true, checkOnly: true });
      expect(check.mono.length).toBe(0);
      expect({ ...check, mono: null }).toEqual({ ...full, mono: null });
    }
    expect(() => decodeWav(makeWav({ samples: [0, NaN], bits: 32, tag: 3 }), { checkOnly: true })).toThrow(/non-finite/);
  });

  it('flags digital silence through the peak (not an error)', () => {
    const d = decodeWav(makeWav({ samples: new Array(4800).fill(0) }));
    expect(d.peak).toBe(0);
    expect(d.frames).toBe(4800);
  });
});

describe('WAV decoder: bad files get a clear error', () => {
  const good = () => makeWav({ samples: tone(1000, 1, 16) });
  const cases: [string, () => Uint8Array, RegExp][] = [
    ['zero-length file', () => new Uint8Array(0), /empty file \(0 bytes\)/],
    ['a few bytes', () => good().subarray(0, 7), /too short for a WAV header \(7 bytes\)/],
    ['truncated data chunk (file cut mid-data)', () => good().subarray(0, 1200), /truncated data chunk: it declares 2000 bytes but only 1156 follow/],
    ['RIFF size smaller than its chunks', () => {
      const b = good();
      new DataView(b.buffer).setUint32(4, 1000, true);
      return b;
    }, /the RIFF header declares 1008 bytes, but chunk "data" runs to byte 2044/],
    ['RIFF size larger than the file', () => {
      const b = good();
      new DataView(b.buffer).setUint32(4, b.length + 5000, true);
      return b;
    }, /truncated file: the RIFF header declares \d+ bytes, the file has \d+/],
    ['a chunk size that runs past the end', () => makeWav({ samples: tone(100, 1, 16), after: [['LIST', new Uint8Array(10)]], riffSize: undefined }).map((v, i, a) => (i === findChunk(a, 'LIST') + 4 ? 200 : v)), /chunk "LIST" at byte \d+ declares 200 bytes but only 10 remain/],
    ['data size not a whole number of frames', () => makeWav({ samples: tone(100, 2, 16), channels: 2, dataSize: 398 }), /data chunk size 398 is not a whole number of 4-byte frames/],
    ['block align that disagrees with the format', () => makeWav({ samples: tone(100, 1, 16), blockAlign: 4 }), /block align 4, but 1 channel\(s\) × 2 bytes = 2/],
    ['not audio at all (text)', () => new TextEncoder().encode('id,emotion\n1,angry\n2,calm\n'), /not a RIFF\/WAVE file/],
    ['compressed WAV (ADPCM)', () => makeWav({ samples: [1, 2, 3, 4], bits: 16, tag: 2 }), /unsupported WAV encoding 0x0002 \(Microsoft ADPCM\)/],
    ['NaN and Inf floats', () => makeWav({ samples: [0, 0.5, NaN, 0.1, Infinity, -Infinity], bits: 32, tag: 3 }), /3 non-finite sample\(s\) \(NaN\/Inf\) in float data, first at frame 2/],
    ['no fmt chunk', () => {
      const b = good();
      b.set([0x66, 0x6d, 0x74, 0x78], 12); // "fmtx"
      return b;
    }, /no "fmt " chunk \(chunks found: "fmtx", "data"\)/],
    ['no data chunk', () => {
      const b = good();
      b.set([0x64, 0x61, 0x74, 0x41], findChunk(b, 'data'));
      return b;
    }, /no "data" chunk/],
    ['empty data chunk', () => makeWav({ samples: [] }), /no audio: the data chunk is empty/],
    ['0 channels', () => makeWav({ samples: [1, 2], channels: 0, blockAlign: 0 }), /0 channels/],
    ['impossible bit depth', () => makeWav({ samples: [1, 2], bits: 64, tag: 1 }), /64-bit samples are not valid for this encoding/],
  ];
  it.each(cases)('%s', (_name, make, message) => {
    expect(() => decodeWav(make())).toThrow(message);
  });
});

describe('raw16 (the resample task: 16-bit PCM handed to the resampler undecoded)', () => {
  it('gives the data chunk bytes for 16-bit mono/stereo, still checking the file; other formats decode as usual', () => {
    for (const channels of [1, 2]) {
      const samples = Array.from({ length: 2 * 301 }, (_, i) => ((i * 7919) % 65536) - 32768);
      const wav = makeWav({ samples, channels, before: [['LIST', new Uint8Array(3)]] });
      const d = decodeWav(wav, { raw16: true });
      expect(d.mono.length).toBe(0);
      expect(d.frames).toBe(samples.length / channels);
      expect(Array.from(new Int16Array(Uint8Array.from(d.pcm16!).buffer))).toEqual(samples);
    }
    const three = makeWav({ samples: [1, 2, 3, 4, 5, 6], channels: 3 });
    expect(decodeWav(three, { raw16: true }).pcm16).toBeUndefined();
    expect(decodeWav(three, { raw16: true }).mono.length).toBe(2);
    const wide = makeWav({ samples: [1000, -1000], bits: 24 });
    expect(decodeWav(wide, { raw16: true }).pcm16).toBeUndefined();
    const bad = makeWav({ samples: [1, 2, 3] });
    expect(() => decodeWav(bad.subarray(0, bad.length - 2), { raw16: true })).toThrow(/truncated/);
  });
});
