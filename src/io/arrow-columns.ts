// Arrow vectors straight from JS arrays of nullable values, for small tables written on
// the main thread after the workers are done (ingest's manifest: 20 columns × 1440
// rows). apache-arrow's vectorFromArray goes through a generic builder per value, which
// cost ~0.1 s for the manifest in a fresh process (measured in a CPU profile of
// `ser run ingest`: half in builder.set / utf8 setValue); here each column is one pass
// into typed arrays plus, for strings, one UTF-8 encode of the whole column.
import { Float64, Int32, Int64, Utf8, makeData, makeVector, type Vector } from 'apache-arrow';

/** Validity bitmap (bit i set = row i is not null) and null count, or none when all valid. */
function validity<T>(values: readonly (T | null | undefined)[]): { nullBitmap?: Uint8Array; nullCount: number } {
  let nullCount = 0;
  for (const v of values) if (v === null || v === undefined) nullCount++;
  if (nullCount === 0) return { nullCount };
  const nullBitmap = new Uint8Array(Math.ceil(values.length / 8));
  values.forEach((v, i) => {
    if (v !== null && v !== undefined) nullBitmap[i >> 3] |= 1 << (i & 7);
  });
  return { nullBitmap, nullCount };
}

export function utf8Column(values: readonly (string | null | undefined)[]): Vector<Utf8> {
  const valueOffsets = new Int32Array(values.length + 1);
  let bytes = 0;
  values.forEach((v, i) => {
    if (v) bytes += Buffer.byteLength(v, 'utf8');
    valueOffsets[i + 1] = bytes;
  });
  const data = Buffer.from(values.map((v) => v ?? '').join(''), 'utf8');
  if (data.length !== bytes) throw new Error('utf8Column: byte lengths do not add up'); // cannot happen: same encoder
  return makeVector(makeData({ type: new Utf8(), length: values.length, valueOffsets, data, ...validity(values) }));
}

export function int32Column(values: readonly (number | null | undefined)[]): Vector<Int32> {
  const data = Int32Array.from(values, (v) => v ?? 0);
  return makeVector(makeData({ type: new Int32(), length: values.length, data, ...validity(values) }));
}

export function int64Column(values: readonly (number | bigint | null | undefined)[]): Vector<Int64> {
  const data = BigInt64Array.from(values, (v) => BigInt(v ?? 0));
  return makeVector(makeData({ type: new Int64(), length: values.length, data, ...validity(values) }));
}

export function float64Column(values: readonly (number | null | undefined)[]): Vector<Float64> {
  const data = Float64Array.from(values, (v) => v ?? 0);
  return makeVector(makeData({ type: new Float64(), length: values.length, data, ...validity(values) }));
}

/**
 * The values of a Utf8 column as strings (null stays null), read from its offsets and
 * bytes: Vector.toArray()/get() goes through a visitor per value (~50 ms for resample's
 * two string columns of 1440 rows in a fresh process).
 */
export function utf8Values(v: Vector<Utf8>): (string | null)[] {
  const out: (string | null)[] = [];
  for (const d of v.data) {
    const bytes = Buffer.from(d.values.buffer, d.values.byteOffset, d.values.byteLength);
    const offsets = d.valueOffsets;
    for (let i = 0; i < d.length; i++) out.push(d.getValid(i) ? bytes.toString('utf8', offsets[i], offsets[i + 1]) : null);
  }
  return out;
}
