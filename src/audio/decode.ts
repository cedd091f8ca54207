// One entry point for every audio file the project reads (the pipeline's ingest and
// resample stages, and `ser predict`): sniff the container from the first bytes (never
// trust the extension), decode, downmix to mono. Errors name the file and the problem.
import { readFile } from 'node:fs/promises';
import { AudioDecodeError } from './errors.ts';
import { decodeFlac, isFlac } from './flac.ts';
import type { DecodeOptions, DecodedAudio } from './types.ts';
import { decodeWav, isWav } from './wav.ts';

export type { DecodedAudio, DecodeOptions } from './types.ts';
export { AudioDecodeError } from './errors.ts';

/** What the first bytes say the file is, for an error message when it is not WAV/FLAC. */
export function sniff(bytes: Uint8Array): string {
  const a = (from: number, to: number) => String.fromCharCode(...bytes.subarray(from, to));
  if (bytes.length >= 12 && a(0, 4) === 'FORM' && (a(8, 12) === 'AIFF' || a(8, 12) === 'AIFC')) return 'AIFF audio (FORM/' + a(8, 12) + '), not WAV';
  if (bytes.length >= 12 && a(0, 4) === 'RIFF') return `a RIFF file of type ${JSON.stringify(a(8, 12))}, not WAVE`;
  if (bytes.length >= 4 && a(0, 4) === 'RIFX') return 'big-endian RIFX WAV, which is not supported';
  if (bytes.length >= 4 && a(0, 4) === 'OggS') return 'an Ogg stream (Vorbis/Opus/Ogg FLAC), which is not supported';
  if (bytes.length >= 3 && a(0, 3) === 'ID3') return 'MP3 (ID3 tag), which is not supported';
  if (bytes.length >= 2 && bytes[0] === 0xff && (bytes[1] & 0xe0) === 0xe0) return 'an MPEG audio stream (MP3/AAC), which is not supported';
  if (bytes.length >= 8 && a(4, 8) === 'ftyp') return 'an MP4/M4A file, which is not supported';
  if (bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 3 && bytes[3] === 4) return 'a zip archive, not an audio file';
  const head = bytes.subarray(0, 64);
  if (head.length && head.every((c) => c === 9 || c === 10 || c === 13 || (c >= 32 && c < 127))) {
    const text = a(0, Math.min(32, head.length)).replace(/\s+/g, ' ').trim();
    return /^<(!doctype|html)/i.test(text) ? `an HTML page ("${text}…"), not audio — a failed download?` : `text ("${text}…"), not audio`;
  }
  const hex = [...bytes.subarray(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
  return `not a known audio format (first bytes ${hex})`;
}

/** Decode WAV or FLAC bytes; `name` is used in error messages. */
export async function decodeAudio(bytes: Uint8Array, name: string, opts: DecodeOptions = {}): Promise<DecodedAudio> {
  try {
    if (bytes.length === 0) throw new AudioDecodeError('empty file (0 bytes)');
    if (isWav(bytes)) return decodeWav(bytes, opts);
    if (isFlac(bytes)) return await decodeFlac(bytes, opts);
    throw new AudioDecodeError(sniff(bytes));
  } catch (err) {
    if (err instanceof AudioDecodeError) throw err.withFile(name);
    throw new AudioDecodeError(`decoder failed: ${(err as Error).message}`, name);
  }
}

/**
 * decodeAudioFile(path | bytes) → { sampleRate, channels, frames, mono, pcmSha256? }.
 * Throws AudioDecodeError naming the file and what is wrong with it.
 */
export async function decodeAudioFile(input: string | Uint8Array, opts: DecodeOptions & { name?: string } = {}): Promise<DecodedAudio> {
  if (typeof input !== 'string') return decodeAudio(input, opts.name ?? '<bytes>', opts);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(input);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new AudioDecodeError(code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, not a file' : `cannot read: ${(err as Error).message}`, input);
  }
  return decodeAudio(bytes, opts.name ?? input, opts);
}
