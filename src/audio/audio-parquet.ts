// audio.parquet (CONTRACTS.md): id (utf8), sample_rate (int32), n_samples (int32),
// samples (List<Float32>, mono). Uncompressed PLAIN pages by default (src/io/parquet-rows.ts):
// ZSTD shrinks resampled audio by only ~12 % (README, `audio.compression`).
//
// Uncompressed, the file is laid out before the audio exists: every clip's length is
// known from the manifest (frames, rate), so AudioParquetLayout writes ids, rates,
// lengths, page headers and levels at once and leaves a hole of 4·n bytes per clip; the
// resample workers write each clip's samples straight into its hole (positioned writes),
// and close() adds the footer. No clip crosses threads or is copied by the main thread,
// and the corpus (~340 MB of float32) is never held in memory. A reader finds each
// clip's samples at a byte offset (featurize reads just the part it uses).
//
// With ZSTD (`audio.compression: zstd`) compressed sizes are not known in advance, so
// AudioParquetAppender appends instead: each worker compresses its clip into a page
// (encodeListRowPage) and the main thread appends the pages in clip order, a row group
// of 64 clips at a time (at most one row group of compressed pages held).
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, renameSync, writeSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Table } from 'apache-arrow';
import { EncodedRows, encodeListRowPage, FloatListHoles, ParquetRowsWriter, type ColumnSpec, type Compression, type EncodedPage } from '../io/parquet-rows.ts';

export interface AudioClip {
  id: string;
  sampleRate: number;
  samples: Float32Array;
}

/** A clip of audio.parquet before its samples exist. */
export interface PlannedClip {
  id: string;
  sampleRate: number;
  /** Number of samples. */
  length: number;
}

/** Clips per row group (≈ 15 MB of 16 kHz audio). */
export const AUDIO_ROW_GROUP = 64;

export const AUDIO_COLUMNS: ColumnSpec[] = [
  { name: 'id', kind: 'utf8' },
  { name: 'sample_rate', kind: 'int32' },
  { name: 'n_samples', kind: 'int32' },
  { name: 'samples', kind: 'float32-list' },
];

/**
 * An audio.parquet being written under a temporary sibling name (`tmpPath`) and renamed
 * into place by close(), so a failed or killed run never leaves a complete-looking file.
 */
abstract class TempAudioParquet {
  readonly tmpPath: string;
  protected readonly writer: ParquetRowsWriter;
  protected done = false;

  constructor(readonly path: string, opts: ConstructorParameters<typeof ParquetRowsWriter>[2] = {}) {
    this.tmpPath = join(dirname(path), `.${basename(path)}.${randomBytes(4).toString('hex')}.tmp`);
    this.writer = new ParquetRowsWriter(this.tmpPath, AUDIO_COLUMNS, opts);
  }

  /** What close() writes before the footer. */
  protected finish(): void {}

  /** Footer, then rename into place. */
  close(): void {
    if (this.done) return;
    this.done = true;
    try {
      this.finish();
      this.writer.close();
      renameSync(this.tmpPath, this.path);
    } catch (err) {
      this.writer.abort();
      void rm(this.tmpPath, { force: true });
      throw err;
    }
  }

  /** Give up: close and delete the temporary file. */
  async abort(): Promise<void> {
    if (this.done) return;
    this.done = true;
    this.writer.abort();
    await rm(this.tmpPath, { force: true });
  }
}

/**
 * audio.parquet with every clip's place reserved. Written under a temporary sibling
 * name (`tmpPath`, where the samples go) and renamed into place by close(), so a failed
 * or killed run never leaves a complete-looking audio.parquet.
 */
export class AudioParquetLayout extends TempAudioParquet {
  /** Byte offset in tmpPath of each clip's samples (null for an empty clip). */
  readonly offsets: (number | null)[] = [];

  constructor(path: string, clips: readonly PlannedClip[], rowGroupSize = AUDIO_ROW_GROUP) {
    super(path);
    try {
      for (let i = 0; i < clips.length; i += rowGroupSize) {
        const c = clips.slice(i, i + rowGroupSize);
        const lengths = Int32Array.from(c, (x) => x.length);
        this.offsets.push(...this.writer.reserveRowGroup({
          id: c.map((x) => x.id),
          sample_rate: Int32Array.from(c, (x) => x.sampleRate),
          n_samples: lengths,
          samples: new FloatListHoles(lengths),
        }));
      }
    } catch (err) {
      this.writer.abort();
      void rm(this.tmpPath, { force: true });
      throw err;
    }
  }

}

/** Write clips' samples into their reserved places (any thread): [byte offset, samples] pairs. */
export function writeSamplesAt(path: string, pieces: readonly [offset: number, samples: Float32Array][]): void {
  const fd = openSync(path, 'r+');
  try {
    for (const [offset, x] of pieces) {
      const bytes = new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
      let done = 0;
      while (done < bytes.byteLength) done += writeSync(fd, bytes, done, bytes.byteLength - done, offset + done);
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * audio.parquet written front to back with ZSTD: add() each clip's page (encoded by
 * encodeListRowPage, normally in the worker that resampled the clip) in clip order;
 * every full row group is written at once. Under a temporary name until close(), like
 * AudioParquetLayout. `onWrite` sees every byte written, in order (to hash the file).
 */
export class AudioParquetAppender extends TempAudioParquet {
  private readonly rowGroupSize: number;
  private rows: { clip: PlannedClip; page: EncodedPage }[] = [];

  constructor(path: string, opts: { onWrite?: (bytes: Uint8Array) => void; rowGroupSize?: number } = {}) {
    super(path, { compression: 'zstd', onWrite: opts.onWrite });
    this.rowGroupSize = opts.rowGroupSize ?? AUDIO_ROW_GROUP;
  }

  /** The next clip, with its samples as an encoded ZSTD page (`clip.length` values). */
  add(clip: PlannedClip, page: EncodedPage): void {
    if (this.done) throw new Error(`${this.path}: already closed`);
    if (page.numValues !== Math.max(1, clip.length)) throw new Error(`clip ${clip.id}: a page of ${page.numValues} values for ${clip.length} samples`);
    this.rows.push({ clip, page });
    if (this.rows.length >= this.rowGroupSize) this.flush();
  }

  private flush(): void {
    if (!this.rows.length) return;
    const c = this.rows.map((r) => r.clip);
    this.writer.writeRowGroup({
      id: c.map((x) => x.id),
      sample_rate: Int32Array.from(c, (x) => x.sampleRate),
      n_samples: Int32Array.from(c, (x) => x.length),
      samples: new EncodedRows(this.rows.map((r) => r.page)),
    });
    this.rows = [];
  }

  /** The last row group. */
  protected override finish(): void {
    this.flush();
  }
}

/** Where a worker puts a resampled clip (ResampleArg.out in tasks.ts). */
export type ClipTarget =
  /** Into its reserved place: the file, the byte offset (null: empty clip) and the expected length. */
  | { path: string; offset: number | null; length: number }
  /** Back to the main thread as its ZSTD page (encodeListRowPage), for a clip of `length` samples. */
  | { page: 'zstd'; length: number };

/** Write clips as audio.parquet (tests, tools; the resample stage streams them). */
export async function writeAudioParquet(path: string, clips: AudioClip[], rowGroupSize = AUDIO_ROW_GROUP, compression: Compression = 'none'): Promise<void> {
  if (compression === 'zstd') {
    const w = new AudioParquetAppender(path, { rowGroupSize });
    try {
      for (const c of clips) w.add({ id: c.id, sampleRate: c.sampleRate, length: c.samples.length }, encodeListRowPage(c.samples));
      w.close();
    } catch (err) {
      await w.abort();
      throw err;
    }
    return;
  }
  const layout = new AudioParquetLayout(path, clips.map((c) => ({ id: c.id, sampleRate: c.sampleRate, length: c.samples.length })), rowGroupSize);
  try {
    writeSamplesAt(layout.tmpPath, clips.flatMap((c, i) => (layout.offsets[i] === null ? [] : [[layout.offsets[i]!, c.samples] as [number, Float32Array]])));
    layout.close();
  } catch (err) {
    await layout.abort();
    throw err;
  }
}

/** Used only by tests and tools; the featurize stage reads clips by byte offset (src/features/audio-input.ts). */
export function clipsFromTable(table: Table): AudioClip[] {
  const out: AudioClip[] = [];
  const ids = table.getChild('id')!;
  const rates = table.getChild('sample_rate')!;
  const samples = table.getChild('samples')!;
  for (let i = 0; i < table.numRows; i++) {
    const v = samples.get(i) as { toArray(): Float32Array };
    out.push({ id: ids.get(i) as string, sampleRate: rates.get(i) as number, samples: Float32Array.from(v.toArray()) });
  }
  return out;
}
