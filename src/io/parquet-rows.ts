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
// The files are ordinary Parquet (format 1, data page v1), read by parquet-wasm/arrow-rs
// and DuckDB (test/io/parquet-rows.test.ts, test/io/duckdb-interop.test.ts). Column
// kinds: utf8, int32, and list<float32> (3-level LIST, element `item`, as arrow-rs
// writes an Arrow List<Float32>). Footer key/value metadata is written in the order
// given (deterministic bytes: same rows → same file).
//
// The reader side (parquetFooter, columnChunkPages) understands any file whose pages are
// uncompressed PLAIN data pages (v1 or v2) with RLE/bit-packed levels; it says so when a
// file is outside that (compressed, dictionary-encoded), so callers can fall back to
// parquet-wasm.
import { closeSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import { decodeThrift, encodeThrift, i16, i32, i32List, i64, str, strList, struct, structList, type ThriftStruct, type ThriftValue } from './thrift.ts';

const MAGIC = Buffer.from('PAR1');
// parquet.thrift enums
const TYPE = { INT32: 1, FLOAT: 4, BYTE_ARRAY: 6 } as const;
const REP = { REQUIRED: 0, OPTIONAL: 1, REPEATED: 2 } as const;
const CONVERTED = { UTF8: 0, LIST: 3 } as const;
const ENC = { PLAIN: 0, RLE: 3 } as const;
const PAGE = { DATA: 0, DICTIONARY: 2, DATA_V2: 3 } as const;
const CODEC_NAMES = ['UNCOMPRESSED', 'SNAPPY', 'GZIP', 'LZO', 'BROTLI', 'LZ4', 'ZSTD', 'LZ4_RAW'];

if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
  throw new Error('src/io/parquet-rows.ts writes PLAIN (little-endian) values straight from typed arrays and needs a little-endian host');
}

export type ColumnKind = 'utf8' | 'int32' | 'float32-list';
export interface ColumnSpec {
  name: string;
  kind: ColumnKind;
}
/** One row group's values, by column name: string[] | Int32Array | Float32Array[] (one array per row). */
export type RowGroupValues = Record<string, readonly string[] | Int32Array | readonly Float32Array[] | FloatListHoles>;

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

/** RLE runs (bit width 1) → the RLE/bit-packed hybrid bytes, prefixed by their length (data page v1). */
function levelBytes(runs: [value: number, count: number][]): Buffer {
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

interface ChunkParts {
  /** Bytes to write in order; a number is a hole of that many bytes, filled later by others. */
  parts: (Uint8Array | number)[];
  numValues: number;
}

/** Lengths of the rows of a float32-list column whose values are written later (see reserveRowGroup). */
export class FloatListHoles {
  constructor(readonly lengths: Int32Array) {}
}

function encodeColumn(c: ColumnSpec, values: RowGroupValues[string], rows: number): ChunkParts {
  const count = values instanceof FloatListHoles ? values.lengths.length : values.length;
  if (count !== rows) throw new Error(`column ${c.name}: ${count} values for ${rows} rows`);
  if (values instanceof FloatListHoles && c.kind !== 'float32-list') throw new Error(`column ${c.name}: only a float32-list column can be reserved`);
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
    return { parts: [body], numValues: rows };
  }
  if (c.kind === 'int32') {
    const v = values instanceof Int32Array ? values : Int32Array.from(values as unknown as number[]);
    return { parts: [new Uint8Array(v.buffer, v.byteOffset, v.byteLength)], numValues: rows };
  }
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

  constructor(readonly path: string, readonly columns: ColumnSpec[]) {
    if (!columns.length) throw new Error('ParquetRowsWriter: no columns');
    this.fd = openSync(path, 'w');
    this.write(MAGIC);
  }

  private write(b: Uint8Array): void {
    let done = 0;
    while (done < b.byteLength) done += writeSync(this.fd, b, done, b.byteLength - done, this.pos + done);
    this.pos += b.byteLength;
  }

  /** Append one row group (every column, same number of rows). */
  writeRowGroup(values: RowGroupValues): void {
    this.rowGroup(values);
  }

  /**
   * Append one row group whose float32-list column is given as FloatListHoles: every
   * byte but those values is written now, and the file offset of each row's values is
   * returned, for others (worker threads) to fill with positioned writes of
   * `4 · length` bytes of little-endian float32 before close().
   */
  reserveRowGroup(values: RowGroupValues): (number | null)[] {
    return this.rowGroup(values);
  }

  private rowGroup(values: RowGroupValues): (number | null)[] {
    if (this.closed) throw new Error(`${this.path}: writer is closed`);
    const first = values[this.columns[0].name];
    const rows = first instanceof FloatListHoles ? first.lengths.length : first?.length ?? 0;
    if (rows === 0) return [];
    const start = this.pos;
    const chunks: ThriftValue[] = [];
    const holes: (number | null)[] = [];
    let total = 0;
    for (const c of this.columns) {
      const col = values[c.name];
      if (!col) throw new Error(`row group has no column '${c.name}'`);
      const { parts, numValues } = encodeColumn(c, col, rows);
      const bodySize = parts.reduce<number>((n, p) => n + (typeof p === 'number' ? p : p.byteLength), 0);
      if (bodySize > 0x7fffffff) throw new Error(`column ${c.name}: a row group of ${bodySize} bytes is too large for one page; write smaller row groups`);
      // PageHeader: 1 type, 2 uncompressed size, 3 compressed size, 5 DataPageHeader
      // (1 num_values, 2 encoding, 3 definition level encoding, 4 repetition level encoding)
      const header = encodeThrift(struct([
        [1, i32(PAGE.DATA)], [2, i32(bodySize)], [3, i32(bodySize)],
        [5, struct([[1, i32(numValues)], [2, i32(ENC.PLAIN)], [3, i32(ENC.RLE)], [4, i32(ENC.RLE)]])],
      ]));
      const pageAt = this.pos;
      this.write(header);
      const gaps: number[] = [];
      for (const p of parts) {
        if (typeof p === 'number') {
          gaps.push(this.pos);
          this.pos += p; // left for the caller's positioned writes
        } else this.write(p);
      }
      if (col instanceof FloatListHoles) {
        let g = 0; // rows of length 0 have no values and so no hole
        for (const n of col.lengths) holes.push(n > 0 ? gaps[g++] : null);
      }
      const size = header.byteLength + bodySize;
      total += size;
      const type = c.kind === 'utf8' ? TYPE.BYTE_ARRAY : c.kind === 'int32' ? TYPE.INT32 : TYPE.FLOAT;
      // ColumnChunk: 2 file_offset, 3 ColumnMetaData (1 type, 2 encodings, 3 path, 4 codec,
      // 5 num_values, 6/7 uncompressed/compressed size, 9 data_page_offset)
      chunks.push(struct([
        [2, i64(pageAt)],
        [3, struct([
          [1, i32(type)], [2, i32List([ENC.PLAIN, ENC.RLE])], [3, strList(leafPath(c))], [4, i32(0)],
          [5, i64(numValues)], [6, i64(size)], [7, i64(size)], [9, i64(pageAt)],
        ])],
      ]));
    }
    // RowGroup: 1 columns, 2 total_byte_size, 3 num_rows, 5 file_offset, 6 total_compressed_size, 7 ordinal
    this.rowGroups.push(struct([
      [1, structList(chunks)], [2, i64(total)], [3, i64(rows)], [5, i64(start)], [6, i64(total)],
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
 * Throws UnsupportedParquetError for compressed chunks and non-PLAIN pages.
 */
export function columnChunkPages(fd: number, chunk: ColumnChunkInfo, levels: { maxRep: number; maxDef: number }): PageLayout[] {
  if (chunk.codec !== 'UNCOMPRESSED') throw new UnsupportedParquetError(`column ${chunk.path.join('.')} is ${chunk.codec}-compressed`);
  const pages: PageLayout[] = [];
  let pos = chunk.start;
  const end = chunk.start + chunk.size;
  let seen = 0;
  while (seen < chunk.numValues && pos < end) {
    // page headers are small; read a generous window and decode from it
    const win = readAt(fd, pos, Math.min(end - pos, 1 << 16));
    const { value: h, end: hlen } = decodeThrift(win);
    const type = h[1] as number;
    const size = h[3] as number;
    const body = pos + hlen;
    if (type === PAGE.DICTIONARY) throw new UnsupportedParquetError(`column ${chunk.path.join('.')} is dictionary-encoded`);
    if (type !== PAGE.DATA && type !== PAGE.DATA_V2) {
      pos = body + size; // index pages etc.
      continue;
    }
    let rep: LevelStream | null = null;
    let def: LevelStream | null = null;
    let at = body;
    let numValues: number;
    let encoding: number;
    if (type === PAGE.DATA) {
      const dp = h[5] as ThriftStruct;
      numValues = dp[1] as number;
      encoding = dp[2] as number;
      for (const which of ['rep', 'def'] as const) {
        const max = which === 'rep' ? levels.maxRep : levels.maxDef;
        if (max === 0) continue;
        const enc = dp[which === 'rep' ? 4 : 3] as number;
        if (enc !== ENC.RLE) throw new UnsupportedParquetError(`column ${chunk.path.join('.')}: level encoding ${enc}`);
        const n = Buffer.from(readAt(fd, at, 4)).readUInt32LE(0);
        const lv = { bytes: readAt(fd, at + 4, n), bitWidth: bitWidth(max), count: numValues };
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
      if (dp[7] !== false && chunk.codec !== 'UNCOMPRESSED') throw new UnsupportedParquetError('compressed v2 page');
      if (levels.maxRep > 0) rep = { bytes: readAt(fd, at, repLen), bitWidth: bitWidth(levels.maxRep), count: numValues };
      if (levels.maxDef > 0) def = { bytes: readAt(fd, at + repLen, defLen), bitWidth: bitWidth(levels.maxDef), count: numValues };
      at += repLen + defLen;
    }
    if (encoding !== ENC.PLAIN) throw new UnsupportedParquetError(`column ${chunk.path.join('.')}: value encoding ${encoding} (not PLAIN)`);
    pages.push({ numValues, rep, def, valuesAt: at, valuesBytes: body + size - at });
    seen += numValues;
    pos = body + size;
  }
  if (seen !== chunk.numValues) throw new Error(`column ${chunk.path.join('.')}: pages hold ${seen} values, the footer says ${chunk.numValues}`);
  return pages;
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
      readAt(fd, p.valuesAt, p.numValues * 4, new Uint8Array(out.buffer, o * 4, p.numValues * 4));
      o += p.numValues;
    }
    return out;
  }
  if (chunk.type === TYPE.BYTE_ARRAY) {
    const out: string[] = [];
    for (const p of pages) {
      const b = Buffer.from(readAt(fd, p.valuesAt, p.valuesBytes));
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
  /** [file offset, number of floats] pieces, in order (one unless the row spans pages). */
  segments: [number, number][];
}

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
    const defRuns = levelRuns(p.def!);
    if (defRuns.every(([v]) => v === maxDef)) {
      // Every entry is a value (no empty or null list): rows from the repetition runs alone.
      for (const [v, c] of levelRuns(p.rep!)) {
        if (v === 0) {
          for (let k = 0; k < c; k++) rows.push({ length: 1, null: false, segments: [[p.valuesAt + 4 * (value + k), 1]] });
        } else {
          const row = lastRow();
          const seg = row.segments[row.segments.length - 1];
          // continue the row's last piece when it ends right here (same page), else a new piece
          if (seg && seg[0] + 4 * seg[1] === p.valuesAt + 4 * value) seg[1] += c;
          else row.segments.push([p.valuesAt + 4 * value, c]);
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
          row.segments.push([p.valuesAt + 4 * value, count]);
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

/** Read a located list row's floats into `out` (length ≥ limit). Returns the count read. */
export function readFloatList(fd: number, row: ListRowLocation, out: Float32Array, limit = row.length): number {
  let o = 0;
  for (const [at, count] of row.segments) {
    if (o >= limit) break;
    const n = Math.min(count, limit - o);
    readAt(fd, at, n * 4, new Uint8Array(out.buffer, out.byteOffset + o * 4, n * 4));
    o += n;
  }
  return o;
}
