// A streaming Parquet writer for wide float columns, and the matching direct reader.
//
// Why not parquet-wasm for these: audio.parquet is ~340 MB of float32 in a
// List<Float32> column. Through Arrow IPC → wasm → Parquet, the corpus took ~1.2 s of
// CPU uncompressed and ~5 s with ZSTD (which shrinks float32 audio by only ~10 %),
// needed the whole table in memory (2.8 GB peak RSS for the resample stage), and
// reading it back cost ~3 ms per clip in the featurize workers. Here a row group is
// written as soon as its rows are known, with PLAIN values and RLE levels, one data page
// per column chunk, no compression: the float data goes from the caller's arrays to the
// file without a copy, and a reader finds every clip's samples at a known byte offset.
//
// Optionally (`compression: 'zstd'`) every column chunk is ZSTD-compressed instead, in
// data pages v2 (levels stored uncompressed before the compressed values, so a reader
// locates rows without decompressing anything), and a float32-list column gets one page
// per row: each row's page can be encoded and compressed on the thread that produced
// the row (encodeListRowPage, in a pool worker) and appended here in row order
// (EncodedRows) — the same bytes as when this writer encodes the rows itself.
//
// The files are ordinary Parquet (format 1; data page v1, or v2 with ZSTD), read by
// parquet-wasm/arrow-rs and DuckDB (test/io/parquet-rows.test.ts,
// test/io/duckdb-interop.test.ts). Column kinds: utf8, int32, and list<float32>
// (3-level LIST, element `item`, as arrow-rs writes an Arrow List<Float32>). Footer
// key/value metadata is written in the order given (deterministic bytes: same rows →
// same file).
//
// The reader side (parquetFooter, columnChunkPages) understands any file whose pages are
// PLAIN data pages v1 (uncompressed) or v2 (uncompressed or ZSTD) with RLE/bit-packed
// levels; it says so when a file is outside that (other codecs, compressed v1 pages,
// dictionary encoding), so callers can fall back to parquet-wasm.
import { closeSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import { bool, decodeThrift, encodeThrift, i16, i32, i32List, i64, str, strList, struct, structList, type ThriftStruct, type ThriftValue } from './thrift.ts';
import { zstdCompress, zstdDecompress } from './zstd.ts';

const MAGIC = Buffer.from('PAR1');
// parquet.thrift enums
const TYPE = { INT32: 1, FLOAT: 4, BYTE_ARRAY: 6 } as const;
const REP = { REQUIRED: 0, OPTIONAL: 1, REPEATED: 2 } as const;
const CONVERTED = { UTF8: 0, LIST: 3 } as const;
const ENC = { PLAIN: 0, RLE: 3 } as const;
const PAGE = { DATA: 0, DICTIONARY: 2, DATA_V2: 3 } as const;
const CODEC_NAMES = ['UNCOMPRESSED', 'SNAPPY', 'GZIP', 'LZO', 'BROTLI', 'LZ4', 'ZSTD', 'LZ4_RAW'];
const CODEC = { UNCOMPRESSED: 0, ZSTD: 6 } as const;

if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
  throw new Error('src/io/parquet-rows.ts writes PLAIN (little-endian) values straight from typed arrays and needs a little-endian host');
}

export type ColumnKind = 'utf8' | 'int32' | 'float32-list';
export interface ColumnSpec {
  name: string;
  kind: ColumnKind;
}
/**
 * One row group's values, by column name: string[] | Int32Array | Float32Array[] (one
 * array per row), or for a float32-list column FloatListHoles (reserveRowGroup) or
 * EncodedRows (pages encoded elsewhere, ZSTD writer).
 */
export type RowGroupValues = Record<string, readonly string[] | Int32Array | readonly Float32Array[] | FloatListHoles | EncodedRows>;

function schemaElements(columns: ColumnSpec[]): ThriftValue[] {
  // SchemaElement: 1 type, 3 repetition_type, 4 name, 5 num_children, 6 converted_type, 10 logicalType
  const out: ThriftValue[] = [struct([[4, str('schema')], [5, i32(columns.length)]])];
  for (const c of columns) {
    if (c.kind === 'utf8') {
      out.push(struct([[1, i32(TYPE.BYTE_ARRAY)], [3, i32(REP.REQUIRED)], [4, str(c.name)], [6, i32(CONVERTED.UTF8)], [10, struct([[1, struct([])]])]]));
    } else if (c.kind === 'int32') {
      out.push(struct([[1, i32(TYPE.INT32)], [3, i32(REP.REQUIRED)], [4, str(c.name)]]));
    } else {
      out.push(struct([[3, i32(REP.REQUIRED)], [4, str(c.name)], [5, i32(1)], [6, i32(CONVERTED.LIST)], [10, struct([[3, struct([])]])]]));
      out.push(struct([[3, i32(REP.REPEATED)], [4, str('list')], [5, i32(1)]]));
      out.push(struct([[1, i32(TYPE.FLOAT)], [3, i32(REP.REQUIRED)], [4, str('item')]]));
    }
  }
  return out;
}

/** Leaf path of a column, as Parquet tools name it ("samples.list.item"). */
export function leafPath(c: ColumnSpec): string[] {
  return c.kind === 'float32-list' ? [c.name, 'list', 'item'] : [c.name];
}

/** RLE runs (bit width 1) → the RLE/bit-packed hybrid bytes (RLE runs only). */
function rleBytes(runs: [value: number, count: number][]): number[] {
  const bytes: number[] = [];
  const varint = (n: number) => {
    while (n >= 0x80) {
      bytes.push((n % 0x80) | 0x80);
      n = Math.floor(n / 0x80);
    }
    bytes.push(n);
  };
  for (const [value, count] of runs) {
    varint(count * 2); // RLE run header: count << 1
    bytes.push(value);
  }
  return bytes;
}

/** RLE runs → the hybrid bytes prefixed by their length (data page v1). */
function levelBytes(runs: [value: number, count: number][]): Buffer {
  const bytes = rleBytes(runs);
  const out = Buffer.alloc(4 + bytes.length);
  out.writeUInt32LE(bytes.length, 0);
  out.set(bytes, 4);
  return out;
}

function pushRun(runs: [number, number][], value: number, count: number): void {
  if (count <= 0) return;
  const last = runs[runs.length - 1];
  if (last && last[0] === value) last[1] += count;
  else runs.push([value, count]);
}

export type Compression = 'none' | 'zstd';
export const COMPRESSIONS: readonly Compression[] = ['none', 'zstd'];

/** A `*.compression` param (pipeline.yaml): none (also when absent) | zstd; anything else names the key. */
export function parseCompression(value: unknown, key: string): Compression {
  if (value === undefined || value === null) return 'none';
  if (typeof value === 'string' && (COMPRESSIONS as readonly string[]).includes(value)) return value as Compression;
  throw new Error(`param ${key} must be one of ${COMPRESSIONS.join(' | ')}, got ${JSON.stringify(value)}`);
}

interface ChunkParts {
  /** Bytes to write in order; a number is a hole of that many bytes, filled later by others. */
  parts: (Uint8Array | number)[];
  numValues: number;
}

/** Lengths of the rows of a float32-list column whose values are written later (see reserveRowGroup). */
export class FloatListHoles {
  constructor(readonly lengths: Int32Array) {}
}

/** One data page, header included, ready to append to a column chunk. */
export interface EncodedPage {
  /** Page header + page body (levels, compressed values), over its own ArrayBuffer. */
  bytes: Uint8Array<ArrayBuffer>;
  /** Level entries in the page (the values, or 1 for an empty list). */
  numValues: number;
  /** Header + body size before compression (for the footer's uncompressed sizes). */
  uncompressedSize: number;
}

/**
 * The rows of a float32-list column as pages already encoded by encodeListRowPage, one
 * per row in row order (made by the threads that produced the rows): the writer only
 * appends them. For a writer with compression 'zstd'.
 */
export class EncodedRows {
  constructor(readonly pages: readonly EncodedPage[]) {}
}

const MAX_PAGE = 0x7fffffff;

/**
 * A ZSTD data page v2: repetition and definition levels (RLE, uncompressed, as v2 stores
 * them) followed by the PLAIN values compressed as one zstd frame (no frame when there
 * are no values: the page then says is_compressed = false).
 */
function zstdPageV2(values: Uint8Array, page: { numValues: number; numNulls: number; numRows: number; rep: number[]; def: number[] }): EncodedPage {
  if (values.byteLength > MAX_PAGE) throw new Error(`a page of ${values.byteLength} bytes is too large; write smaller row groups`);
  const compressed = values.byteLength > 0;
  const body = compressed ? zstdCompress(values) : values;
  const levels = page.rep.length + page.def.length;
  // PageHeader: 1 type, 2 uncompressed size, 3 compressed size, 8 DataPageHeaderV2 (1 num_values,
  // 2 num_nulls, 3 num_rows, 4 encoding, 5 definition / 6 repetition levels byte length, 7 is_compressed)
  const header = encodeThrift(struct([
    [1, i32(PAGE.DATA_V2)], [2, i32(levels + values.byteLength)], [3, i32(levels + body.byteLength)],
    [8, struct([
      [1, i32(page.numValues)], [2, i32(page.numNulls)], [3, i32(page.numRows)], [4, i32(ENC.PLAIN)],
      [5, i32(page.def.length)], [6, i32(page.rep.length)], [7, bool(compressed)],
    ])],
  ]));
  const bytes = new Uint8Array(header.byteLength + levels + body.byteLength);
  bytes.set(header, 0);
  bytes.set(page.rep, header.byteLength);
  bytes.set(page.def, header.byteLength + page.rep.length);
  bytes.set(body, header.byteLength + levels);
  return { bytes, numValues: page.numValues, uncompressedSize: header.byteLength + levels + values.byteLength };
}

/**
 * The ZSTD page of one row of a float32-list column (required list of required float32):
 * what a writer with compression 'zstd' writes for that row. Runs on any thread (a pool
 * worker compresses the rows it produced); `bytes` has its own ArrayBuffer, to transfer.
 */
export function encodeListRowPage(values: Float32Array): EncodedPage {
  const n = values.length;
  // one row: rep 0 then 1 for each further value; def 1 per value, or a single 0 (empty list)
  const rep: [number, number][] = [];
  const def: [number, number][] = [];
  pushRun(rep, 0, 1);
  pushRun(rep, 1, n - 1);
  pushRun(def, n ? 1 : 0, Math.max(n, 1));
  return zstdPageV2(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), {
    numValues: Math.max(n, 1), numNulls: n ? 0 : 1, numRows: 1, rep: rleBytes(rep), def: rleBytes(def),
  });
}

const rowCount = (values: RowGroupValues[string]): number =>
  values instanceof FloatListHoles ? values.lengths.length : values instanceof EncodedRows ? values.pages.length : values.length;

function checkColumn(c: ColumnSpec, values: RowGroupValues[string], rows: number): void {
  const count = rowCount(values);
  if (count !== rows) throw new Error(`column ${c.name}: ${count} values for ${rows} rows`);
  if (values instanceof FloatListHoles && c.kind !== 'float32-list') throw new Error(`column ${c.name}: only a float32-list column can be reserved`);
  if (values instanceof EncodedRows && c.kind !== 'float32-list') throw new Error(`column ${c.name}: only a float32-list column takes encoded pages`);
}

/** PLAIN bytes of a utf8 or int32 column. */
function flatValues(c: ColumnSpec, values: RowGroupValues[string], rows: number): Uint8Array {
  if (c.kind === 'utf8') {
    const strs = values as readonly string[];
    const encoded = strs.map((s) => {
      if (typeof s !== 'string') throw new Error(`column ${c.name}: not a string: ${String(s)}`);
      return Buffer.from(s, 'utf8');
    });
    const body = Buffer.alloc(encoded.reduce((n, b) => n + 4 + b.length, 0));
    let o = 0;
    for (const b of encoded) {
      body.writeUInt32LE(b.length, o);
      body.set(b, o + 4);
      o += 4 + b.length;
    }
    return body;
  }
  const v = values instanceof Int32Array ? values : Int32Array.from(values as unknown as number[]);
  if (v.length !== rows) throw new Error(`column ${c.name}: ${v.length} values for ${rows} rows`);
  return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
}

/** An uncompressed column chunk (one v1 page): its parts, holes for reserved rows. */
function encodeColumn(c: ColumnSpec, values: RowGroupValues[string], rows: number): ChunkParts {
  checkColumn(c, values, rows);
  if (values instanceof EncodedRows) throw new Error(`column ${c.name}: encoded (ZSTD) pages need a writer with compression 'zstd'`);
  if (c.kind !== 'float32-list') return { parts: [flatValues(c, values, rows)], numValues: rows };
  const lengths = values instanceof FloatListHoles
    ? values.lengths
    : Int32Array.from(values as readonly Float32Array[], (l) => {
      if (!(l instanceof Float32Array)) throw new Error(`column ${c.name}: a row is not a Float32Array`);
      return l.length;
    });
  const rep: [number, number][] = [];
  const def: [number, number][] = [];
  let numValues = 0;
  for (const n of lengths) {
    if (n === 0) {
      // an empty list: one level entry (rep 0, def 0), no value
      pushRun(rep, 0, 1);
      pushRun(def, 0, 1);
      numValues += 1;
    } else {
      pushRun(rep, 0, 1);
      pushRun(rep, 1, n - 1);
      pushRun(def, 1, n);
      numValues += n;
    }
  }
  const parts: (Uint8Array | number)[] = [levelBytes(rep), levelBytes(def)];
  if (values instanceof FloatListHoles) {
    for (const n of lengths) if (n) parts.push(4 * n);
  } else {
    for (const l of values as readonly Float32Array[]) if (l.length) parts.push(new Uint8Array(l.buffer, l.byteOffset, l.byteLength));
  }
  return { parts, numValues };
}

/** A ZSTD column chunk: one v2 page for a flat column, one per row for a float32-list. */
function encodeZstdColumn(c: ColumnSpec, values: RowGroupValues[string], rows: number): readonly EncodedPage[] {
  checkColumn(c, values, rows);
  if (values instanceof FloatListHoles) throw new Error(`column ${c.name}: a ZSTD file cannot reserve rows to fill later (compressed sizes are not known in advance); append encoded pages (EncodedRows) instead`);
  if (values instanceof EncodedRows) return values.pages;
  if (c.kind !== 'float32-list') return [zstdPageV2(flatValues(c, values, rows), { numValues: rows, numNulls: 0, numRows: rows, rep: [], def: [] })];
  return (values as readonly Float32Array[]).map((l) => {
    if (!(l instanceof Float32Array)) throw new Error(`column ${c.name}: a row is not a Float32Array`);
    return encodeListRowPage(l);
  });
}

export interface RowsWriterOptions {
  /** 'none' (default): PLAIN v1 pages, one per column chunk; 'zstd': see the top of this file. */
  compression?: Compression;
  /**
   * Called with every byte the writer writes, in file order (e.g. to hash the file while
   * it is written, without reading it back). Not with reserveRowGroup, whose holes are
   * written by others.
   */
  onWrite?: (bytes: Uint8Array) => void;
}

/**
 * Writes a Parquet file row group by row group. The file grows on disk as groups are
 * added; close() appends the footer. Callers write to a temporary name and rename (see
 * writeParquetRows / AudioParquetWriter), so a crash never leaves a complete-looking file.
 */
export class ParquetRowsWriter {
  private fd: number;
  private pos = 0;
  private readonly rowGroups: ThriftValue[] = [];
  private numRows = 0;
  private closed = false;
  readonly compression: Compression;
  private readonly onWrite?: (bytes: Uint8Array) => void;

  constructor(readonly path: string, readonly columns: ColumnSpec[], opts: RowsWriterOptions = {}) {
    if (!columns.length) throw new Error('ParquetRowsWriter: no columns');
    this.compression = opts.compression ?? 'none';
    if (this.compression !== 'none' && this.compression !== 'zstd') throw new Error(`ParquetRowsWriter: unknown compression '${String(this.compression)}' (none | zstd)`);
    this.onWrite = opts.onWrite;
    this.fd = openSync(path, 'w');
    this.write(MAGIC);
  }

  private write(b: Uint8Array): void {
    let done = 0;
    while (done < b.byteLength) done += writeSync(this.fd, b, done, b.byteLength - done, this.pos + done);
    this.pos += b.byteLength;
    this.onWrite?.(b);
  }

  /** Append one row group (every column, same number of rows). */
  writeRowGroup(values: RowGroupValues): void {
    this.rowGroup(values);
  }

  /**
   * Append one row group whose float32-list column is given as FloatListHoles: every
   * byte but those values is written now, and the file offset of each row's values is
   * returned, for others (worker threads) to fill with positioned writes of
   * `4 · length` bytes of little-endian float32 before close(). Uncompressed files only.
   */
  reserveRowGroup(values: RowGroupValues): (number | null)[] {
    if (this.onWrite) throw new Error(`${this.path}: a writer with onWrite cannot leave holes for others to fill`);
    return this.rowGroup(values);
  }

  private rowGroup(values: RowGroupValues): (number | null)[] {
    if (this.closed) throw new Error(`${this.path}: writer is closed`);
    const first = values[this.columns[0].name];
    const rows = first ? rowCount(first) : 0;
    if (rows === 0) return [];
    const start = this.pos;
    const chunks: ThriftValue[] = [];
    const holes: (number | null)[] = [];
    let total = 0;
    let totalRaw = 0;
    for (const c of this.columns) {
      const col = values[c.name];
      if (!col) throw new Error(`row group has no column '${c.name}'`);
      const pageAt = this.pos;
      let numValues = 0;
      let size = 0;
      let rawSize = 0;
      if (this.compression === 'zstd') {
        for (const page of encodeZstdColumn(c, col, rows)) {
          this.write(page.bytes);
          numValues += page.numValues;
          size += page.bytes.byteLength;
          rawSize += page.uncompressedSize;
        }
      } else {
        const chunk = encodeColumn(c, col, rows);
        numValues = chunk.numValues;
        const bodySize = chunk.parts.reduce<number>((n, p) => n + (typeof p === 'number' ? p : p.byteLength), 0);
        if (bodySize > MAX_PAGE) throw new Error(`column ${c.name}: a row group of ${bodySize} bytes is too large for one page; write smaller row groups`);
        // PageHeader: 1 type, 2 uncompressed size, 3 compressed size, 5 DataPageHeader
        // (1 num_values, 2 encoding, 3 definition level encoding, 4 repetition level encoding)
        const header = encodeThrift(struct([
          [1, i32(PAGE.DATA)], [2, i32(bodySize)], [3, i32(bodySize)],
          [5, struct([[1, i32(numValues)], [2, i32(ENC.PLAIN)], [3, i32(ENC.RLE)], [4, i32(ENC.RLE)]])],
        ]));
        this.write(header);
        const gaps: number[] = [];
        for (const p of chunk.parts) {
          if (typeof p === 'number') {
            gaps.push(this.pos);
            this.pos += p; // left for the caller's positioned writes
          } else this.write(p);
        }
        if (col instanceof FloatListHoles) {
          let g = 0; // rows of length 0 have no values and so no hole
          for (const n of col.lengths) holes.push(n > 0 ? gaps[g++] : null);
        }
        size = rawSize = header.byteLength + bodySize;
      }
      total += size;
      totalRaw += rawSize;
      const type = c.kind === 'utf8' ? TYPE.BYTE_ARRAY : c.kind === 'int32' ? TYPE.INT32 : TYPE.FLOAT;
      const codec = this.compression === 'zstd' ? CODEC.ZSTD : CODEC.UNCOMPRESSED;
      // ColumnChunk: 2 file_offset, 3 ColumnMetaData (1 type, 2 encodings, 3 path, 4 codec,
      // 5 num_values, 6/7 uncompressed/compressed size, 9 data_page_offset)
      chunks.push(struct([
        [2, i64(pageAt)],
        [3, struct([
          [1, i32(type)], [2, i32List([ENC.PLAIN, ENC.RLE])], [3, strList(leafPath(c))], [4, i32(codec)],
          [5, i64(numValues)], [6, i64(rawSize)], [7, i64(size)], [9, i64(pageAt)],
        ])],
      ]));
    }
    // RowGroup: 1 columns, 2 total_byte_size (uncompressed), 3 num_rows, 5 file_offset,
    // 6 total_compressed_size, 7 ordinal
    this.rowGroups.push(struct([
      [1, structList(chunks)], [2, i64(totalRaw)], [3, i64(rows)], [5, i64(start)], [6, i64(total)],
      [7, i16(this.rowGroups.length)],
    ]));
    this.numRows += rows;
    return holes;
  }

  /** Write the footer and close the file. */
  close(metadata: [string, string][] = []): void {
    if (this.closed) return;
    this.closed = true;
    try {
      // FileMetaData: 1 version, 2 schema, 3 num_rows, 4 row_groups, 5 key_value_metadata, 6 created_by
      const footer = encodeThrift(struct([
        [1, i32(1)], [2, structList(schemaElements(this.columns))], [3, i64(this.numRows)], [4, structList(this.rowGroups)],
        metadata.length ? [5, structList(metadata.map(([k, v]) => struct([[1, str(k)], [2, str(v)]])))] : undefined,
        [6, str('ser-pipeline')],
      ]));
      this.write(footer);
      const len = Buffer.alloc(4);
      len.writeUInt32LE(footer.byteLength, 0);
      this.write(len);
      this.write(MAGIC);
    } finally {
      closeSync(this.fd);
    }
  }

  /** Close without a footer (after an error); the caller removes the file. */
  abort(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }
}

// ------------------------------------------------------------------------- reading

export class UnsupportedParquetError extends Error {}

export interface ColumnChunkInfo {
  path: string[];
  type: number;
  codec: string;
  numValues: number;
  /** Byte range of the chunk's pages. */
  start: number;
  size: number;
}

export interface ParquetFooter {
  numRows: number;
  /** Leaf columns (dotted path) with their max repetition / definition levels. */
  leaves: Map<string, { type: number; maxRep: number; maxDef: number }>;
  rowGroups: { numRows: number; columns: Map<string, ColumnChunkInfo> }[];
  metadata: Map<string, string>;
}

const text = (b: unknown): string => Buffer.from(b as Uint8Array).toString('utf8');

function readAt(fd: number, pos: number, length: number, into?: Uint8Array): Uint8Array {
  const buf = into ?? Buffer.allocUnsafe(length);
  let got = 0;
  while (got < length) {
    const n = readSync(fd, buf, got, length - got, pos + got);
    if (n === 0) throw new Error(`unexpected end of file at byte ${pos + got} (wanted ${length} bytes from ${pos})`);
    got += n;
  }
  return buf;
}

/** The footer of a Parquet file open as `fd`. */
export function parquetFooter(fd: number): ParquetFooter {
  const size = fstatSync(fd).size;
  if (size < 12) throw new Error(`not a Parquet file (${size} bytes)`);
  const tail = readAt(fd, size - 8, 8);
  if (Buffer.compare(tail.subarray(4), MAGIC) !== 0 || Buffer.compare(readAt(fd, 0, 4), MAGIC) !== 0) throw new Error('not a Parquet file (no PAR1 magic)');
  const len = Buffer.from(tail).readUInt32LE(0);
  if (len + 12 > size) throw new Error(`corrupt Parquet footer length ${len}`);
  const meta = decodeThrift(readAt(fd, size - 8 - len, len)).value;
  // schema: depth-first list; walk it to get each leaf's path and levels
  const schema = (meta[2] as ThriftStruct[]) ?? [];
  const leaves = new Map<string, { type: number; maxRep: number; maxDef: number }>();
  let i = 1;
  const walk = (prefix: string[], rep: number, def: number) => {
    const el = schema[i++];
    if (!el) throw new Error('corrupt Parquet schema');
    const name = text(el[4]);
    const r = el[3] as number | undefined;
    const rep2 = rep + (r === REP.REPEATED ? 1 : 0);
    const def2 = def + (r === REP.REPEATED || r === REP.OPTIONAL ? 1 : 0);
    const children = (el[5] as number | undefined) ?? 0;
    if (children > 0) for (let k = 0; k < children; k++) walk([...prefix, name], rep2, def2);
    else leaves.set([...prefix, name].join('.'), { type: el[1] as number, maxRep: rep2, maxDef: def2 });
  };
  const top = (schema[0]?.[5] as number | undefined) ?? 0;
  for (let k = 0; k < top; k++) walk([], 0, 0);
  const rowGroups = ((meta[4] as ThriftStruct[]) ?? []).map((rg) => {
    const columns = new Map<string, ColumnChunkInfo>();
    for (const cc of (rg[1] as ThriftStruct[]) ?? []) {
      const md = cc[3] as ThriftStruct | undefined;
      if (!md) throw new UnsupportedParquetError('column chunk without inline metadata');
      const path = (md[3] as Uint8Array[]).map(text);
      const dict = md[11] as number | undefined;
      const data = md[9] as number;
      const start = dict !== undefined && dict > 0 && dict < data ? dict : data;
      columns.set(path.join('.'), {
        path, type: md[1] as number, codec: CODEC_NAMES[md[4] as number] ?? `codec ${md[4]}`,
        numValues: md[5] as number, start, size: md[7] as number,
      });
    }
    return { numRows: rg[3] as number, columns };
  });
  const metadata = new Map<string, string>();
  for (const kv of (meta[5] as ThriftStruct[]) ?? []) metadata.set(text(kv[1]), kv[2] === undefined ? '' : text(kv[2]));
  return { numRows: meta[3] as number, leaves, rowGroups, metadata };
}

/** Repetition or definition levels of a page, as stored (RLE/bit-packed hybrid). */
export interface LevelStream {
  bytes: Uint8Array;
  bitWidth: number;
  /** Level entries (the page's num_values). */
  count: number;
}

/** One data page of a column chunk: its levels and where its PLAIN values are. */
export interface PageLayout {
  /** Level entries in the page. */
  numValues: number;
  /** Repetition / definition levels (null when the column has none). */
  rep: LevelStream | null;
  def: LevelStream | null;
  /** Absolute file offset and byte length of the PLAIN-encoded values. */
  valuesAt: number;
  valuesBytes: number;
  /**
   * Set when the values are ZSTD-compressed (data page v2): they are `compressedBytes`
   * bytes at valuesAt that decompress to valuesBytes bytes.
   */
  compressedBytes?: number;
}

/** The ZSTD-compressed values of a page: where they are in the file and their sizes. */
export interface CompressedValues {
  at: number;
  size: number;
  rawSize: number;
}

/**
 * The runs of a level stream, [value, count], without expanding them: an RLE run is one
 * run, a bit-packed group gives its values one by one (merged with equal neighbours).
 * A page of a 60 000-sample clip is 2 runs instead of 60 000 entries.
 */
export function levelRuns(s: LevelStream): [number, number][] {
  const { bytes, bitWidth: w, count } = s;
  const runs: [number, number][] = [];
  const push = (v: number, c: number) => {
    const last = runs[runs.length - 1];
    if (last && last[0] === v) last[1] += c;
    else runs.push([v, c]);
  };
  const byteWidth = (w + 7) >> 3;
  let p = 0;
  let n = 0;
  while (n < count) {
    if (p >= bytes.length) throw new Error(`levels end after ${n} of ${count} values`);
    let header = 0;
    let mul = 1;
    for (;;) {
      const b = bytes[p++];
      header += (b & 0x7f) * mul;
      if (b < 0x80) break;
      mul *= 0x80;
    }
    if (header % 2 === 0) {
      let v = 0;
      for (let k = 0; k < byteWidth; k++) v |= bytes[p++] << (8 * k);
      const c = Math.min(header / 2, count - n);
      push(v, c);
      n += c;
    } else {
      const groups = (header - 1) / 2;
      let bit = 0;
      for (let k = 0; k < groups * 8 && n < count; k++, n++) {
        let v = 0;
        for (let b = 0; b < w; b++, bit++) v |= ((bytes[p + (bit >> 3)] >> (bit & 7)) & 1) << b;
        push(v, 1);
      }
      p += groups * w;
    }
  }
  return runs;
}

/** Decode `count` levels of the RLE/bit-packed hybrid encoding into one array (levelRuns, expanded). */
export function decodeLevels(bytes: Uint8Array, bitWidth: number, count: number): Uint8Array {
  const out = new Uint8Array(count);
  let n = 0;
  for (const [v, c] of levelRuns({ bytes, bitWidth, count })) {
    out.fill(v, n, n + c);
    n += c;
  }
  return out;
}

const bitWidth = (maxLevel: number): number => (maxLevel === 0 ? 0 : 32 - Math.clz32(maxLevel));

/**
 * The pages of a column chunk, with levels decoded and values located (not read).
 * Throws UnsupportedParquetError for codecs other than ZSTD, compressed v1 pages (their
 * levels are inside the compressed body) and non-PLAIN pages.
 */
export function columnChunkPages(fd: number, chunk: ColumnChunkInfo, levels: { maxRep: number; maxDef: number }): PageLayout[] {
  const where = chunk.path.join('.');
  if (chunk.codec !== 'UNCOMPRESSED' && chunk.codec !== 'ZSTD') throw new UnsupportedParquetError(`column ${where} is ${chunk.codec}-compressed`);
  const pages: PageLayout[] = [];
  let pos = chunk.start;
  const end = chunk.start + chunk.size;
  let seen = 0;
  while (seen < chunk.numValues && pos < end) {
    // Page headers are small: read a window (256 bytes covers the header and levels of a
    // one-row page, so a chunk of many such pages costs one read per page), and a larger
    // one when the header does not fit.
    let win = readAt(fd, pos, Math.min(end - pos, 256));
    let decoded: ReturnType<typeof decodeThrift>;
    try {
      decoded = decodeThrift(win);
    } catch {
      win = readAt(fd, pos, Math.min(end - pos, 1 << 16));
      decoded = decodeThrift(win);
    }
    const { value: h, end: hlen } = decoded;
    const bytesAt = (at: number, n: number): Uint8Array => (at - pos + n <= win.byteLength ? win.subarray(at - pos, at - pos + n) : readAt(fd, at, n));
    const type = h[1] as number;
    const rawSize = h[2] as number;
    const size = h[3] as number;
    const body = pos + hlen;
    if (type === PAGE.DICTIONARY) throw new UnsupportedParquetError(`column ${where} is dictionary-encoded`);
    if (type !== PAGE.DATA && type !== PAGE.DATA_V2) {
      pos = body + size; // index pages etc.
      continue;
    }
    let rep: LevelStream | null = null;
    let def: LevelStream | null = null;
    let at = body;
    let numValues: number;
    let encoding: number;
    let compressed = false;
    if (type === PAGE.DATA) {
      if (chunk.codec !== 'UNCOMPRESSED') throw new UnsupportedParquetError(`column ${where}: ${chunk.codec}-compressed data page v1`);
      const dp = h[5] as ThriftStruct;
      numValues = dp[1] as number;
      encoding = dp[2] as number;
      for (const which of ['rep', 'def'] as const) {
        const max = which === 'rep' ? levels.maxRep : levels.maxDef;
        if (max === 0) continue;
        const enc = dp[which === 'rep' ? 4 : 3] as number;
        if (enc !== ENC.RLE) throw new UnsupportedParquetError(`column ${where}: level encoding ${enc}`);
        const n = Buffer.from(bytesAt(at, 4)).readUInt32LE(0);
        const lv = { bytes: bytesAt(at + 4, n), bitWidth: bitWidth(max), count: numValues };
        if (which === 'rep') rep = lv;
        else def = lv;
        at += 4 + n;
      }
    } else {
      const dp = h[8] as ThriftStruct;
      numValues = dp[1] as number;
      encoding = dp[4] as number;
      const defLen = dp[5] as number;
      const repLen = dp[6] as number;
      compressed = dp[7] !== false && chunk.codec !== 'UNCOMPRESSED';
      if (levels.maxRep > 0) rep = { bytes: bytesAt(at, repLen), bitWidth: bitWidth(levels.maxRep), count: numValues };
      if (levels.maxDef > 0) def = { bytes: bytesAt(at + repLen, defLen), bitWidth: bitWidth(levels.maxDef), count: numValues };
      at += repLen + defLen;
    }
    if (encoding !== ENC.PLAIN) throw new UnsupportedParquetError(`column ${where}: value encoding ${encoding} (not PLAIN)`);
    const stored = body + size - at;
    if (compressed) {
      const valuesBytes = rawSize - (at - body);
      if (!(valuesBytes >= 0)) throw new Error(`column ${where}: page at byte ${pos} says ${rawSize} bytes uncompressed, less than its levels`);
      // a page without values may have no zstd frame at all
      pages.push(valuesBytes === 0 ? { numValues, rep, def, valuesAt: at, valuesBytes: 0 } : { numValues, rep, def, valuesAt: at, valuesBytes, compressedBytes: stored });
    } else {
      pages.push({ numValues, rep, def, valuesAt: at, valuesBytes: stored });
    }
    seen += numValues;
    pos = body + size;
  }
  if (seen !== chunk.numValues) throw new Error(`column ${where}: pages hold ${seen} values, the footer says ${chunk.numValues}`);
  return pages;
}

// Reused per thread by the readers below: compressed bytes read from the file, and
// decompressed values that are not read straight into the caller's array.
let packedScratch: Uint8Array = new Uint8Array(0);
let plainScratch: Uint8Array = new Uint8Array(0);
const grow = (b: Uint8Array, n: number): Uint8Array => (b.byteLength >= n ? b : new Uint8Array(Math.max(n, Math.ceil(b.byteLength * 1.5))));

/** Decompress the ZSTD values `v` into `into` (exactly v.rawSize bytes). */
function readCompressed(fd: number, v: CompressedValues, into: Uint8Array): void {
  packedScratch = grow(packedScratch, v.size);
  const packed = readAt(fd, v.at, v.size, packedScratch.subarray(0, v.size));
  try {
    zstdDecompress(packed, into);
  } catch (err) {
    throw new Error(`ZSTD page values at byte ${v.at}: ${(err as Error).message}`);
  }
}

/** A page's PLAIN value bytes, decompressed if need be (into `into` when given, of the right size). */
function pageValues(fd: number, p: PageLayout, into?: Uint8Array): Uint8Array {
  const out = into ?? Buffer.allocUnsafe(p.valuesBytes);
  if (p.compressedBytes === undefined) return readAt(fd, p.valuesAt, p.valuesBytes, out);
  readCompressed(fd, { at: p.valuesAt, size: p.compressedBytes, rawSize: p.valuesBytes }, out);
  return out;
}

/**
 * PLAIN values of a flat column chunk (required, or optional without nulls): strings
 * (BYTE_ARRAY) or an Int32Array. A null is an error naming the column.
 */
export function readFlatColumn(fd: number, chunk: ColumnChunkInfo, levels: { maxRep: number; maxDef: number }): string[] | Int32Array {
  if (levels.maxRep !== 0 || levels.maxDef > 1) throw new UnsupportedParquetError(`column ${chunk.path.join('.')} is not a flat column`);
  const pages = columnChunkPages(fd, chunk, levels);
  for (const p of pages) {
    if (p.def && levelRuns(p.def).some(([v]) => v === 0)) throw new Error(`column ${chunk.path.join('.')} has null values`);
  }
  if (chunk.type === TYPE.INT32) {
    const out = new Int32Array(chunk.numValues);
    let o = 0;
    for (const p of pages) {
      if (p.valuesBytes !== p.numValues * 4) throw new Error(`column ${chunk.path.join('.')}: a page holds ${p.valuesBytes} value bytes for ${p.numValues} int32`);
      pageValues(fd, p, new Uint8Array(out.buffer, o * 4, p.numValues * 4));
      o += p.numValues;
    }
    return out;
  }
  if (chunk.type === TYPE.BYTE_ARRAY) {
    const out: string[] = [];
    for (const p of pages) {
      const v = pageValues(fd, p);
      const b = Buffer.from(v.buffer, v.byteOffset, v.byteLength);
      let o = 0;
      for (let k = 0; k < p.numValues; k++) {
        const n = b.readUInt32LE(o);
        out.push(b.toString('utf8', o + 4, o + 4 + n));
        o += 4 + n;
      }
    }
    return out;
  }
  throw new UnsupportedParquetError(`column ${chunk.path.join('.')}: physical type ${chunk.type}`);
}

/** Where each row's float32 values of a list<float32> column chunk are in the file. */
export interface ListRowLocation {
  length: number;
  /** A null list (only possible when the list column is optional). */
  null: boolean;
  /**
   * The row's pieces, in order (one unless the row spans pages): [file offset, number of
   * floats] in an uncompressed page; [byte offset in the decompressed values, number of
   * floats, the page's compressed values] in a ZSTD page.
   */
  segments: ListSegment[];
}

export type ListSegment = [at: number, count: number] | [at: number, count: number, packed: CompressedValues];

/**
 * Locate the rows of a list<float32> column chunk: a required or optional list of
 * required float32 (max definition level 1 or 2; a value is present at the max level,
 * an empty list one below it, a null list at 0 when the list is optional).
 */
export function locateFloatLists(fd: number, chunk: ColumnChunkInfo, levels: { maxRep: number; maxDef: number }): ListRowLocation[] {
  const { maxDef } = levels;
  if (chunk.type !== TYPE.FLOAT || levels.maxRep !== 1 || (maxDef !== 1 && maxDef !== 2)) {
    throw new UnsupportedParquetError(`column ${chunk.path.join('.')} is not a list of required float32 (type ${chunk.type}, levels ${levels.maxRep}/${maxDef})`);
  }
  const rows: ListRowLocation[] = [];
  const where = chunk.path.join('.');
  const lastRow = () => {
    const row = rows[rows.length - 1];
    if (!row) throw new Error(`column ${where}: a page starts inside a row that has no start`);
    return row;
  };
  for (const p of columnChunkPages(fd, chunk, levels)) {
    let value = 0; // index of the next PLAIN value in this page
    // values of a compressed page are addressed inside its decompressed values
    const packed: CompressedValues | undefined = p.compressedBytes === undefined ? undefined : { at: p.valuesAt, size: p.compressedBytes, rawSize: p.valuesBytes };
    const base = packed ? 0 : p.valuesAt;
    const piece = (count: number): ListSegment => (packed ? [base + 4 * value, count, packed] : [base + 4 * value, count]);
    const defRuns = levelRuns(p.def!);
    if (defRuns.every(([v]) => v === maxDef)) {
      // Every entry is a value (no empty or null list): rows from the repetition runs alone.
      for (const [v, c] of levelRuns(p.rep!)) {
        if (v === 0) {
          for (let k = 0; k < c; k++, value++) rows.push({ length: 1, null: false, segments: [piece(1)] });
          continue;
        } else {
          const row = lastRow();
          const seg = row.segments[row.segments.length - 1];
          // continue the row's last piece when it ends right here (same page), else a new piece
          if (seg && seg[2] === packed && seg[0] + 4 * seg[1] === base + 4 * value) seg[1] += c;
          else row.segments.push(piece(c));
          row.length += c;
        }
        value += c;
      }
    } else {
      const rep = decodeLevels(p.rep!.bytes, p.rep!.bitWidth, p.numValues);
      const def = decodeLevels(p.def!.bytes, p.def!.bitWidth, p.numValues);
      let i = 0;
      while (i < p.numValues) {
        if (rep[i] === 0) rows.push({ length: 0, null: false, segments: [] });
        const row = lastRow();
        if (def[i] === maxDef) {
          // a run of present values continuing this row
          let j = i + 1;
          while (j < p.numValues && rep[j] === 1 && def[j] === maxDef) j++;
          const count = j - i;
          row.segments.push(piece(count));
          row.length += count;
          value += count;
          i = j;
        } else {
          if (def[i] < maxDef - 1) row.null = true;
          i++;
        }
      }
    }
    if (value * 4 !== p.valuesBytes) throw new Error(`column ${where}: page holds ${p.valuesBytes} value bytes for ${value} floats`);
  }
  return rows;
}

/**
 * Read a located list row's floats into `out` (length ≥ limit). Returns the count read.
 * A piece in a ZSTD page costs decompressing that page's values: straight into `out`
 * when the page holds exactly the piece (one-row pages, as the ZSTD writer makes them)
 * and all of it is wanted, else into a scratch buffer first.
 */
export function readFloatList(fd: number, row: ListRowLocation, out: Float32Array, limit = row.length): number {
  let o = 0;
  for (const [at, count, packed] of row.segments) {
    if (o >= limit) break;
    const n = Math.min(count, limit - o);
    const into = new Uint8Array(out.buffer, out.byteOffset + o * 4, n * 4);
    if (!packed) readAt(fd, at, n * 4, into);
    else if (at === 0 && packed.rawSize === n * 4) readCompressed(fd, packed, into);
    else {
      plainScratch = grow(plainScratch, packed.rawSize);
      const plain = plainScratch.subarray(0, packed.rawSize);
      readCompressed(fd, packed, plain);
      into.set(plain.subarray(at, at + n * 4));
    }
    o += n;
  }
  return o;
}
