// Per-clip work run on the shared worker pool, a batch of clips per task (poolMap:
// 'inspectClips' | 'resampleClips' in new URL('../src/audio/tasks.ts', import.meta.url)).
// Each clip is read from its source (file or zip entry) and decoded; ingest gets plain
// facts back, resample's samples go straight into audio.parquet. A bad file comes back
// as { ok: false, reason }, never as a thrown error, so one broken clip cannot fail the
// batch.
import { readSourceTransient, type SourceRef } from '../dataset/sources.ts';
import { hex8 } from '../dataset/zip.ts';
import { decodeAudio } from './decode.ts';
import { AudioDecodeError } from './errors.ts';
import { resamplePcm16Transient, resampleTransient } from './resample.ts';
import { writeSamplesAt } from './audio-parquet.ts';
import { SILENCE_PEAK } from './types.ts';

export interface InspectArg {
  ref: SourceRef;
  /** Compute the PCM SHA-256 (dataset.verify != off). */
  hash: boolean;
}

export type InspectResult =
  | {
      ok: true;
      format: string;
      sampleRate: number;
      channels: number;
      frames: number;
      bitsPerSample: number;
      pcmSha256: string;
      peak: number;
      silent: boolean;
      /** CRC-32 of the file bytes (hex), so resample can tell the source is unchanged. */
      crc32: string;
    }
  | { ok: false; reason: string; crc32: string };

const problem = (err: unknown): string => (err instanceof AudioDecodeError ? err.problem : (err as Error).message ?? String(err));

/** Decode a clip to check it; the samples are dropped (ingest stores no audio). */
export async function inspectClip(arg: InspectArg): Promise<InspectResult> {
  let bytes: Uint8Array;
  let crc = '';
  try {
    const src = readSourceTransient(arg.ref);
    bytes = src.bytes;
    crc = hex8(src.crc32);
  } catch (err) {
    return { ok: false, reason: `cannot read: ${problem(err)}`, crc32: crc };
  }
  try {
    const d = await decodeAudio(bytes, arg.ref.rel, { hash: arg.hash, checkOnly: true });
    return {
      ok: true, format: d.format, sampleRate: d.sampleRate, channels: d.channels, frames: d.frames,
      bitsPerSample: d.bitsPerSample, pcmSha256: d.pcmSha256 ?? '', peak: d.peak, silent: d.peak <= SILENCE_PEAK, crc32: crc,
    };
  } catch (err) {
    return { ok: false, reason: problem(err), crc32: crc };
  }
}

/** A batch of inspectClip. */
export async function inspectClips(args: InspectArg[]): Promise<InspectResult[]> {
  const out: InspectResult[] = [];
  for (const a of args) out.push(await inspectClip(a));
  return out;
}

export interface ResampleArg {
  ref: SourceRef;
  toRate: number;
  /** CRC-32 ingest saw; a different file now is an error, not silently other audio. */
  crc32: string;
  /** Where the samples go: audio.parquet's temporary file, the clip's byte offset and expected length. */
  out: { path: string; offset: number | null; length: number };
}

export type ResampleResult =
  | { ok: true; fromRate: number; frames: number; length: number; written: boolean }
  | { ok: false; reason: string };

/**
 * A batch of resampleClip: each clip's samples are written straight into its reserved
 * place in audio.parquet (see AudioParquetLayout) — nothing but a small result travels
 * back to the main thread.
 */
export async function resampleClips(args: ResampleArg[]): Promise<ResampleResult[]> {
  const out: ResampleResult[] = [];
  for (const a of args) out.push(await resampleClip(a));
  return out;
}

/**
 * Decode a clip, resample it to `toRate` and write it at its offset — only when its
 * length is the one reserved (a different length is reported, and fails the stage).
 */
export async function resampleClip(arg: ResampleArg): Promise<ResampleResult> {
  try {
    const src = readSourceTransient(arg.ref);
    const crc = hex8(src.crc32);
    if (arg.crc32 && crc !== arg.crc32) {
      return { ok: false, reason: `${arg.ref.rel} changed since ingest read it (CRC-32 ${crc}, was ${arg.crc32}); rerun ingest` };
    }
    // decode into scratch memory and resample into the kernel's memory (both transient):
    // the samples are written to the file right away, no array per clip. 16-bit PCM WAV
    // (the corpus) goes to the resampler undecoded: its kernel converts the samples.
    const d = await decodeAudio(src.bytes, arg.ref.rel, { transient: true, raw16: true });
    const samples = d.pcm16
      ? resamplePcm16Transient(d.pcm16, d.channels as 1 | 2, d.sampleRate, arg.toRate)
      : resampleTransient(d.mono, d.sampleRate, arg.toRate);
    const fits = samples.length === arg.out.length;
    if (fits && arg.out.offset !== null) writeSamplesAt(arg.out.path, [[arg.out.offset, samples]]);
    return { ok: true, fromRate: d.sampleRate, frames: d.frames, length: samples.length, written: fits };
  } catch (err) {
    return { ok: false, reason: `${arg.ref.rel}: ${problem(err)}` };
  }
}
