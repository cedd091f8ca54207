// The resample stage's output, audio.parquet, written either way and hashed while it is
// written (kept apart from audio-parquet.ts, which the pool workers import: the hashing
// is main-thread only).
import { createHash } from 'node:crypto';
import type { Compression, EncodedPage } from '../io/parquet-rows.ts';
import { PrefixHasher } from '../pipeline/hash.ts';
import { AudioParquetAppender, AudioParquetLayout, type ClipTarget, type PlannedClip } from './audio-parquet.ts';

/**
 * audio.parquet as the resample stage writes it, either way, hashed while it is written
 * (the stage reports the sha256, so the engine does not read the file again):
 * uncompressed — AudioParquetLayout, the workers write the samples in place, and the
 * file's prefix is read back and hashed as clips are delivered in order (PrefixHasher);
 * ZSTD — AudioParquetAppender, the workers return compressed pages, and the bytes are
 * hashed as this thread writes them.
 */
export class ResampledAudioOutput {
  private readonly layout?: AudioParquetLayout;
  private readonly hasher?: PrefixHasher;
  private readonly appender?: AudioParquetAppender;
  private readonly sha = createHash('sha256');
  /** Main-thread milliseconds spent writing (layout, appending pages, footer). */
  writeMs = 0;

  constructor(path: string, private readonly clips: readonly PlannedClip[], readonly compression: Compression) {
    const t0 = performance.now();
    if (compression === 'zstd') {
      this.appender = new AudioParquetAppender(path, { onWrite: (b) => this.sha.update(b) });
    } else {
      this.layout = new AudioParquetLayout(path, clips);
      this.hasher = new PrefixHasher(this.layout.tmpPath);
    }
    this.writeMs += performance.now() - t0;
  }

  /** Where clip i's samples go. */
  target(i: number): ClipTarget {
    const length = this.clips[i].length;
    return this.layout ? { path: this.layout.tmpPath, offset: this.layout.offsets[i], length } : { page: 'zstd', length };
  }

  /** Clip i is done (delivered in clip order), with its page when ZSTD. */
  accept(i: number, page?: EncodedPage): void {
    if (this.appender) {
      if (!page) throw new Error(`clip ${this.clips[i].id}: no ZSTD page came back from the worker`);
      const t0 = performance.now();
      this.appender.add(this.clips[i], page);
      this.writeMs += performance.now() - t0;
    } else {
      const at = this.layout!.offsets[i];
      // every byte up to the end of this clip's samples is final now (the layout wrote the rest)
      if (at !== null) this.hasher!.advance(at + 4 * this.clips[i].length);
    }
  }

  /** Footer, rename into place; the file's sha256. */
  async finish(): Promise<string> {
    const t0 = performance.now();
    (this.appender ?? this.layout!).close();
    this.writeMs += performance.now() - t0;
    return this.hasher ? (await this.hasher.finish()).sha256 : this.sha.digest('hex');
  }

  async abort(): Promise<void> {
    await this.hasher?.abort();
    await (this.appender ?? this.layout!).abort();
  }
}
