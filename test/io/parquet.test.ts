import { describe, expect, it } from 'vitest';
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeData, makeVector, Table, FixedSizeList, Float32, Field, Utf8, vectorFromArray, Int32 } from 'apache-arrow';
import { closeSync, openSync } from 'node:fs';
import { fixedSizeListChunks, readParquetFile, readParquetMetadata, toParquetBytes, writeParquetFile } from '../../src/io/parquet.ts';
import { parquetFooter } from '../../src/io/parquet-rows.ts';

function spectrogramTable(rows: number, size: number): { table: Table; flat: Float32Array } {
  const flat = new Float32Array(rows * size).map((_, i) => Math.sin(i) * 100);
  const child = makeData({ type: new Float32(), length: rows * size, data: flat });
  const listType = new FixedSizeList(size, new Field('item', new Float32(), false));
  const spec = makeVector(makeData({ type: listType, length: rows, nullCount: 0, child }));
  const ids = vectorFromArray(Array.from({ length: rows }, (_, i) => `clip-${i}`), new Utf8());
  const n = vectorFromArray(Array.from({ length: rows }, () => size), new Int32());
  return { table: new Table({ id: ids, n, spec }), flat };
}

describe('parquet io', () => {
  it('round-trips a FixedSizeList<float32> column and footer metadata', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pq-'));
    const { table, flat } = spectrogramTable(2500, 12);
    const path = join(dir, 'f.parquet');
    await writeParquetFile(path, table, { rowGroupSize: 1000, metadata: { n_mels: '64' } });
    const back = await readParquetFile(path);
    expect(back.numRows).toBe(2500);
    expect(back.getChild('id')!.get(2499)).toBe('clip-2499');
    const { listSize, chunks } = fixedSizeListChunks(back.getChild('spec')!);
    expect(listSize).toBe(12);
    const joined = new Float32Array(chunks.reduce((a, c) => a + c.length, 0));
    let o = 0;
    for (const c of chunks) { joined.set(c, o); o += c.length; }
    expect(joined).toEqual(flat);
    expect((await readParquetMetadata(path)).n_mels).toBe('64');
    // no temporary file left behind
    expect((await readdir(dir)).sort()).toEqual(['f.parquet']);
  });

  it('writes identical bytes for identical tables, with several metadata keys', async () => {
    const { table } = spectrogramTable(50, 4);
    const metadata = { b: '2', a: '1', c: JSON.stringify({ x: 1 }) };
    const first = Buffer.from(toParquetBytes(table, { metadata }));
    for (let i = 0; i < 10; i++) expect(Buffer.from(toParquetBytes(table, { metadata })).equals(first)).toBe(true);
    const dir = await mkdtemp(join(tmpdir(), 'pq-'));
    const path = join(dir, 'm.parquet');
    await writeParquetFile(path, table, { metadata });
    expect(await readParquetMetadata(path)).toMatchObject(metadata);
  });

  it('reads a subset of columns', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pq-'));
    const path = join(dir, 'f.parquet');
    await writeParquetFile(path, spectrogramTable(10, 3).table);
    const back = await readParquetFile(path, { columns: ['id'] });
    expect(back.schema.fields.map((f) => f.name)).toEqual(['id']);
  });

  it('compression: one codec for the file, flat columns overridden; a nested column cannot be addressed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pq-'));
    const path = join(dir, 'c.parquet');
    const { table, flat } = spectrogramTable(20, 6);
    await writeParquetFile(path, table, { compression: 'LZ4_RAW', columnCompression: { id: 'ZSTD' } });
    const fd = openSync(path, 'r');
    try {
      const cols = parquetFooter(fd).rowGroups[0].columns;
      expect(Object.fromEntries([...cols].map(([k, c]) => [k, c.codec]))).toEqual({ id: 'ZSTD', n: 'LZ4_RAW', 'spec.list.item': 'LZ4_RAW' });
    } finally {
      closeSync(fd);
    }
    const back = await readParquetFile(path);
    expect(fixedSizeListChunks(back.getChild('spec')!).chunks[0]).toEqual(flat);
    await expect(writeParquetFile(path, table, { columnCompression: { 'spec.list.item': 'LZ4_RAW' } })).rejects.toThrow(/'spec\.list\.item' is not a flat column of this table \(flat columns: id, n\)/);
  });

  it('names the file when it is not Parquet', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pq-'));
    const path = join(dir, 'bad.parquet');
    await writeFile(path, 'not parquet at all');
    await expect(readParquetFile(path)).rejects.toThrow(/bad\.parquet is not a readable Parquet file/);
  });
});
