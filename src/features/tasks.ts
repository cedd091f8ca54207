// Worker task module of the featurize stage (run on the shared pool). A task is a run of
// clips: located ones (fast path: the worker reads just their samples by byte offset,
// see audio-input.ts) or one row group read with parquet-wasm (fallback). Every clip's
// log-Mel is computed with the worker's cached extractor and the results move back in
// one buffer; with `compression: 'zstd'` each log-Mel also goes back as its ZSTD page of
// features.parquet, compressed here rather than on the main thread.
import { closeSync, openSync } from 'node:fs';
import { encodeListRowPage, readFloatList, type Compression, type EncodedPage } from '../io/parquet-rows.ts';
import { withTransfer } from '../pipeline/task.ts';
import { readAudioRowGroup, readClips, type ClipLocation } from './audio-input.ts';
import { logMelExtractor, type LogMelExtractor } from './extractor.ts';
import type { FeatureParams } from './params.ts';

export interface ClipsTask {
  path: string;
  clips: ClipLocation[];
  sampleRate: number;
  params: FeatureParams;
  /** 'zstd': also return each log-Mel as its features.parquet page. */
  compression?: Compression;
}

export interface RowGroupTask {
  path: string;
  group: number;
  /** The rate every clip must have (checked on the whole file by the planner). */
  sampleRate: number;
  params: FeatureParams;
  compression?: Compression;
}

export interface RowGroupResult {
  ids: string[];
  /** ids.length · n_mels · n_frames values, in row order. */
  logmel: Float32Array;
  /** With compression 'zstd': each clip's log-Mel as a ZSTD page (encodeListRowPage), in row order. */
  pages?: EncodedPage[];
}

/** The task's result, its buffers moved (not copied) to the main thread. */
function result(ids: string[], logmel: Float32Array<ArrayBuffer>, compression: Compression | undefined, size: number) {
  if (compression !== 'zstd') return withTransfer<RowGroupResult>({ ids, logmel }, [logmel.buffer]);
  const pages = ids.map((_, i) => encodeListRowPage(logmel.subarray(i * size, (i + 1) * size)));
  return withTransfer<RowGroupResult>({ ids, logmel, pages }, [logmel.buffer, ...pages.map((p) => p.bytes.buffer)]);
}

// The audio of a task is read into this thread's reusable buffer: a fresh ~5 MB array
// per task cost ~0.15 ms per clip in allocation and page faults.
let scratch = new Float32Array(0);
const scratchOf = (n: number): Float32Array => {
  if (scratch.length < n) scratch = new Float32Array(Math.max(n, 2 * scratch.length));
  return scratch.subarray(0, n);
};

export function logMelClips(task: ClipsTask) {
  const ex = logMelExtractor(task.params, task.sampleRate);
  const input = ex.inputBuffer();
  if (input) return logMelClipsInPlace(task, ex, input);
  // Only the first duration_s seconds are used unless silence is trimmed first.
  const { samples, starts, lengths } = readClips(task.path, task.clips, task.params.trim_silence ? null : ex.shape.nSamples, scratchOf);
  const size = ex.shape.size;
  const n = task.clips.length;
  const out = new Float32Array(n * size);
  for (let i = 0; i < n; i++) {
    const clip = samples.subarray(starts[i], starts[i] + lengths[i]);
    const o = out.subarray(i * size, (i + 1) * size);
    // A NaN/Inf sample makes its frames (and with Inf, the clamp floor) non-finite, so
    // checking the 12 032 outputs finds it (the kernel counts them as it writes them; the
    // JS chain's are scanned here); only then are the samples scanned, for the message.
    // (Scanning every clip's 48 000 samples cost ~0.3 ms of the ~1.5 per clip.)
    if (!ex.computeChecked(clip, o) && !allFinite(o)) {
      checkFinite(task.clips[i].id, clip);
      throw new Error(`clip ${task.clips[i].id}: its log-Mel is not finite`);
    }
  }
  return result(task.clips.map((c) => c.id), out, task.compression, size);
}

/**
 * logMelClips reading each clip's first duration_s seconds straight into the kernel's
 * input memory (no scratch buffer, no copy into the kernel).
 */
function logMelClipsInPlace(task: ClipsTask, ex: LogMelExtractor, input: Float32Array) {
  const size = ex.shape.size;
  const n = task.clips.length;
  const out = new Float32Array(n * size);
  const fd = openFile(task.path);
  try {
    for (let i = 0; i < n; i++) {
      const c = task.clips[i];
      const len = readFloatList(fd, c, input, Math.min(c.length, ex.shape.nSamples));
      const o = out.subarray(i * size, (i + 1) * size);
      if (!ex.computeInput(len, o) && !allFinite(o)) {
        checkFinite(c.id, input.subarray(0, len));
        throw new Error(`clip ${c.id}: its log-Mel is not finite`);
      }
    }
  } finally {
    closeSync(fd);
  }
  return result(task.clips.map((c) => c.id), out, task.compression, size);
}

function openFile(path: string): number {
  try {
    return openSync(path, 'r');
  } catch (err) {
    throw new Error(`cannot read ${path}: ${(err as Error).message}`);
  }
}

export async function logMelRowGroup(task: RowGroupTask) {
  const rows = await readAudioRowGroup(task.path, task.group);
  const ex = logMelExtractor(task.params, task.sampleRate);
  const size = ex.shape.size;
  const n = rows.ids.length;
  const out = new Float32Array(n * size);
  for (let i = 0; i < n; i++) {
    const id = rows.ids[i];
    if (rows.sampleRates[i] !== task.sampleRate) throw new Error(`clip ${id}: ${rows.sampleRates[i]} Hz, expected ${task.sampleRate} Hz`);
    const clip = rows.samples(i);
    checkFinite(id, clip);
    ex.compute(clip, out.subarray(i * size, (i + 1) * size));
  }
  return result(rows.ids, out, task.compression, size);
}

function allFinite(x: Float32Array): boolean {
  for (let j = 0; j < x.length; j++) if (x[j] - x[j] !== 0) return false; // NaN or ±Inf
  return true;
}

function checkFinite(id: string, clip: Float32Array): void {
  for (let j = 0; j < clip.length; j++) {
    if (!Number.isFinite(clip[j])) throw new Error(`clip ${id}: sample ${j} is ${clip[j]} (audio must be finite)`);
  }
}
