import { readFileSync } from 'node:fs';

export const REF_DIR = new URL('../fixtures/refvectors/', import.meta.url);

/** A little-endian float32 fixture file as a Float32Array. */
export function readF32(name: string): Float32Array {
  const b = readFileSync(new URL(name, REF_DIR));
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

/** Max |a − b| over bins where the reference is within `withinDb` of its max (and over `rows` if given). */
export function maxDbError(ours: Float32Array, ref: Float32Array, withinDb: number, rowOk: (row: number) => boolean = () => true, nFrames = 188): number {
  let max = -Infinity;
  for (const v of ref) if (v > max) max = v;
  let err = 0;
  for (let i = 0; i < ref.length; i++) {
    if (ref[i] < max - withinDb || !rowOk(Math.floor(i / nFrames))) continue;
    err = Math.max(err, Math.abs(ours[i] - ref[i]));
  }
  return err;
}

export const REF_CLIPS = ['Actor_01__03-01-05-02-01-01-01', 'Actor_01__03-01-02-01-01-02-01'];
