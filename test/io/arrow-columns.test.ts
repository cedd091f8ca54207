import { Float64, Int32, Int64, Table, Utf8, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { float64Column, int32Column, int64Column, utf8Column, utf8Values } from '../../src/io/arrow-columns.ts';
import { fromParquetBytes, toParquetBytes } from '../../src/io/parquet.ts';

const strings = ['a', null, '', 'Überraschung', 'x'.repeat(300), '感情', null, 'z'];
const ints = [1, null, -7, 0, 2 ** 31 - 1, null, -(2 ** 31), 42];
const floats = [1.5, null, -0, Number.MAX_VALUE, 1e-310, null, Math.PI, 3];
const sizes = [0, null, 2 ** 40 + 3, 12, null, 7, 1, 2 ** 53 - 1];

describe('arrow columns from nullable arrays', () => {
  it('hold the same values and nulls as vectorFromArray, with or without nulls', () => {
    const pairs = [
      [utf8Column(strings), vectorFromArray(strings, new Utf8())],
      [int32Column(ints), vectorFromArray(ints, new Int32())],
      [float64Column(floats), vectorFromArray(floats, new Float64())],
      [utf8Column(['p', 'q']), vectorFromArray(['p', 'q'], new Utf8())],
    ] as const;
    for (const [ours, theirs] of pairs) {
      expect(ours.length).toBe(theirs.length);
      expect(ours.nullCount).toBe(theirs.nullCount);
      expect(ours.toArray().length).toBe(theirs.length);
      expect([...ours]).toEqual([...theirs]);
    }
    expect([...int64Column(sizes)]).toEqual(sizes.map((v) => (v === null ? null : BigInt(v))));
    expect(int64Column(sizes).type).toBeInstanceOf(Int64);
  });

  it('survive a Parquet round trip', () => {
    const table = new Table({ s: utf8Column(strings), i: int32Column(ints), f: float64Column(floats), n: int64Column(sizes) });
    const back = fromParquetBytes(toParquetBytes(table));
    expect(back.numRows).toBe(strings.length);
    expect([...back.getChild('s')!]).toEqual(strings);
    expect(utf8Values(back.getChild('s')! as never)).toEqual(strings);
    expect(utf8Values(vectorFromArray(strings, new Utf8()))).toEqual(strings);
    expect([...back.getChild('i')!]).toEqual(ints);
    expect([...back.getChild('f')!].map((v) => (v === null ? null : Object.is(v, -0) ? 0 : v))).toEqual(floats.map((v) => (v === null ? null : Object.is(v, -0) ? 0 : v)));
    expect([...back.getChild('n')!]).toEqual(sizes.map((v) => (v === null ? null : BigInt(v))));
  });
});
