// FLAC via @wasm-audio-decoders/flac (libFLAC compiled to WebAssembly, maintained,
// bit-exact). Measured here at ~280× realtime per core — slower than reading WAV, so
// benchmarks start from WAV like the reference and report FLAC input separately.
//
// The frames are split by flac-frames.ts (CRC-checked), not by the library's own parser,
// which drops the last frame of some files. Guards the library does not give: the
// decoded length must equal the STREAMINFO total (a truncated file otherwise decodes
// "fine", minus its tail), and decoder errors fail the file instead of being logged.
import { createHash } from 'node:crypto';
import type { FLACDecoder, FLACDecodedAudio } from '@wasm-audio-decoders/flac';
import { AudioDecodeError } from './errors.ts';
import { splitFlacFrames } from './flac-frames.ts';
import type { DecodeOptions, DecodedAudio } from './types.ts';
import { FORMAT_PCM, toMono } from './wav.ts';

interface StreamInfo {
  sampleRate: number;
  channels: number;
  bits: number;
  totalFrames: number;
}

export function isFlac(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x66 && bytes[1] === 0x4c && bytes[2] === 0x61 && bytes[3] === 0x43; // "fLaC"
}

function fail(problem: string): never {
  throw new AudioDecodeError(problem);
}

function readStreamInfo(b: Uint8Array): StreamInfo {
  // "fLaC", then metadata block header (type 0 = STREAMINFO, length 34).
  if (b.length < 42 || (b[4] & 0x7f) !== 0) fail('FLAC file without a STREAMINFO block');
  const s = 8;
  const sampleRate = (b[s + 10] << 12) | (b[s + 11] << 4) | (b[s + 12] >> 4);
  const channels = ((b[s + 12] >> 1) & 0x07) + 1;
  const bits = (((b[s + 12] & 0x01) << 4) | (b[s + 13] >> 4)) + 1;
  const totalFrames = (b[s + 13] & 0x0f) * 2 ** 32 + ((b[s + 14] << 24) >>> 0) + (b[s + 15] << 16) + (b[s + 16] << 8) + b[s + 17];
  if (sampleRate === 0) fail('FLAC STREAMINFO says sample rate 0');
  return { sampleRate, channels, bits, totalFrames };
}

let decoder: FLACDecoder | undefined;
function dropDecoder(): void {
  try {
    decoder?.free();
  } catch {
    /* already unusable */
  }
  decoder = undefined;
}
/** One decoder per thread, reused: instantiating the wasm costs more than a short clip. */
async function getDecoder(): Promise<FLACDecoder> {
  if (!decoder) {
    // Loaded on the first FLAC file: a thread that only reads WAV never pays for it.
    const { FLACDecoder } = await import('@wasm-audio-decoders/flac');
    decoder = new FLACDecoder();
    await decoder.ready;
  }
  return decoder;
}

// The library prints decoder errors with console.error before returning them; we turn
// them into an AudioDecodeError for the file, so silence that duplicate.
async function quietly<T>(fn: () => Promise<T>): Promise<T> {
  const original = console.error;
  console.error = () => {};
  try {
    return await fn();
  } finally {
    console.error = original;
  }
}

/** The decoded stream as a WAV `data` chunk would hold it (for FLAC → WAV copies). */
export interface FlacPcm {
  sampleRate: number;
  channels: number;
  /** Container bits: 8, 16, 24 or 32. */
  bits: number;
  frames: number;
  /** Interleaved little-endian integers. */
  data: Uint8Array;
}

export async function decodeFlac(bytes: Uint8Array, opts: DecodeOptions = {}): Promise<DecodedAudio> {
  const pcm = await decodeFlacPcm(bytes);
  const fmt = { tag: FORMAT_PCM, channels: pcm.channels, sampleRate: pcm.sampleRate, blockAlign: (pcm.channels * pcm.bits) / 8, bits: pcm.bits };
  const { mono, peak } = toMono(pcm.data, fmt, pcm.frames, opts.checkOnly);
  return {
    format: `flac/${pcm.streamBits}`,
    sampleRate: pcm.sampleRate,
    channels: pcm.channels,
    frames: pcm.frames,
    bitsPerSample: pcm.streamBits,
    mono,
    peak,
    pcmSha256: opts.hash ? createHash('sha256').update(pcm.data).digest('hex') : undefined,
  };
}

export async function decodeFlacPcm(bytes: Uint8Array): Promise<FlacPcm & { streamBits: number }> {
  if (!isFlac(bytes)) fail('not a FLAC file');
  const info = readStreamInfo(bytes);
  const flacFrames = splitFlacFrames(bytes);
  // The decoder is reused without reset(): reset() re-instantiates the wasm module
  // (~15 ms, more than decoding a clip). Frames are self-contained, but libFLAC keeps
  // frame-number bookkeeping across calls and may report a "missing frame" when a new
  // file's parameters differ from the last one's; so any error or short result is
  // retried once on a fresh decoder, and only an error that survives that is the file's.
  let result = await decodeWith(await getDecoder(), flacFrames);
  if (!result.ok || (info.totalFrames > 0 && result.value.samplesDecoded !== info.totalFrames)) {
    dropDecoder();
    result = await decodeWith(await getDecoder(), flacFrames);
  }
  if (!result.ok) {
    dropDecoder();
    fail(result.problem);
  }
  const decoded = result.value;
  const C = decoded.channelData.length;
  const frames = decoded.samplesDecoded;
  if (frames === 0 || C === 0) fail('no audio: the FLAC stream holds no samples');
  if (info.totalFrames > 0 && frames !== info.totalFrames) {
    dropDecoder();
    fail(`truncated FLAC: STREAMINFO says ${info.totalFrames} frames, only ${frames} decoded`);
  }
  const container = Math.ceil(info.bits / 8) * 8;
  const data = toWavData(decoded.channelData, frames, info.bits, container);
  return { sampleRate: decoded.sampleRate, channels: C, bits: container, streamBits: info.bits, frames, data };
}

type Attempt = { ok: true; value: FLACDecodedAudio } | { ok: false; problem: string };

async function decodeWith(dec: FLACDecoder, frames: Uint8Array[]): Promise<Attempt> {
  try {
    const value = await quietly(() => dec.decodeFrames(frames));
    if (value.errors.length) {
      const e = value.errors[0];
      return { ok: false, problem: `corrupt FLAC data (${value.errors.length} error(s), first: ${e.message} at frame ${e.frameNumber})` };
    }
    return { ok: true, value };
  } catch (err) {
    return { ok: false, problem: `FLAC decoder failed: ${(err as Error).message}` };
  }
}

/**
 * The decoded audio as a WAV `data` chunk would hold it: interleaved little-endian
 * integers, left-justified in 8/16/24/32-bit containers. The library hands out
 * float32(int / (2^(bits-1) - 1)), from which the integers come back exactly by
 * rounding (checked: a value far off the grid would mean the library changed its scaling).
 * Going through integers makes FLAC and WAV of the same audio give identical samples
 * (int / 2^(bits-1), like the reference) and the MANIFEST's PCM SHA-256.
 */
function toWavData(ch: Float32Array[], frames: number, bits: number, container: number): Uint8Array {
  const C = ch.length;
  const scale = 2 ** (bits - 1) - 1;
  const shift = container - bits;
  const bytesPer = container / 8;
  const out = new Uint8Array(frames * C * bytesPer);
  let worst = 0;
  if (bytesPer === 2) {
    const s = new Int16Array(out.buffer);
    for (let c = 0; c < C; c++) {
      const x = ch[c];
      for (let i = 0, p = c; i < frames; i++, p += C) {
        const f = x[i] * scale;
        const v = Math.round(f);
        const e = f - v;
        if (e > worst || -e > worst) worst = e < 0 ? -e : e;
        s[p] = v << shift;
      }
    }
  } else {
    for (let i = 0, p = 0; i < frames; i++) {
      for (let c = 0; c < C; c++) {
        const f = ch[c][i] * scale;
        const v = Math.round(f);
        const e = f - v;
        if (e > worst || -e > worst) worst = e < 0 ? -e : e;
        const u = v * 2 ** shift;
        for (let b = 0; b < bytesPer; b++, p++) out[p] = (u >> (8 * b)) & 0xff;
      }
    }
  }
  // float32 keeps 24 significant bits: for deep samples the product is off by up to
  // half an ulp × scale (≤ 0.25 at 24 bits), still far from the next integer.
  const tolerance = Math.min(0.45, scale * 2 ** -24 + 0.01);
  if (worst > tolerance) fail(`FLAC decoder returned samples off the ${bits}-bit integer grid (by ${worst.toFixed(3)})`);
  return out;
}
