// The streaming row-group writer and the direct reader (src/io/parquet-rows.ts): files
// that Arrow readers (parquet-wasm) read back exactly, deterministic bytes, and a reader
// that locates list rows in our files and in parquet-wasm's uncompressed files alike,
// and says when a file is outside what it reads.
import { mkdtemp, readFile } from 'node:fs/promises';
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeLevels, EncodedRows, encodeListRowPage, FloatListHoles, levelRuns, locateFloatLists, parseCompression, parquetFooter, ParquetRowsWriter, readFlatColumn, readFloatList, UnsupportedParquetError, type ColumnSpec, type Compression } from '../../src/io/parquet-rows.ts';
import { zstdCompress, zstdDecompress } from '../../src/io/zstd.ts';
import { decodeThrift, encodeThrift, i32, i64, str, struct, structList } from '../../src/io/thrift.ts';
import { readParquetFile, writeParquetFile } from '../../src/io/parquet.ts';
import { audioTable } from '../features/audio-table.ts';

const COLUMNS: ColumnSpec[] = [
  { name: 'id', kind: 'utf8' },
  { name: 'rate', kind: 'int32' },
  { name: 'samples', kind: 'float32-list' },
];

function groups() {
  const list = (n: number, k: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.1 + k) * (k + 1));
  return [
    { id: ['a', 'bé', 'c'], rate: Int32Array.from([16000, 16000, 8000]), samples: [list(5, 0), new Float32Array(0), list(1, 2)] },
    { id: ['d'], rate: Int32Array.from([-3]), samples: [list(70000, 3)] },
  ];
}

async function writeFile(dir: string, name = 'f.parquet', metadata: [string, string][] = [['k', 'v']], compression: Compression = 'none') {
  const path = join(dir, name);
  const w = new ParquetRowsWriter(path, COLUMNS, { compression });
  for (const g of groups()) w.writeRowGroup(g);
  w.close(metadata);
  return path;
}

describe('thrift compact protocol', () => {
  it('round-trips structs, lists, negative and large integers, strings', () => {
    const bytes = encodeThrift(struct([
      [1, i32(-5)], [2, i64(2 ** 40 + 3)], [4, str('naïve')], [20, i32(7)],
      [21, structList(Array.from({ length: 17 }, (_, k) => struct([[1, i32(k)]])))],
    ]));
    const { value, end } = decodeThrift(bytes);
    expect(end).toBe(bytes.length);
    expect(value[1]).toBe(-5);
    expect(value[2]).toBe(2 ** 40 + 3);
    expect(Buffer.from(value[4] as Uint8Array).toString()).toBe('naïve');
    expect(value[20]).toBe(7); // field id delta > 15: long form
    expect((value[21] as { 1: number }[]).map((s) => s[1])).toEqual(Array.from({ length: 17 }, (_, k) => k));
    expect(() => decodeThrift(bytes.subarray(0, 5))).toThrow(/truncated/);
  });
});

describe('ParquetRowsWriter', () => {
  it('writes a file parquet-wasm reads back exactly (utf8, int32, list<float32> incl. an empty list)', async () => {
    const path = await writeFile(await mkdtemp(join(tmpdir(), 'pqr-')));
    const t = await readParquetFile(path);
    expect(t.schema.fields.map((f) => `${f.name}:${f.type}`)).toEqual(['id:Utf8', 'rate:Int32', 'samples:List<Float32>']);
    const want = groups().flatMap((g) => g.id.map((id, r) => ({ id, rate: g.rate[r], samples: g.samples[r] })));
    expect(t.numRows).toBe(want.length);
    want.forEach((w, i) => {
      expect(t.getChild('id')!.get(i)).toBe(w.id);
      expect(t.getChild('rate')!.get(i)).toBe(w.rate);
      expect((t.getChild('samples')!.get(i) as { toArray(): Float32Array }).toArray()).toEqual(w.samples);
    });
  });

  it('is deterministic: same rows and metadata → identical bytes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pqr-'));
    const a = await readFile(await writeFile(dir, 'a.parquet', [['x', '1'], ['y', '2']]));
    const b = await readFile(await writeFile(dir, 'b.parquet', [['x', '1'], ['y', '2']]));
    expect(a.equals(b)).toBe(true);
  });

  it('reserves the float values of a row group for positioned writes filled later, in any order', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'pqr-')), 'r.parquet');
    const w = new ParquetRowsWriter(path, COLUMNS);
    const want = groups();
    const holes = want.map((g) => w.reserveRowGroup({ ...g, samples: new FloatListHoles(Int32Array.from(g.samples, (x) => x.length)) }));
    expect(holes.map((h) => h.map((o) => o === null))).toEqual([[false, true, false], [false]]); // the empty list has no place
    w.close();
    // fill from the last to the first, as threads finishing in any order would
    const fd = openSync(path, 'r+');
    want.flatMap((g, k) => g.samples.map((x, r) => [holes[k][r], x] as const)).reverse().forEach(([at, x]) => {
      if (at !== null) writeSync(fd, new Uint8Array(x.buffer, x.byteOffset, x.byteLength), 0, x.byteLength, at);
    });
    closeSync(fd);
    const t = await readParquetFile(path);
    want.flatMap((g) => g.samples).forEach((x, i) => expect((t.getChild('samples')!.get(i) as { toArray(): Float32Array }).toArray()).toEqual(x));
    expect(t.getChild('id')!.toArray()).toEqual(['a', 'bé', 'c', 'd']);
  });

  it('refuses a row group whose columns disagree in length', async () => {
    const w = new ParquetRowsWriter(join(await mkdtemp(join(tmpdir(), 'pqr-')), 'x.parquet'), COLUMNS);
    expect(() => w.writeRowGroup({ id: ['a', 'b'], rate: Int32Array.from([1]), samples: [new Float32Array(1), new Float32Array(1)] })).toThrow(/column rate: 1 values for 2 rows/);
    w.abort();
  });
});

describe('direct reader', () => {
  it('reads the footer, flat columns and every list row of our files by byte offset', async () => {
    const path = await writeFile(await mkdtemp(join(tmpdir(), 'pqr-')));
    const fd = openSync(path, 'r');
    try {
      const f = parquetFooter(fd);
      expect(f.numRows).toBe(4);
      expect(f.metadata.get('k')).toBe('v');
      expect(f.leaves.get('samples.list.item')).toEqual({ type: 4, maxRep: 1, maxDef: 1 });
      const got: { id: string; samples: Float32Array }[] = [];
      for (const rg of f.rowGroups) {
        const ids = readFlatColumn(fd, rg.columns.get('id')!, f.leaves.get('id')!) as string[];
        const rows = locateFloatLists(fd, rg.columns.get('samples.list.item')!, f.leaves.get('samples.list.item')!);
        rows.forEach((r, k) => {
          expect(r.segments.length).toBeLessThanOrEqual(1);
          const out = new Float32Array(r.length);
          readFloatList(fd, r, out);
          got.push({ id: ids[k], samples: out });
        });
      }
      const want = groups().flatMap((g) => g.id.map((id, r) => ({ id, samples: g.samples[r] })));
      expect(got).toEqual(want);
      // a limit reads only the start of a row
      const last = locateFloatLists(fd, f.rowGroups[1].columns.get('samples.list.item')!, f.leaves.get('samples.list.item')!)[0];
      const head = new Float32Array(10);
      expect(readFloatList(fd, last, head, 10)).toBe(10);
      expect(head).toEqual(want[3].samples.subarray(0, 10));
    } finally {
      closeSync(fd);
    }
  });

  it('reads parquet-wasm files with uncompressed pages (optional columns, bit-packed levels), refuses compressed v1 pages (levels inside the compressed body)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pqr-'));
    const clips = Array.from({ length: 7 }, (_, i) => ({ id: `c${i}`, samples: Float32Array.from({ length: 3 + 50 * i }, (_, k) => k + 1000 * i) }));
    const plain = join(dir, 'plain.parquet');
    await writeParquetFile(plain, audioTable(clips), { rowGroupSize: 3, compression: 'UNCOMPRESSED' });
    const fd = openSync(plain, 'r');
    try {
      const f = parquetFooter(fd);
      expect(f.leaves.get('samples.list.item')!.maxDef).toBe(2); // optional list
      const got: Float32Array[] = [];
      const ids: string[] = [];
      for (const rg of f.rowGroups) {
        ids.push(...(readFlatColumn(fd, rg.columns.get('id')!, f.leaves.get('id')!) as string[]));
        for (const r of locateFloatLists(fd, rg.columns.get('samples.list.item')!, f.leaves.get('samples.list.item')!)) {
          const out = new Float32Array(r.length);
          readFloatList(fd, r, out);
          got.push(out);
        }
      }
      expect(ids).toEqual(clips.map((c) => c.id));
      expect(got).toEqual(clips.map((c) => c.samples));
    } finally {
      closeSync(fd);
    }
    const zstd = join(dir, 'zstd.parquet');
    await writeParquetFile(zstd, audioTable(clips), { rowGroupSize: 3 });
    const fz = openSync(zstd, 'r');
    try {
      const f = parquetFooter(fz);
      expect(() => readFlatColumn(fz, f.rowGroups[0].columns.get('id')!, f.leaves.get('id')!)).toThrow(UnsupportedParquetError);
    } finally {
      closeSync(fz);
    }
  });

  it('decodes RLE and bit-packed level runs', () => {
    // RLE run of 5 × 1, then one bit-packed group of 8 values (bit width 1): 1,0,1,1,0,0,0,1
    const bytes = Uint8Array.from([5 << 1, 1, (1 << 1) | 1, 0b10001101]);
    expect(Array.from(decodeLevels(bytes, 1, 13))).toEqual([1, 1, 1, 1, 1, 1, 0, 1, 1, 0, 0, 0, 1]);
    expect(() => decodeLevels(bytes, 1, 20)).toThrow(/levels end after 13 of 20/);
    // the same as runs, without expanding the RLE run
    expect(levelRuns({ bytes, bitWidth: 1, count: 13 })).toEqual([[1, 6], [0, 1], [1, 2], [0, 3], [1, 1]]);
  });

  it('names what is wrong with a file that is not Parquet', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pqr-'));
    const path = join(dir, 'x.parquet');
    await (await import('node:fs/promises')).writeFile(path, 'PAR1 but not really a parquet file');
    const fd = openSync(path, 'r');
    try {
      expect(() => parquetFooter(fd)).toThrow(/not a Parquet file|corrupt Parquet footer/);
    } finally {
      closeSync(fd);
    }
  });
});

describe('ZSTD (compression: zstd)', () => {
  it('zstd codec: round trip, deterministic bytes, exact-size decompression enforced', () => {
    const src = new Uint8Array(Float32Array.from({ length: 5000 }, (_, i) => Math.sin(i / 7)).buffer);
    const a = zstdCompress(src);
    expect(a.byteLength).toBeLessThan(src.byteLength);
    expect(Buffer.from(zstdCompress(src)).equals(Buffer.from(a))).toBe(true);
    expect(a.buffer.byteLength).toBe(a.byteLength); // its own buffer: transferable as is
    const back = new Uint8Array(src.byteLength);
    zstdDecompress(a, back);
    expect(Buffer.from(back).equals(Buffer.from(src))).toBe(true);
    expect(() => zstdDecompress(a, new Uint8Array(src.byteLength + 4))).toThrow(/decompress to 20000 bytes, expected 20004/);
    expect(() => zstdDecompress(a, new Uint8Array(10))).toThrow(/zstd decompression failed/);
    expect(() => zstdDecompress(a.subarray(0, 100), back)).toThrow(/zstd decompression failed/);
  });

  it('writes ZSTD column chunks (v2 pages, one per list row) that parquet-wasm reads back exactly', async () => {
    const path = await writeFile(await mkdtemp(join(tmpdir(), 'pqr-')), 'z.parquet', [['k', 'v']], 'zstd');
    const t = await readParquetFile(path);
    const want = groups().flatMap((g) => g.id.map((id, r) => ({ id, rate: g.rate[r], samples: g.samples[r] })));
    expect(t.numRows).toBe(want.length);
    want.forEach((w, i) => {
      expect(t.getChild('id')!.get(i)).toBe(w.id);
      expect(t.getChild('rate')!.get(i)).toBe(w.rate);
      expect((t.getChild('samples')!.get(i) as { toArray(): Float32Array }).toArray()).toEqual(w.samples);
    });
    // the footer: codec ZSTD (6) everywhere, compressed < uncompressed for the big row
    const fd = openSync(path, 'r');
    try {
      const f = parquetFooter(fd);
      for (const rg of f.rowGroups) for (const c of rg.columns.values()) expect(c.codec).toBe('ZSTD');
      const big = f.rowGroups[1].columns.get('samples.list.item')!;
      expect(big.size).toBeLessThan(70000 * 4);
      // page header: v2, sizes that add up, levels outside the compressed values
      const head = Buffer.alloc(64);
      readSync(fd, head, 0, 64, big.start);
      const { value: h, end } = decodeThrift(head);
      expect(h[1]).toBe(3); // DATA_PAGE_V2
      expect(end + (h[3] as number)).toBe(big.size); // one page: header + compressed page = the chunk
      const v2 = h[8] as Record<number, unknown>;
      expect([v2[1], v2[2], v2[3], v2[7]]).toEqual([70000, 0, 1, true]);
      expect(h[2]).toBe((v2[5] as number) + (v2[6] as number) + 70000 * 4); // uncompressed = levels + values
    } finally {
      closeSync(fd);
    }
  });

  it('pages encoded elsewhere (encodeListRowPage, as pool workers do) give the same file as the writer encoding the rows', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pqr-'));
    const a = await writeFile(dir, 'a.parquet', [['k', 'v']], 'zstd');
    const b = join(dir, 'b.parquet');
    const w = new ParquetRowsWriter(b, COLUMNS, { compression: 'zstd' });
    for (const g of groups()) w.writeRowGroup({ ...g, samples: new EncodedRows(g.samples.map((x) => encodeListRowPage(x))) });
    w.close([['k', 'v']]);
    expect((await readFile(a)).equals(await readFile(b))).toBe(true);
    expect((await readFile(a)).equals(await readFile(await writeFile(dir, 'c.parquet', [['k', 'v']], 'zstd')))).toBe(true); // deterministic
  });

  it('onWrite sees every byte of the file in order; holes and pages in the wrong mode are refused', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pqr-'));
    const path = join(dir, 'h.parquet');
    const seen: Buffer[] = [];
    const w = new ParquetRowsWriter(path, COLUMNS, { compression: 'zstd', onWrite: (b) => seen.push(Buffer.from(b)) });
    for (const g of groups()) w.writeRowGroup(g);
    const g0 = groups()[0];
    expect(() => w.reserveRowGroup({ ...g0, samples: new FloatListHoles(Int32Array.from([1, 1, 1])) })).toThrow(/cannot leave holes/);
    w.close();
    expect(Buffer.concat(seen).equals(await readFile(path))).toBe(true);
    const z = new ParquetRowsWriter(join(dir, 'z.parquet'), COLUMNS, { compression: 'zstd' });
    expect(() => z.writeRowGroup({ ...g0, samples: new FloatListHoles(Int32Array.from([1, 1, 1])) })).toThrow(/ZSTD file cannot reserve rows/);
    z.abort();
    const u = new ParquetRowsWriter(join(dir, 'u.parquet'), COLUMNS);
    expect(() => u.writeRowGroup({ ...g0, samples: new EncodedRows(g0.samples.map((x) => encodeListRowPage(x))) })).toThrow(/need a writer with compression 'zstd'/);
    u.abort();
  });

  it('the direct reader reads ZSTD files: flat columns, list rows, a limited head of a row', async () => {
    const path = await writeFile(await mkdtemp(join(tmpdir(), 'pqr-')), 'z.parquet', [['k', 'v']], 'zstd');
    const fd = openSync(path, 'r');
    try {
      const f = parquetFooter(fd);
      const got: { id: string; rate: number; samples: Float32Array }[] = [];
      for (const rg of f.rowGroups) {
        const ids = readFlatColumn(fd, rg.columns.get('id')!, f.leaves.get('id')!) as string[];
        const rates = readFlatColumn(fd, rg.columns.get('rate')!, f.leaves.get('rate')!) as Int32Array;
        locateFloatLists(fd, rg.columns.get('samples.list.item')!, f.leaves.get('samples.list.item')!).forEach((r, k) => {
          expect(r.segments.length).toBeLessThanOrEqual(1);
          const out = new Float32Array(r.length);
          expect(readFloatList(fd, r, out)).toBe(r.length);
          got.push({ id: ids[k], rate: rates[k], samples: out });
        });
      }
      expect(got).toEqual(groups().flatMap((g) => g.id.map((id, r) => ({ id, rate: g.rate[r], samples: g.samples[r] }))));
      const last = locateFloatLists(fd, f.rowGroups[1].columns.get('samples.list.item')!, f.leaves.get('samples.list.item')!)[0];
      const head = new Float32Array(10);
      expect(readFloatList(fd, last, head, 10)).toBe(10);
      expect(head).toEqual(got[3].samples.subarray(0, 10));
    } finally {
      closeSync(fd);
    }
  });

  it('a damaged compressed page is an error naming where it is, not wrong samples', async () => {
    const path = await writeFile(await mkdtemp(join(tmpdir(), 'pqr-')), 'z.parquet', [['k', 'v']], 'zstd');
    const fd = openSync(path, 'r+');
    try {
      const f = parquetFooter(fd);
      const [row] = locateFloatLists(fd, f.rowGroups[1].columns.get('samples.list.item')!, f.leaves.get('samples.list.item')!);
      const packed = row.segments[0][2]!;
      writeSync(fd, Buffer.alloc(16, 0xff), 0, 16, packed.at + 100);
      expect(() => readFloatList(fd, row, new Float32Array(row.length))).toThrow(new RegExp(`ZSTD page values at byte ${packed.at}: zstd decompression failed`));
    } finally {
      closeSync(fd);
    }
  });

  it('parses the compression param, naming the key on a bad value', () => {
    expect(parseCompression(undefined, 'audio.compression')).toBe('none');
    expect(parseCompression('zstd', 'audio.compression')).toBe('zstd');
    expect(() => parseCompression('ZSTD', 'features.compression')).toThrow(/param features\.compression must be one of none \| zstd, got "ZSTD"/);
    expect(() => parseCompression(true, 'audio.compression')).toThrow(/param audio\.compression must be one of none \| zstd, got true/);
  });
});
