// Leading/trailing silence trimming, as librosa.effects.trim(y, top_db, ref=np.max,
// frame_length, hop_length): frame RMS (centered frames, zero padded), in dB relative
// to the loudest frame; frames above −topDb are "sound"; keep from the first to the end
// of the last sound frame.

export interface TrimOptions {
  topDb: number;
  frameLength?: number; // librosa default 2048
  hopLength?: number; // librosa default 512
}

/** [start, end) sample range of the non-silent part (an all-zero clip is all "non-silent", as in librosa). */
export function nonSilentRange(y: Float32Array | Float64Array, o: TrimOptions): [number, number] {
  const frameLength = o.frameLength ?? 2048;
  const hop = o.hopLength ?? 512;
  const n = y.length;
  if (n === 0) return [0, 0];
  // prefix sums of y² make every frame's energy O(1)
  const cum = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) cum[i + 1] = cum[i] + y[i] * y[i];
  const nFrames = 1 + Math.floor(n / hop);
  const mse = new Float64Array(nFrames);
  let maxMse = 0;
  const half = Math.floor(frameLength / 2);
  for (let t = 0; t < nFrames; t++) {
    const a = Math.max(0, t * hop - half);
    const b = Math.min(n, t * hop - half + frameLength);
    const e = b > a ? (cum[b] - cum[a]) / frameLength : 0;
    mse[t] = e;
    if (e > maxMse) maxMse = e;
  }
  const refDb = 10 * Math.log10(Math.max(1e-10, maxMse));
  let first = -1;
  let last = -1;
  for (let t = 0; t < nFrames; t++) {
    const db = 10 * Math.log10(Math.max(1e-10, mse[t])) - refDb;
    if (db > -o.topDb) {
      if (first < 0) first = t;
      last = t;
    }
  }
  if (first < 0) return [0, 0];
  return [first * hop, Math.min(n, (last + 1) * hop)];
}
