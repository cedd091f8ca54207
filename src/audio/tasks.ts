// Per-clip work run on the shared worker pool, a batch of clips per task (poolMap:
// 'inspectClips' | 'resampleClips' in new URL('../src/audio/tasks.ts', import.meta.url)).
// Each clip is read from its source (file or zip entry) and decoded; ingest gets plain
// facts back, resample's samples go straight into audio.parquet. A bad file comes back
// as { ok: false, reason }, never as a thrown error, so one broken clip cannot fail the
// batch.
import { readSourceTransient, type SourceRef } from '../dataset/sources.ts';
import { decodeAudio } from './decode.ts';
import { AudioDecodeError } from './errors.ts';
import { resamplePcm16Transient, resampleTransient } from './resample.ts';
import { writeSamplesAt, type ClipTarget } from './audio-parquet.ts';
import { encodeListRowPage, type EncodedPage } from '../io/parquet-rows.ts';
import { withTransfer } from '../pipeline/task.ts';
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
      /** Bytes read (the file, or the inflated zip entry): resample checks it reads as many. */
      fileSize: number;
    }
  | { ok: false; reason: string; fileSize: number | null };

const problem = (err: unknown): string => (err instanceof AudioDecodeError ? err.problem : (err as Error).message ?? String(err));

/** Decode a clip to check it; the samples are dropped (ingest stores no audio). */
export async function inspectClip(arg: InspectArg): Promise<InspectResult> {
  let bytes: Uint8Array;
  try {
    bytes = readSourceTransient(arg.ref);
  } catch (err) {
    return { ok: false, reason: `cannot read: ${problem(err)}`, fileSize: null };
  }
  try {
    const d = await decodeAudio(bytes, arg.ref.rel, { hash: arg.hash, checkOnly: true });
    return {
      ok: true, format: d.format, sampleRate: d.sampleRate, channels: d.channels, frames: d.frames,
      bitsPerSample: d.bitsPerSample, pcmSha256: d.pcmSha256 ?? '', peak: d.peak, silent: d.peak <= SILENCE_PEAK, fileSize: bytes.length,
    };
  } catch (err) {
    return { ok: false, reason: problem(err), fileSize: bytes.length };
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
  /**
   * Bytes ingest read from this source: a different size now is an error, not silently
   * other audio. (Content identity is the engine's: dataset.path is hashed into ingest's
   * cache key at the start of every run; the decoded rate and frame count are checked too.)
   */
  fileSize: number;
  /** Where the samples go: audio.parquet's temporary file and the clip's byte offset, or back as a ZSTD page; and the expected length. */
  out: ClipTarget;
}

export type ResampleResult =
  | { ok: true; fromRate: number; frames: number; length: number; written: boolean; page?: EncodedPage }
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

/** resampleClips with `out: { page: 'zstd' }` (audio.compression: zstd): the pages move to the main thread, not copied. */
export async function resampleClipsToPages(args: ResampleArg[]) {
  const out = await resampleClips(args);
  return withTransfer(out, out.flatMap((r) => (r.ok && r.page ? [r.page.bytes.buffer] : [])));
}

/**
 * Decode a clip, resample it to `toRate` and write it at its offset — only when its
 * length is the one reserved (a different length is reported, and fails the stage).
 */
export async function resampleClip(arg: ResampleArg): Promise<ResampleResult> {
  try {
    const bytes = readSourceTransient(arg.ref);
    if (bytes.length !== arg.fileSize) {
      return { ok: false, reason: `${arg.ref.rel} changed since ingest read it (${bytes.length} bytes, was ${arg.fileSize}); rerun ingest` };
    }
    // decode into scratch memory and resample into the kernel's memory (both transient):
    // the samples are written to the file right away, no array per clip. 16-bit PCM WAV
    // (the corpus) goes to the resampler undecoded: its kernel converts the samples.
    const d = await decodeAudio(bytes, arg.ref.rel, { transient: true, raw16: true });
    const samples = d.pcm16
      ? resamplePcm16Transient(d.pcm16, d.channels as 1 | 2, d.sampleRate, arg.toRate)
      : resampleTransient(d.mono, d.sampleRate, arg.toRate);
    const fits = samples.length === arg.out.length;
    if ('page' in arg.out) {
      return { ok: true, fromRate: d.sampleRate, frames: d.frames, length: samples.length, written: fits, page: fits ? encodeListRowPage(samples) : undefined };
    }
    if (fits && arg.out.offset !== null) writeSamplesAt(arg.out.path, [[arg.out.offset, samples]]);
    return { ok: true, fromRate: d.sampleRate, frames: d.frames, length: samples.length, written: fits };
  } catch (err) {
    return { ok: false, reason: `${arg.ref.rel}: ${problem(err)}` };
  }
}
