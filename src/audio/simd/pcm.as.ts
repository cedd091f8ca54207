// @ts-nocheck — AssemblyScript, not TypeScript: compiled by src/audio/simd/build.ts to
// pcm.wasm (committed; test/audio/simd.test.ts checks it equals a fresh build). Loaded
// by src/audio/pcm-kernel.ts.
//
// 16-bit PCM, the format of every RAVDESS WAV, 8 samples per instruction: the peak
// check of every clip (ingest) and the conversion to mono float32 (resample) took
// ~0.3–0.5 ms per clip in JavaScript, as much as hashing it. Pointers are byte offsets
// into this module's own memory, which the JS side manages (no allocator here).
// Results are bit-identical to the JS code in src/audio/wav.ts: v / 32768 and
// (l + r) / 65536 are exact in float32.

// Horizontal min / max of 8 int16 lanes (lane indices must be constants).
@inline function lanesMin(v: v128): i32 {
  return min(min(min(<i32>i16x8.extract_lane_s(v, 0), <i32>i16x8.extract_lane_s(v, 1)), min(<i32>i16x8.extract_lane_s(v, 2), <i32>i16x8.extract_lane_s(v, 3))),
    min(min(<i32>i16x8.extract_lane_s(v, 4), <i32>i16x8.extract_lane_s(v, 5)), min(<i32>i16x8.extract_lane_s(v, 6), <i32>i16x8.extract_lane_s(v, 7))));
}
@inline function lanesMax(v: v128): i32 {
  return max(max(max(<i32>i16x8.extract_lane_s(v, 0), <i32>i16x8.extract_lane_s(v, 1)), max(<i32>i16x8.extract_lane_s(v, 2), <i32>i16x8.extract_lane_s(v, 3))),
    max(max(<i32>i16x8.extract_lane_s(v, 4), <i32>i16x8.extract_lane_s(v, 5)), max(<i32>i16x8.extract_lane_s(v, 6), <i32>i16x8.extract_lane_s(v, 7))));
}

/** Largest |sample| of n interleaved int16 samples at src (any channel count): max(−min, max). */
export function peak16(src: usize, n: i32): i32 {
  let lo = i16x8.splat(0);
  let hi = i16x8.splat(0);
  const n8 = n & ~7;
  let p = src;
  const end = src + (<usize>n8 << 1);
  while (p < end) {
    const v = v128.load(p);
    lo = i16x8.min_s(lo, v);
    hi = i16x8.max_s(hi, v);
    p += 16;
  }
  let l = lanesMin(lo);
  let h = lanesMax(hi);
  for (let i = n8; i < n; i++) {
    const v = <i32>load<i16>(src + (<usize>i << 1));
    l = min(l, v);
    h = max(h, v);
  }
  return max(-l, h);
}

/** Mono int16 → float32 (v / 32768) into dst; returns the peak like peak16. */
export function mono16(src: usize, n: i32, dst: usize): i32 {
  const k = f32x4.splat(<f32>(1.0 / 32768.0));
  const n8 = n & ~7;
  let lo = i16x8.splat(0);
  let hi = i16x8.splat(0);
  for (let i = 0; i < n8; i += 8) {
    const v = v128.load(src + (<usize>i << 1));
    lo = i16x8.min_s(lo, v);
    hi = i16x8.max_s(hi, v);
    const d = dst + (<usize>i << 2);
    v128.store(d, f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_s(v)), k));
    v128.store(d, f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_s(v)), k), 16);
  }
  let l = lanesMin(lo);
  let h = lanesMax(hi);
  for (let i = n8; i < n; i++) {
    const v = <i32>load<i16>(src + (<usize>i << 1));
    store<f32>(dst + (<usize>i << 2), <f32>v * <f32>(1.0 / 32768.0));
    l = min(l, v);
    h = max(h, v);
  }
  return max(-l, h);
}

/** Stereo int16 (L R L R …, `frames` frames) → mono float32 (l + r) / 65536; returns the peak. */
export function stereo16(src: usize, frames: i32, dst: usize): i32 {
  const k = f32x4.splat(<f32>(1.0 / 65536.0));
  const f4 = frames & ~3;
  let lo = i16x8.splat(0);
  let hi = i16x8.splat(0);
  for (let i = 0; i < f4; i += 4) {
    const v = v128.load(src + (<usize>i << 2)); // 4 frames = 8 samples
    lo = i16x8.min_s(lo, v);
    hi = i16x8.max_s(hi, v);
    v128.store(dst + (<usize>i << 2), f32x4.mul(f32x4.convert_i32x4_s(i32x4.extadd_pairwise_i16x8_s(v)), k));
  }
  let l = lanesMin(lo);
  let h = lanesMax(hi);
  for (let i = f4; i < frames; i++) {
    const a = <i32>load<i16>(src + (<usize>i << 2));
    const b = <i32>load<i16>(src + (<usize>i << 2) + 2);
    store<f32>(dst + (<usize>i << 2), <f32>(a + b) * <f32>(1.0 / 65536.0));
    l = min(l, min(a, b));
    h = max(h, max(a, b));
  }
  return max(-l, h);
}
