// librosa.power_to_db: 10·log10(max(amin, S)) − 10·log10(max(amin, ref)), then, when
// topDb is not null, clamp everything below (max − topDb). One call = one clip.

export interface DbOptions {
  amin: number;
  ref: number;
  topDb: number | null;
}

/**
 * Convert power values to dB into `out` (float32 or float64) and return it. The
 * float64 `power` buffer is used as scratch. With `transposeRows` = R, `power` is read
 * as a row-major R × C matrix and written transposed (C × R): the log-Mel is
 * accumulated frame-major (contiguous writes) and stored mel-major.
 */
export function powerToDb<T extends Float32Array | Float64Array>(power: Float64Array, out: T, o: DbOptions, transposeRows = 0): T {
  const n = power.length;
  if (out.length !== n) throw new Error(`powerToDb: output length ${out.length} ≠ input length ${n}`);
  const offset = 10 * Math.log10(Math.max(o.amin, o.ref));
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = 10 * Math.log10(Math.max(o.amin, power[i])) - offset;
    power[i] = v;
    if (v > max) max = v;
  }
  // the clamp happens in float64, before any float32 rounding
  const floor = o.topDb === null ? -Infinity : max - o.topDb;
  if (transposeRows > 0) {
    const rows = transposeRows;
    const cols = n / rows;
    for (let c = 0; c < cols; c++) {
      for (let r = 0; r < rows; r++) {
        const v = power[r * cols + c];
        out[c * rows + r] = v < floor ? floor : v;
      }
    }
  } else {
    for (let i = 0; i < n; i++) out[i] = power[i] < floor ? floor : power[i];
  }
  return out;
}
