// audio.parquet (CONTRACTS.md): id (utf8), sample_rate (int32), n_samples (int32),
// samples (List<Float32>, mono). Written row group by row group while the resample
// stage's clips arrive (src/io/parquet-rows.ts: PLAIN float32, uncompressed — ZSTD
// shrank resampled audio by only ~10 % for ~3 ms of CPU per clip to write and read), so
// the corpus (~340 MB of float32) is never held whole in memory, and a reader can find
// each clip's samples at a byte offset (featurize reads just the part it uses).
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { renameSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Table } from 'apache-arrow';
import { ParquetRowsWriter, type ColumnSpec } from '../io/parquet-rows.ts';

export interface AudioClip {
  id: string;
  sampleRate: number;
  samples: Float32Array;
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
 * Streams clips into audio.parquet: add() them in order, close() at the end. The file is
 * written under a temporary sibling name and renamed into place by close(), so a failed
 * or killed run never leaves a complete-looking audio.parquet.
 */
export class AudioParquetWriter {
  private readonly tmp: string;
  private readonly writer: ParquetRowsWriter;
  private pending: AudioClip[] = [];
  private done = false;

  constructor(readonly path: string, readonly rowGroupSize = AUDIO_ROW_GROUP) {
    this.tmp = join(dirname(path), `.${basename(path)}.${randomBytes(4).toString('hex')}.tmp`);
    this.writer = new ParquetRowsWriter(this.tmp, AUDIO_COLUMNS);
  }

  add(clip: AudioClip): void {
    this.pending.push(clip);
    if (this.pending.length >= this.rowGroupSize) this.flush();
  }

  private flush(): void {
    const c = this.pending;
    if (!c.length) return;
    this.pending = [];
    this.writer.writeRowGroup({
      id: c.map((x) => x.id),
      sample_rate: Int32Array.from(c, (x) => x.sampleRate),
      n_samples: Int32Array.from(c, (x) => x.samples.length),
      samples: c.map((x) => x.samples),
    });
  }

  close(): void {
    if (this.done) return;
    try {
      this.flush();
      this.writer.close();
      this.done = true;
      renameSync(this.tmp, this.path);
    } catch (err) {
      this.done = true;
      this.writer.abort();
      void rm(this.tmp, { force: true });
      throw err;
    }
  }

  /** Give up: close and delete the temporary file. */
  async abort(): Promise<void> {
    if (this.done) return;
    this.done = true;
    this.writer.abort();
    await rm(this.tmp, { force: true });
  }
}

export async function writeAudioParquet(path: string, clips: AudioClip[], rowGroupSize = AUDIO_ROW_GROUP): Promise<void> {
  const w = new AudioParquetWriter(path, rowGroupSize);
  try {
    for (const c of clips) w.add(c);
    w.close();
  } catch (err) {
    await w.abort();
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
