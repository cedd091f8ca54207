// @ts-nocheck — AssemblyScript, not TypeScript: compiled by src/audio/simd/build.ts to
// logmel.wasm (committed; test/audio/simd.test.ts checks it equals a fresh build).
// Loaded by src/features/logmel-kernel.ts, which lays out the memory and fills the
// tables; the JS extractor (fft.js, extractor.ts) is the reference it is tested against.
//
// The log-Mel of one clip, two STFT frames at a time: lane 0 of every f64x2 is frame
// t, lane 1 frame t + 1, so the whole chain is vertical SIMD with no shuffles in the
// FFT, and float64 like the reference (float32 FFTs were 0.03 dB off 60–80 dB down).
//   frame → periodic-Hann window → real FFT (N/2-point complex radix-2 FFT of the
//   frame read as (even, odd) pairs + untangling) → power → sparse mel filterbank
// then 10·log10 with the per-clip top_db clamp, transposed to mel-major float32.
// All pointers are byte offsets into this module's memory.

// Horizontal layouts: a "pair" is one v128 holding the same quantity for both frames.

/** A sample of the clip (float32 at y, `len` of them), 0 outside [0, len). */
@inline function sampleAt(y: usize, len: i32, j: i32): f64 {
  return j >= 0 && j < len ? <f64>load<f32>(y + (<usize>j << 2)) : 0.0;
}

/**
 * Mel power of every frame, frame-major: mel[t·nMels + m] (float64).
 * win: nFft window values, each as a pair (v128, same value in both lanes)
 * bitrev: M = nFft/2 i32, the bit-reversal permutation
 * tw: the FFT twiddles of the stages of length ≥ 8, as pairs (cos, −sin): stage with
 *     half-length h starts at entry h − 4 (h = 4, 8, …, M/2), entry = 32 bytes
 * utw: untangling twiddles (cos, sin)(2πk/nFft) for k = 0..M/2, as pairs, 32 bytes each
 * melStart/melOffset (i32) and melW (f64): the sparse filterbank (see mel.ts sparsify)
 * re, im: M pairs each; spec: 2·(M + 1) pairs (scratch: the power of two frame pairs)
 */
export function melFrames(
  y: usize, len: i32, nFrames: i32, hop: i32, nFft: i32,
  win: usize, bitrev: usize, tw: usize, utw: usize,
  nMels: i32, melStart: usize, melOffset: usize, melW: usize,
  re: usize, im: usize, spec: usize, mel: usize,
): void {
  const M = nFft >> 1;
  const spec2 = spec + (<usize>(M + 1) << 4);
  // Two frame pairs per round: the mel sums of the second pair are independent of the
  // first's, so their (sequential, latency-bound) accumulations overlap; each sum
  // keeps its order, so the values are the same as one pair at a time.
  for (let tA = 0; tA < nFrames; tA += 4) {
    const tB = tA + 1 < nFrames ? tA + 1 : tA; // an odd last frame is computed twice
    powerSpectrum(y, len, tA, tB, hop, nFft, win, bitrev, tw, utw, re, im, spec);
    const outA = mel + (<usize>(tA * nMels) << 3);
    const outB = mel + (<usize>(tB * nMels) << 3);
    const tC = tA + 2;
    if (tC < nFrames) {
      const tD = tC + 1 < nFrames ? tC + 1 : tC;
      powerSpectrum(y, len, tC, tD, hop, nFft, win, bitrev, tw, utw, re, im, spec2);
      const outC = mel + (<usize>(tC * nMels) << 3);
      const outD = mel + (<usize>(tD * nMels) << 3);
      for (let m = 0; m < nMels; m++) {
        const o0 = load<i32>(melOffset + (<usize>m << 2));
        const o1 = load<i32>(melOffset + (<usize>(m + 1) << 2));
        const rel = <usize>(load<i32>(melStart + (<usize>m << 2)) - o0) << 4;
        const base = spec + rel;
        const base2 = spec2 + rel;
        let acc = f64x2.splat(0);
        let acc2 = f64x2.splat(0);
        for (let j = o0; j < o1; j++) {
          const w = v128.load64_splat(melW + (<usize>j << 3));
          acc = f64x2.add(acc, f64x2.mul(w, v128.load(base + (<usize>j << 4))));
          acc2 = f64x2.add(acc2, f64x2.mul(w, v128.load(base2 + (<usize>j << 4))));
        }
        store<f64>(outA + (<usize>m << 3), f64x2.extract_lane(acc, 0));
        store<f64>(outB + (<usize>m << 3), f64x2.extract_lane(acc, 1));
        store<f64>(outC + (<usize>m << 3), f64x2.extract_lane(acc2, 0));
        store<f64>(outD + (<usize>m << 3), f64x2.extract_lane(acc2, 1));
      }
    } else {
      for (let m = 0; m < nMels; m++) {
        const o0 = load<i32>(melOffset + (<usize>m << 2));
        const o1 = load<i32>(melOffset + (<usize>(m + 1) << 2));
        const base = spec + (<usize>(load<i32>(melStart + (<usize>m << 2)) - o0) << 4);
        let acc = f64x2.splat(0);
        for (let j = o0; j < o1; j++) {
          acc = f64x2.add(acc, f64x2.mul(v128.load64_splat(melW + (<usize>j << 3)), v128.load(base + (<usize>j << 4))));
        }
        store<f64>(outA + (<usize>m << 3), f64x2.extract_lane(acc, 0));
        store<f64>(outB + (<usize>m << 3), f64x2.extract_lane(acc, 1));
      }
    }
  }
}

/**
 * Power spectrum (M + 1 bins, as pairs) of frames tA (lane 0) and tB (lane 1) into spec:
 * window, FFT, real-spectrum untangling.
 */
@inline function powerSpectrum(
  y: usize, len: i32, tA: i32, tB: i32, hop: i32, nFft: i32,
  win: usize, bitrev: usize, tw: usize, utw: usize, re: usize, im: usize, spec: usize,
): void {
  const M = nFft >> 1;
  const quarter = M >> 1;
  const firstA = tA * hop - M; // center = true: frame t starts at t·hop − nFft/2
  const firstB = tB * hop - M;

  // Window the two frames into (re, im) = (x[2n], x[2n+1]) at bit-reversed positions.
  if (firstA >= 0 && firstB + nFft <= len) {
    const ya = y + (<usize>firstA << 2);
    const yb = y + (<usize>firstB << 2);
    for (let n = 0; n < M; n++) {
      // x[2n], x[2n+1] of each frame as a float64 pair, then regrouped by lane
      const a = f64x2.promote_low_f32x4(v128.load64_zero(ya + (<usize>n << 3)));
      const b = f64x2.promote_low_f32x4(v128.load64_zero(yb + (<usize>n << 3)));
      const r = <usize>load<i32>(bitrev + (<usize>n << 2)) << 4;
      const w = win + (<usize>n << 5);
      v128.store(re + r, f64x2.mul(v128.shuffle<f64>(a, b, 0, 2), v128.load(w)));
      v128.store(im + r, f64x2.mul(v128.shuffle<f64>(a, b, 1, 3), v128.load(w, 16)));
    }
  } else {
    for (let n = 0; n < M; n++) {
      const j = n << 1;
      const r = <usize>load<i32>(bitrev + (<usize>n << 2)) << 4;
      const w = win + (<usize>n << 5);
      const e = f64x2.replace_lane(f64x2.splat(sampleAt(y, len, firstA + j)), 1, sampleAt(y, len, firstB + j));
      const o = f64x2.replace_lane(f64x2.splat(sampleAt(y, len, firstA + j + 1)), 1, sampleAt(y, len, firstB + j + 1));
      v128.store(re + r, f64x2.mul(e, v128.load(w)));
      v128.store(im + r, f64x2.mul(o, v128.load(w, 16)));
    }
  }

  fft(re, im, M, tw);

  // Untangle the real spectrum (see RealPowerFFT.power in fft.ts) into power.
  const z0r = v128.load(re);
  const z0i = v128.load(im);
  const s0 = f64x2.add(z0r, z0i);
  const sM = f64x2.sub(z0r, z0i);
  v128.store(spec, f64x2.mul(s0, s0));
  v128.store(spec + (<usize>M << 4), f64x2.mul(sM, sM));
  const q = f64x2.splat(0.25);
  for (let k = 1; k <= quarter; k++) {
    const j = M - k;
    const ar = v128.load(re + (<usize>k << 4));
    const ai = v128.load(im + (<usize>k << 4));
    const br = v128.load(re + (<usize>j << 4));
    const bi = v128.load(im + (<usize>j << 4));
    const er = f64x2.add(ar, br);
    const ei = f64x2.sub(ai, bi);
    const dr = f64x2.sub(ar, br);
    const di = f64x2.add(ai, bi);
    const wr = v128.load(utw + (<usize>k << 5));
    const ws = v128.load(utw + (<usize>k << 5), 16);
    const tr = f64x2.sub(f64x2.mul(wr, di), f64x2.mul(ws, dr));
    const ti = f64x2.neg(f64x2.add(f64x2.mul(wr, dr), f64x2.mul(ws, di)));
    const xr = f64x2.add(er, tr);
    const xi = f64x2.add(ei, ti);
    v128.store(spec + (<usize>k << 4), f64x2.mul(q, f64x2.add(f64x2.mul(xr, xr), f64x2.mul(xi, xi))));
    const yr = f64x2.sub(er, tr);
    const yi = f64x2.sub(ti, ei);
    v128.store(spec + (<usize>j << 4), f64x2.mul(q, f64x2.add(f64x2.mul(yr, yr), f64x2.mul(yi, yi))));
  }
}

/** t = w·b (complex), the radix-2 butterfly's product: tr = wr·br − wi·bi, ti = wr·bi + wi·br. */
@inline function cmulRe(wr: v128, wi: v128, br: v128, bi: v128): v128 {
  return f64x2.sub(f64x2.mul(wr, br), f64x2.mul(wi, bi));
}
@inline function cmulIm(wr: v128, wi: v128, br: v128, bi: v128): v128 {
  return f64x2.add(f64x2.mul(wr, bi), f64x2.mul(wi, br));
}

/**
 * In-place radix-2 decimation-in-time FFT of M pairs (input in bit-reversed order).
 * Two stages per pass over the data (radix-2²): the same butterflies with the same
 * twiddles in the same order of operations as one stage per pass, so bit-identical
 * results, with half the loads and stores (which bound the radix-2 loop: 4 stores per
 * butterfly against ~3 cycles of arithmetic).
 */
@inline function fft(re: usize, im: usize, M: i32, tw: usize): void {
  if (M < 4) {
    // length-2 stage only (M = 2): w = 1
    for (let i = 0; i < M; i += 2) {
      const a = re + (<usize>i << 4);
      const b = im + (<usize>i << 4);
      const ar = v128.load(a);
      const br = v128.load(a, 16);
      const ai = v128.load(b);
      const bi = v128.load(b, 16);
      v128.store(a, f64x2.add(ar, br));
      v128.store(a, f64x2.sub(ar, br), 16);
      v128.store(b, f64x2.add(ai, bi));
      v128.store(b, f64x2.sub(ai, bi), 16);
    }
    return;
  }
  // length-2 and length-4 stages in one pass: w = 1, then w = 1 and w = −i
  // (t = −i·b: tr = bi, ti = −br)
  for (let i = 0; i < M; i += 4) {
    const a = re + (<usize>i << 4);
    const b = im + (<usize>i << 4);
    const x0 = v128.load(a);
    const x1 = v128.load(a, 16);
    const x2 = v128.load(a, 32);
    const x3 = v128.load(a, 48);
    const y0 = v128.load(b);
    const y1 = v128.load(b, 16);
    const y2 = v128.load(b, 32);
    const y3 = v128.load(b, 48);
    const r0 = f64x2.add(x0, x1);
    const r1 = f64x2.sub(x0, x1);
    const r2 = f64x2.add(x2, x3);
    const r3 = f64x2.sub(x2, x3);
    const i0 = f64x2.add(y0, y1);
    const i1 = f64x2.sub(y0, y1);
    const i2 = f64x2.add(y2, y3);
    const i3 = f64x2.sub(y2, y3);
    v128.store(a, f64x2.add(r0, r2));
    v128.store(a, f64x2.sub(r0, r2), 32);
    v128.store(b, f64x2.add(i0, i2));
    v128.store(b, f64x2.sub(i0, i2), 32);
    v128.store(a, f64x2.add(r1, i3), 16);
    v128.store(a, f64x2.sub(r1, i3), 48);
    v128.store(b, f64x2.sub(i1, r3), 16);
    v128.store(b, f64x2.add(i1, r3), 48);
  }
  // general stages, two at a time: half-lengths h and 2h
  let h = 4;
  for (; (h << 1) < M; h <<= 2) {
    const h2 = h << 1;
    const stage1 = tw + (<usize>(h - 4) << 5);
    const stage2 = tw + (<usize>(h2 - 4) << 5);
    const step = <usize>h << 4;
    for (let k = 0; k < h; k++) {
      const wr = v128.load(stage1 + (<usize>k << 5));
      const wi = v128.load(stage1 + (<usize>k << 5), 16);
      const vr = v128.load(stage2 + (<usize>k << 5));
      const vi = v128.load(stage2 + (<usize>k << 5), 16);
      const ur = v128.load(stage2 + (<usize>(k + h) << 5));
      const ui = v128.load(stage2 + (<usize>(k + h) << 5), 16);
      for (let i = k; i < M; i += h << 2) {
        const p0 = re + (<usize>i << 4);
        const q0 = im + (<usize>i << 4);
        // stage h: (i, i+h) and (i+2h, i+3h), twiddle w
        const a0r = v128.load(p0);
        const a0i = v128.load(q0);
        const a1r = v128.load(p0 + step);
        const a1i = v128.load(q0 + step);
        const a2r = v128.load(p0 + 2 * step);
        const a2i = v128.load(q0 + 2 * step);
        const a3r = v128.load(p0 + 3 * step);
        const a3i = v128.load(q0 + 3 * step);
        let tr = cmulRe(wr, wi, a1r, a1i);
        let ti = cmulIm(wr, wi, a1r, a1i);
        const b0r = f64x2.add(a0r, tr);
        const b0i = f64x2.add(a0i, ti);
        const b1r = f64x2.sub(a0r, tr);
        const b1i = f64x2.sub(a0i, ti);
        tr = cmulRe(wr, wi, a3r, a3i);
        ti = cmulIm(wr, wi, a3r, a3i);
        const b2r = f64x2.add(a2r, tr);
        const b2i = f64x2.add(a2i, ti);
        const b3r = f64x2.sub(a2r, tr);
        const b3i = f64x2.sub(a2i, ti);
        // stage 2h: (i, i+2h) with twiddle v (index k), (i+h, i+3h) with u (index k+h)
        tr = cmulRe(vr, vi, b2r, b2i);
        ti = cmulIm(vr, vi, b2r, b2i);
        v128.store(p0, f64x2.add(b0r, tr));
        v128.store(q0, f64x2.add(b0i, ti));
        v128.store(p0 + 2 * step, f64x2.sub(b0r, tr));
        v128.store(q0 + 2 * step, f64x2.sub(b0i, ti));
        tr = cmulRe(ur, ui, b3r, b3i);
        ti = cmulIm(ur, ui, b3r, b3i);
        v128.store(p0 + step, f64x2.add(b1r, tr));
        v128.store(q0 + step, f64x2.add(b1i, ti));
        v128.store(p0 + 3 * step, f64x2.sub(b1r, tr));
        v128.store(q0 + 3 * step, f64x2.sub(b1i, ti));
      }
    }
  }
  // a last single stage when the number of general stages is odd
  if (h < M) {
    const len = h << 1;
    const stage = tw + (<usize>(h - 4) << 5);
    for (let k = 0; k < h; k++) {
      const wr = v128.load(stage + (<usize>k << 5));
      const wi = v128.load(stage + (<usize>k << 5), 16);
      for (let i = k; i < M; i += len) {
        const a = <usize>i << 4;
        const b = <usize>(i + h) << 4;
        const br = v128.load(re + b);
        const bi = v128.load(im + b);
        const tr = cmulRe(wr, wi, br, bi);
        const ti = cmulIm(wr, wi, br, bi);
        const ar = v128.load(re + a);
        const ai = v128.load(im + a);
        v128.store(re + b, f64x2.sub(ar, tr));
        v128.store(im + b, f64x2.sub(ai, ti));
        v128.store(re + a, f64x2.add(ar, tr));
        v128.store(im + a, f64x2.add(ai, ti));
      }
    }
  }
}

/**
 * log10 of two positive float64 (a pair), to ~1e-15 relative: x = m·2^e with m in
 * [√½, √2), ln m = 2·atanh(t) = 2(t + t³/3 + … + t¹⁷/17), t = (m − 1)/(m + 1),
 * |t| ≤ 0.172. The standard library's scalar log10 made the dB step a third of the
 * kernel. Finite normal numbers only (toDb sends anything else to the library).
 */
@inline function log10Pair(x: v128): v128 {
  const bits = x;
  // exponent as float64: (bits >> 52) is 0..2046; OR-ing it into the mantissa of 2^52
  // and subtracting 2^52 converts it exactly
  const two52 = f64x2.splat(4503599627370496.0);
  const ebits = v128.or(i64x2.shr_u(bits, 52), i64x2.splat(0x4330000000000000));
  let e = f64x2.sub(f64x2.sub(ebits, two52), f64x2.splat(1023.0));
  let m = v128.or(v128.and(bits, i64x2.splat(0x000fffffffffffff)), i64x2.splat(0x3ff0000000000000));
  const big = f64x2.gt(m, f64x2.splat(1.4142135623730951));
  m = v128.bitselect(f64x2.mul(m, f64x2.splat(0.5)), m, big);
  e = v128.bitselect(f64x2.add(e, f64x2.splat(1.0)), e, big);
  const one = f64x2.splat(1.0);
  const t = f64x2.div(f64x2.sub(m, one), f64x2.add(m, one));
  const t2 = f64x2.mul(t, t);
  let p = f64x2.splat(1.0 / 17.0);
  p = f64x2.add(f64x2.mul(p, t2), f64x2.splat(1.0 / 15.0));
  p = f64x2.add(f64x2.mul(p, t2), f64x2.splat(1.0 / 13.0));
  p = f64x2.add(f64x2.mul(p, t2), f64x2.splat(1.0 / 11.0));
  p = f64x2.add(f64x2.mul(p, t2), f64x2.splat(1.0 / 9.0));
  p = f64x2.add(f64x2.mul(p, t2), f64x2.splat(1.0 / 7.0));
  p = f64x2.add(f64x2.mul(p, t2), f64x2.splat(1.0 / 5.0));
  p = f64x2.add(f64x2.mul(p, t2), f64x2.splat(1.0 / 3.0));
  p = f64x2.add(f64x2.mul(p, t2), one);
  const ln = f64x2.add(f64x2.mul(f64x2.mul(f64x2.splat(2.0), t), p), f64x2.mul(e, f64x2.splat(0.6931471805599453)));
  return f64x2.mul(ln, f64x2.splat(0.4342944819032518)); // 1 / ln 10
}

/**
 * librosa.power_to_db on n = rows·cols power values (frame-major, rows = frames):
 * 10·log10(max(amin, p)) − refDb, clamped at (max − topDb) when hasTop, written as
 * float32 transposed (mel-major) to out. The power buffer is overwritten (scratch).
 * Returns how many output values are not finite (NaN or ±Inf), so that the caller need
 * not scan them (a non-finite sample shows up there).
 */
export function toDb(power: usize, rows: i32, cols: i32, amin: f64, refDb: f64, hasTop: i32, topDb: f64, out: usize): i32 {
  const n = rows * cols;
  const aminV = f64x2.splat(amin);
  const refV = f64x2.splat(refDb);
  const ten = f64x2.splat(10.0);
  let mxV = f64x2.splat(-Infinity);
  let i = 0;
  const tiny = f64x2.splat(2.2250738585072014e-308);
  const huge = f64x2.splat(1.7976931348623157e308);
  // four values per round: two independent log10 chains (the division and polynomial
  // are latency-bound); the same arithmetic per value and the same max order as below
  for (; i + 4 <= n; i += 4) {
    const p = power + (<usize>i << 3);
    const x1 = f64x2.max(aminV, v128.load(p));
    const x2 = f64x2.max(aminV, v128.load(p, 16));
    const ok = v128.and(v128.and(f64x2.ge(x1, tiny), f64x2.le(x1, huge)), v128.and(f64x2.ge(x2, tiny), f64x2.le(x2, huge)));
    if (!i64x2.all_true(ok)) break; // the pair loop below handles the odd value
    const v1 = f64x2.sub(f64x2.mul(ten, log10Pair(x1)), refV);
    const v2 = f64x2.sub(f64x2.mul(ten, log10Pair(x2)), refV);
    v128.store(p, v1);
    v128.store(p, v2, 16);
    mxV = v128.bitselect(v1, mxV, f64x2.gt(v1, mxV));
    mxV = v128.bitselect(v2, mxV, f64x2.gt(v2, mxV));
  }
  for (; i + 2 <= n; i += 2) {
    const p = power + (<usize>i << 3);
    const x = f64x2.max(aminV, v128.load(p));
    let v: v128;
    // both lanes normal and finite (a NaN fails the test too)
    const ok = v128.and(f64x2.ge(x, f64x2.splat(2.2250738585072014e-308)), f64x2.le(x, f64x2.splat(1.7976931348623157e308)));
    if (i64x2.all_true(ok)) {
      v = f64x2.sub(f64x2.mul(ten, log10Pair(x)), refV);
    } else {
      // subnormal, infinite or NaN power (an amin that small, or a non-finite sample,
      // which must stay non-finite): the library's log10
      v = f64x2.replace_lane(f64x2.splat(10.0 * Math.log10(f64x2.extract_lane(x, 0)) - refDb), 1, 10.0 * Math.log10(f64x2.extract_lane(x, 1)) - refDb);
    }
    v128.store(p, v);
    mxV = v128.bitselect(v, mxV, f64x2.gt(v, mxV)); // like `if (v > max)`: a NaN is skipped
  }
  let mx = max(f64x2.extract_lane(mxV, 0), f64x2.extract_lane(mxV, 1));
  for (; i < n; i++) {
    const p = power + (<usize>i << 3);
    const v = 10.0 * Math.log10(max(amin, load<f64>(p))) - refDb;
    store<f64>(p, v);
    if (v > mx) mx = v;
  }
  // the clamp happens in float64, before the float32 rounding
  const floor = hasTop ? mx - topDb : -Infinity;
  let nonFinite = 0;
  for (let c = 0; c < cols; c++) {
    for (let r = 0; r < rows; r++) {
      const v = load<f64>(power + (<usize>(r * cols + c) << 3));
      const o = <f32>(v < floor ? floor : v);
      store<f32>(out + (<usize>(c * rows + r) << 2), o);
      if (o - o != 0) nonFinite++; // NaN or ±Inf
    }
  }
  return nonFinite;
}
