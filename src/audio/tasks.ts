// Per-clip work run on the shared worker pool, a batch of clips per task (poolMap:
// 'inspectClips' | 'resampleClips' in new URL('../src/audio/tasks.ts', import.meta.url)).
// Each clip is read from its source (file or zip entry), decoded and returned as plain
// data; a bad file comes back as { ok: false, reason }, never as a thrown error, so one
// broken clip cannot fail the batch.
import { withTransfer, type TransferResult } from '../pipeline/task.ts';
import { readSourceTransient, type SourceRef } from '../dataset/sources.ts';
import { hex8 } from '../dataset/zip.ts';
import { decodeAudio } from './decode.ts';
import { AudioDecodeError } from './errors.ts';
import { resample } from './resample.ts';
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
}

export type ResampleResult =
  | { ok: true; fromRate: number; frames: number; samples: Float32Array }
  | { ok: false; reason: string };

/** A batch of resampleClip; the sample buffers are moved to the caller, not copied. */
export async function resampleClips(args: ResampleArg[]): Promise<TransferResult<ResampleResult[]>> {
  const out: ResampleResult[] = [];
  for (const a of args) out.push(await resampleClip(a));
  return withTransfer(out, out.flatMap((r) => (r.ok ? [r.samples.buffer as ArrayBuffer] : [])));
}

/** Decode a clip and resample it to `toRate`. */
export async function resampleClip(arg: ResampleArg): Promise<ResampleResult> {
  try {
    const src = readSourceTransient(arg.ref);
    const crc = hex8(src.crc32);
    if (arg.crc32 && crc !== arg.crc32) {
      return { ok: false, reason: `${arg.ref.rel} changed since ingest read it (CRC-32 ${crc}, was ${arg.crc32}); rerun ingest` };
    }
    // mono is a scratch view (transient): resample() copies it into its kernel's memory
    const d = await decodeAudio(src.bytes, arg.ref.rel, { transient: true });
    const samples = resample(d.mono, d.sampleRate, arg.toRate);
    return { ok: true, fromRate: d.sampleRate, frames: d.frames, samples };
  } catch (err) {
    return { ok: false, reason: `${arg.ref.rel}: ${problem(err)}` };
  }
}
