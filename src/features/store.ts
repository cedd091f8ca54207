// features.parquet (CONTRACTS.md): id (utf8), n_mels (int32), n_frames (int32), logmel
// (FixedSizeList<Float32>[n_mels·n_frames], row-major mel × frame, dB, before
// normalization). Footer metadata `features` = canonical JSON of the feature params.
// The sample rate they were computed at is metadata of the `logmel` field
// (`sample_rate`), carried by the Arrow schema in the footer (`ARROW:schema`).
//
// Written with src/io/parquet-rows.ts, uncompressed by default, straight from the log-Mel array
// (one writeSync per clip): through Arrow IPC and parquet-wasm the corpus's 69 MB took
// 0.4–0.6 s of main-thread CPU even uncompressed (ZSTD 1.3–1.6 s for 44 MB), all of it
// after the workers are done; now ~0.05 s. The ARROW:schema key makes Arrow readers
// (parquet-wasm in readFeatures, pyarrow) return the FixedSizeList type and the field
// metadata; DuckDB reads `logmel` as a list. With `features.compression: zstd` every
// column is ZSTD-compressed, `logmel` one page per clip, each page compressed by the
// featurize worker that computed the clip (README "Features and splits").
import { randomBytes } from 'node:crypto';
import { renameSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Field, FixedSizeList, Float32, Int32, Schema, Table, Utf8, makeData, vectorFromArray } from 'apache-arrow';
import { arrowSchemaFooterValue, fixedSizeListChunks, readParquetFile, readParquetMetadata } from '../io/parquet.ts';
import { EncodedRows, ParquetRowsWriter, type Compression, type EncodedPage } from '../io/parquet-rows.ts';
import { canonicalJson } from '../pipeline/params.ts';
import type { FeatureParams } from './params.ts';

export interface FeatureTableInput {
  ids: string[];
  nMels: number;
  nFrames: number;
  /** ids.length · nMels · nFrames values, clip after clip. */
  logmel: Float32Array;
}

/** The Arrow schema of features.parquet for log-Mels of `size` values at `sampleRate`. */
export function featuresSchema(size: number, sampleRate: number): Schema {
  const listType = new FixedSizeList(size, new Field('item', new Float32(), false));
  return new Schema([
    new Field('id', new Utf8(), false),
    new Field('n_mels', new Int32(), false),
    new Field('n_frames', new Int32(), false),
    new Field('logmel', listType, false, new Map([['sample_rate', String(sampleRate)]])),
  ]);
}

function checkInput(f: FeatureTableInput): number {
  const size = f.nMels * f.nFrames;
  if (f.logmel.length !== f.ids.length * size) {
    throw new Error(`features table: ${f.logmel.length} values for ${f.ids.length} clips of ${f.nMels}×${f.nFrames} (expected ${f.ids.length * size})`);
  }
  return size;
}

/** The Arrow table of features.parquet (no copy of `logmel`). */
export function buildFeaturesTable(f: FeatureTableInput, sampleRate: number): Table {
  const size = checkInput(f);
  const rows = f.ids.length;
  const child = makeData({ type: new Float32(), length: rows * size, data: f.logmel });
  const schema = featuresSchema(size, sampleRate);
  const listType = schema.fields[3].type as FixedSizeList;
  return new Table(schema, {
    id: vectorFromArray(f.ids, new Utf8()).data[0],
    n_mels: makeData({ type: new Int32(), length: rows, data: new Int32Array(rows).fill(f.nMels) }),
    n_frames: makeData({ type: new Int32(), length: rows, data: new Int32Array(rows).fill(f.nFrames) }),
    logmel: makeData({ type: listType, length: rows, nullCount: 0, child }),
  } as never);
}

/** Clips per row group (the Arrow readers' batch size). */
const ROW_GROUP = 1024;

export interface WriteFeaturesOptions {
  /** Default 'none'. */
  compression?: Compression;
  /**
   * With 'zstd': the clips' log-Mel pages already encoded (encodeListRowPage, by the
   * featurize workers), one per clip in `ids` order; without them they are encoded here.
   */
  pages?: readonly EncodedPage[];
}

/**
 * features.parquet written as its clips become available: rows(start, count) with the
 * clips [start, start + count) of the final order, in order; every full row group is
 * written at once, so the featurize stage writes (and hashes, with `onWrite`) most of
 * the file while the workers are still computing the rest. Under a temporary name until
 * close(); abort() removes it.
 */
export class FeaturesWriter {
  private readonly tmp: string;
  private readonly w: ParquetRowsWriter;
  private readonly size: number;
  private readonly compression: Compression;
  private next = 0; // first clip not yet handed to rows()
  private written = 0; // first clip not yet written

  constructor(
    readonly path: string,
    private readonly f: { ids: readonly string[]; nMels: number; nFrames: number },
    private readonly params: FeatureParams,
    private readonly sampleRate: number,
    opts: WriteFeaturesOptions & { onWrite?: (bytes: Uint8Array) => void } = {},
  ) {
    this.size = f.nMels * f.nFrames;
    this.compression = opts.compression ?? 'none';
    this.tmp = join(dirname(path), `.${basename(path)}.${randomBytes(4).toString('hex')}.tmp`);
    this.w = new ParquetRowsWriter(this.tmp, [
      { name: 'id', kind: 'utf8' },
      { name: 'n_mels', kind: 'int32' },
      { name: 'n_frames', kind: 'int32' },
      { name: 'logmel', kind: 'float32-list' },
    ], { compression: this.compression, onWrite: opts.onWrite });
  }

  /**
   * Clips [start, start + count) are ready: their values at their place in `logmel`
   * (all clips, clip after clip) and, with ZSTD, their encoded pages (encodeListRowPage,
   * made by the workers) at their place in `pages` (without them they are encoded here).
   */
  rows(start: number, count: number, logmel: Float32Array, pages?: readonly (EncodedPage | undefined)[]): void {
    if (start !== this.next) throw new Error(`${this.path}: clips ${start}.. handed before clips ${this.next}..`);
    if (logmel.length !== this.f.ids.length * this.size) {
      throw new Error(`features table: ${logmel.length} values for ${this.f.ids.length} clips of ${this.f.nMels}×${this.f.nFrames} (expected ${this.f.ids.length * this.size})`);
    }
    this.next += count;
    const n = this.f.ids.length;
    while (this.next - this.written >= ROW_GROUP || (this.next === n && this.written < n)) {
      const first = this.written;
      const rows = Math.min(ROW_GROUP, n - first);
      const zstdPages = this.compression === 'zstd' ? pages?.slice(first, first + rows) : undefined;
      if (zstdPages && zstdPages.some((p) => !p)) throw new Error(`features table: no encoded page for a clip of rows ${first}..${first + rows - 1}`);
      this.w.writeRowGroup({
        id: this.f.ids.slice(first, first + rows),
        n_mels: new Int32Array(rows).fill(this.f.nMels),
        n_frames: new Int32Array(rows).fill(this.f.nFrames),
        logmel: zstdPages
          ? new EncodedRows(zstdPages as EncodedPage[])
          : Array.from({ length: rows }, (_, r) => logmel.subarray((first + r) * this.size, (first + r + 1) * this.size)),
      });
      this.written += rows;
    }
  }

  close(): void {
    if (this.written !== this.f.ids.length) throw new Error(`${this.path}: ${this.written} of ${this.f.ids.length} clips written`);
    this.w.close([
      ['ARROW:schema', arrowSchemaFooterValue(featuresSchema(this.size, this.sampleRate))],
      ['features', canonicalJson(this.params)],
    ]);
    renameSync(this.tmp, this.path);
  }

  async abort(): Promise<void> {
    this.w.abort();
    await rm(this.tmp, { force: true });
  }
}

export async function writeFeaturesFile(path: string, f: FeatureTableInput, params: FeatureParams, sampleRate: number, opts: WriteFeaturesOptions = {}): Promise<void> {
  checkInput(f);
  if (opts.compression === 'zstd' && opts.pages && opts.pages.length !== f.ids.length) throw new Error(`features table: ${opts.pages.length} encoded pages for ${f.ids.length} clips`);
  const w = new FeaturesWriter(path, f, params, sampleRate, opts);
  try {
    w.rows(0, f.ids.length, f.logmel, opts.pages);
    w.close();
  } catch (err) {
    await w.abort();
    throw err;
  }
}

export interface Features {
  ids: string[];
  nMels: number;
  nFrames: number;
  /** The logmel column's values, one Float32Array per record batch, zero-copy views of the Arrow buffers. */
  chunks: Float32Array[];
  /** Where each clip lives: chunks[chunk].subarray(row·size, (row+1)·size). */
  index: Map<string, { chunk: number; row: number }>;
  /** The clip's log-Mel (nMels·nFrames, row-major mel × frame) as a view, no copy. */
  get(id: string): Float32Array;
  /** Feature params from the file footer (what the features were computed with). */
  params: FeatureParams;
  sampleRate: number;
  /** The Arrow table the chunks are views of. */
  table: Table;
}

/** Read features.parquet for train/evaluate: zero-copy Float32Array chunks, indexed by id. */
export async function readFeatures(path: string): Promise<Features> {
  const [table, meta] = await Promise.all([readParquetFile(path), readParquetMetadata(path)]);
  for (const col of ['id', 'n_mels', 'n_frames', 'logmel']) {
    if (!table.getChild(col)) throw new Error(`${path}: no column '${col}' (has ${table.schema.fields.map((f) => f.name).join(', ')})`);
  }
  const sampleRate = Number(table.schema.fields.find((x) => x.name === 'logmel')!.metadata.get('sample_rate'));
  if (!meta.features || !(sampleRate > 0)) throw new Error(`${path}: feature params (footer 'features') or sample rate (logmel field metadata) missing — not written by featurize`);
  const ids = table.getChild('id')!.toArray() as string[];
  const nMelsCol = table.getChild('n_mels')!.toArray() as Int32Array;
  const nFramesCol = table.getChild('n_frames')!.toArray() as Int32Array;
  const { listSize, chunks } = fixedSizeListChunks(table.getChild('logmel')!);
  const nMels = nMelsCol[0] ?? 0;
  const nFrames = nFramesCol[0] ?? 0;
  for (let i = 0; i < ids.length; i++) {
    if (nMelsCol[i] !== nMels || nFramesCol[i] !== nFrames || nMels * nFrames !== listSize) {
      throw new Error(`${path}: clip ${ids[i]} is ${nMelsCol[i]}×${nFramesCol[i]}, expected ${nMels}×${nFrames} (list size ${listSize})`);
    }
  }
  const index = new Map<string, { chunk: number; row: number }>();
  let i = 0;
  chunks.forEach((c, chunk) => {
    for (let row = 0; row < c.length / listSize; row++) {
      const id = ids[i++];
      if (index.has(id)) throw new Error(`${path}: clip id ${id} appears twice`);
      index.set(id, { chunk, row });
    }
  });
  return {
    ids,
    nMels,
    nFrames,
    chunks,
    index,
    get(id: string) {
      const at = index.get(id);
      if (!at) throw new Error(`${path}: no features for clip ${id}`);
      return chunks[at.chunk].subarray(at.row * listSize, (at.row + 1) * listSize);
    },
    params: JSON.parse(meta.features) as FeatureParams,
    sampleRate,
    table,
  };
}
