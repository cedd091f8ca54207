// @ts-nocheck — AssemblyScript, not TypeScript: compiled by `npm run build:kernels` to
// kernels.wasm (see build.ts). Not imported by TypeScript code.
//
// SIMD kernels that work IN PLACE on the tfjs wasm backend's tensors: the module imports
// the backend's WebAssembly memory, and every pointer argument is a byte offset into it
// (a tensor's memoryOffset). No allocation, no static data: the module must not write
// anywhere but the outputs it is given.

// ---------------------------------------------------------------------------------------
// Filter gradient of a convolution (NHWC), accumulated into dw[fh, fw, ci, co]:
//   dw[kh, kw, i, o] += Σ_{b, oy, ox} xp[b, oy·sh + kh, ox·sw + kw, i] · dy[b, oy, ox, o]
// xp is x zero-padded to [n, hp, wp, ci] so every tap of every output pixel is in range.
// Work is blocked by one output row (ow pixels): that row of dy and the fh rows of xp it
// touches stay in L1 while every (tap, ci, co) tile sweeps over them. Tiles: 4 input
// channels x 8 output channels (8 accumulators), then 1 x 8 for leftover input channels,
// then a scalar loop for output channels beyond the last multiple of 8.
export function convFilterGrad(
  xp: usize, dy: usize, dw: usize, n: i32, oh: i32, ow: i32, hp: i32, wp: i32,
  ci: i32, co: i32, fh: i32, fw: i32, sh: i32, sw: i32,
): void {
  memory.fill(dw, 0, <usize>(fh * fw * ci * co) << 2);
  const co8 = co & ~7;
  const ci4 = ci & ~3;
  const xStep = <usize>(sw * ci) << 2; // bytes between horizontally adjacent taps' pixels
  const dyStep = <usize>co << 2;
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < oh; y++) {
      const dyRow = dy + (<usize>((b * oh + y) * ow * co) << 2);
      for (let kh = 0; kh < fh; kh++) {
        const xRow = xp + (<usize>((b * hp + y * sh + kh) * wp * ci) << 2);
        for (let kw = 0; kw < fw; kw++) {
          const xTap = xRow + (<usize>(kw * ci) << 2);
          const dwTap = dw + (<usize>((kh * fw + kw) * ci * co) << 2);
          for (let o = 0; o < co8; o += 8) {
            let i = 0;
            for (; i < ci4; i += 4) {
              tile4x8(xTap + (<usize>i << 2), dyRow + (<usize>o << 2),
                dwTap + (<usize>(i * co + o) << 2), ow, xStep, dyStep, <usize>co << 2);
            }
            for (; i < ci; i++) {
              tile1x8(xTap + (<usize>i << 2), dyRow + (<usize>o << 2),
                dwTap + (<usize>(i * co + o) << 2), ow, xStep, dyStep);
            }
          }
          for (let o = co8; o < co; o++) {
            for (let i = 0; i < ci; i++) {
              let acc: f32 = 0;
              let px = xTap + (<usize>i << 2);
              let pd = dyRow + (<usize>o << 2);
              for (let x = 0; x < ow; x++) {
                acc += load<f32>(px) * load<f32>(pd);
                px += xStep;
                pd += dyStep;
              }
              const pw = dwTap + (<usize>(i * co + o) << 2);
              store<f32>(pw, load<f32>(pw) + acc);
            }
          }
        }
      }
    }
  }
}

// @ts-ignore: decorator
@inline
function tile4x8(
  px: usize, pd: usize, pw: usize, ow: i32, xStep: usize, dyStep: usize, rowBytes: usize,
): void {
  let a00 = v128.load(pw), a01 = v128.load(pw, 16);
  let a10 = v128.load(pw + rowBytes), a11 = v128.load(pw + rowBytes, 16);
  let a20 = v128.load(pw + 2 * rowBytes), a21 = v128.load(pw + 2 * rowBytes, 16);
  let a30 = v128.load(pw + 3 * rowBytes), a31 = v128.load(pw + 3 * rowBytes, 16);
  for (let x = 0; x < ow; x++) {
    const d0 = v128.load(pd), d1 = v128.load(pd, 16);
    const x0 = v128.load32_splat(px);
    const x1 = v128.load32_splat(px, 4);
    const x2 = v128.load32_splat(px, 8);
    const x3 = v128.load32_splat(px, 12);
    a00 = f32x4.add(a00, f32x4.mul(x0, d0)); a01 = f32x4.add(a01, f32x4.mul(x0, d1));
    a10 = f32x4.add(a10, f32x4.mul(x1, d0)); a11 = f32x4.add(a11, f32x4.mul(x1, d1));
    a20 = f32x4.add(a20, f32x4.mul(x2, d0)); a21 = f32x4.add(a21, f32x4.mul(x2, d1));
    a30 = f32x4.add(a30, f32x4.mul(x3, d0)); a31 = f32x4.add(a31, f32x4.mul(x3, d1));
    px += xStep;
    pd += dyStep;
  }
  v128.store(pw, a00); v128.store(pw, a01, 16);
  v128.store(pw + rowBytes, a10); v128.store(pw + rowBytes, a11, 16);
  v128.store(pw + 2 * rowBytes, a20); v128.store(pw + 2 * rowBytes, a21, 16);
  v128.store(pw + 3 * rowBytes, a30); v128.store(pw + 3 * rowBytes, a31, 16);
}

// @ts-ignore: decorator
@inline
function tile1x8(px: usize, pd: usize, pw: usize, ow: i32, xStep: usize, dyStep: usize): void {
  let a0 = v128.load(pw), a1 = v128.load(pw, 16);
  // Two interleaved accumulator pairs: breaks the add dependency chain.
  let b0 = f32x4.splat(0), b1 = f32x4.splat(0);
  let x = 0;
  for (; x + 1 < ow; x += 2) {
    const s0 = v128.load32_splat(px);
    const s1 = v128.load32_splat(px + xStep);
    a0 = f32x4.add(a0, f32x4.mul(s0, v128.load(pd)));
    a1 = f32x4.add(a1, f32x4.mul(s0, v128.load(pd, 16)));
    b0 = f32x4.add(b0, f32x4.mul(s1, v128.load(pd + dyStep)));
    b1 = f32x4.add(b1, f32x4.mul(s1, v128.load(pd + dyStep, 16)));
    px += xStep << 1;
    pd += dyStep << 1;
  }
  if (x < ow) {
    const s0 = v128.load32_splat(px);
    a0 = f32x4.add(a0, f32x4.mul(s0, v128.load(pd)));
    a1 = f32x4.add(a1, f32x4.mul(s0, v128.load(pd, 16)));
  }
  v128.store(pw, f32x4.add(a0, b0));
  v128.store(pw, f32x4.add(a1, b1), 16);
}

// Zero-padded copy: xp[b, r, c, :] = x[b, r − pt, c − pl, :] inside x, 0 outside.
export function padCopy(
  x: usize, xp: usize, n: i32, h: i32, w: i32, c: i32, hp: i32, wp: i32, pt: i32, pl: i32,
): void {
  const rowBytes = <usize>(wp * c) << 2;
  for (let b = 0; b < n; b++) {
    for (let r = 0; r < hp; r++) {
      const dst = xp + (<usize>((b * hp + r) * wp * c) << 2);
      const ir = r - pt;
      if (ir < 0 || ir >= h) {
        memory.fill(dst, 0, rowBytes);
        continue;
      }
      // Columns [pl, pl + w) come from x (clipped to wp), the rest are zero.
      const c0 = max(0, pl);
      const c1 = min(wp, pl + w);
      if (c0 > 0) memory.fill(dst, 0, <usize>(c0 * c) << 2);
      if (c1 > c0) {
        memory.copy(dst + (<usize>(c0 * c) << 2),
          x + (<usize>(((b * h + ir) * w + (c0 - pl)) * c) << 2), <usize>((c1 - c0) * c) << 2);
      }
      const z0 = max(c0, c1);
      if (z0 < wp) memory.fill(dst + (<usize>(z0 * c) << 2), 0, <usize>((wp - z0) * c) << 2);
    }
  }
}

// ---------------------------------------------------------------------------------------
// MaxPool gradient (NHWC): each dy goes to the FIRST maximum of its window (strict >,
// −∞ start: the cpu backend's and TensorFlow's rule; a window of only NaN/−∞ drops it).
// Vectorised over 4 channels; windows that tile the input without overlap (stride = size,
// no padding) write dx directly, otherwise dx is zeroed and accumulated.
export function maxPoolGrad(
  x: usize, dy: usize, dx: usize, n: i32, h: i32, w: i32, c: i32, oh: i32, ow: i32,
  fh: i32, fw: i32, sh: i32, sw: i32, pt: i32, pl: i32,
): void {
  const tiles = sh == fh && sw == fw && pt == 0 && pl == 0;
  if (!tiles) {
    memory.fill(dx, 0, <usize>(n * h * w * c) << 2);
  } else {
    // Zero only what no window covers: trailing rows and columns.
    for (let b = 0; b < n; b++) {
      for (let r = 0; r < h; r++) {
        const row = dx + (<usize>((b * h + r) * w * c) << 2);
        if (r >= oh * fh) {
          memory.fill(row, 0, <usize>(w * c) << 2);
        } else if (ow * fw < w) {
          memory.fill(row + (<usize>(ow * fw * c) << 2), 0, <usize>((w - ow * fw) * c) << 2);
        }
      }
    }
  }
  const c4 = c & ~3;
  const negInf = f32x4.splat(-Infinity);
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < oh; y++) {
      const r0 = y * sh - pt;
      const rLo = max(r0, 0), rHi = min(r0 + fh, h);
      for (let xo = 0; xo < ow; xo++) {
        const q0 = xo * sw - pl;
        const qLo = max(q0, 0), qHi = min(q0 + fw, w);
        const pdy = dy + (<usize>(((b * oh + y) * ow + xo) * c) << 2);
        let chStart = 0;
        if (tiles && fh == 2 && fw == 2 && rHi - rLo == 2 && qHi - qLo == 2) {
          // The common 2x2 / stride 2 window, unrolled: 4 loads, 3 compares, 4 stores.
          const p00 = x + (<usize>(((b * h + r0) * w + q0) * c) << 2);
          const d00 = dx + (<usize>(((b * h + r0) * w + q0) * c) << 2);
          const colB = <usize>c << 2;
          const rowB = <usize>(w * c) << 2;
          for (let ch = 0; ch < c4; ch += 4) {
            const o = <usize>ch << 2;
            const v0 = v128.load(p00 + o), v1 = v128.load(p00 + colB + o);
            const v2 = v128.load(p00 + rowB + o), v3 = v128.load(p00 + rowB + colB + o);
            // First maximum in order 0, 1, 2, 3 (strict >, from −∞), as the generic path.
            const g0 = f32x4.gt(v0, negInf);
            const m0 = v128.bitselect(v0, negInf, g0);
            const g1 = f32x4.gt(v1, m0);
            const m1 = v128.bitselect(v1, m0, g1);
            const g2 = f32x4.gt(v2, m1);
            const m2 = v128.bitselect(v2, m1, g2);
            const g3 = f32x4.gt(v3, m2);
            // The winner is the last position whose compare succeeded.
            const w3 = g3;
            const w2 = v128.andnot(g2, g3);
            const w1 = v128.andnot(v128.andnot(g1, g2), g3);
            const w0 = v128.andnot(v128.andnot(v128.andnot(g0, g1), g2), g3);
            const gv = v128.load(pdy + o);
            v128.store(d00 + o, v128.and(gv, w0));
            v128.store(d00 + colB + o, v128.and(gv, w1));
            v128.store(d00 + rowB + o, v128.and(gv, w2));
            v128.store(d00 + rowB + colB + o, v128.and(gv, w3));
          }
          chStart = c4;
        }
        for (let ch = chStart; ch < c4; ch += 4) {
          let best = negInf;
          let bestAt = i32x4.splat(-1);
          for (let r = rLo; r < rHi; r++) {
            for (let q = qLo; q < qHi; q++) {
              const v = v128.load(x + (<usize>(((b * h + r) * w + q) * c + ch) << 2));
              const gt = f32x4.gt(v, best);
              best = v128.bitselect(v, best, gt);
              bestAt = v128.bitselect(i32x4.splat((r - r0) * fw + (q - q0)), bestAt, gt);
            }
          }
          const g = v128.load(pdy + (<usize>ch << 2));
          for (let r = rLo; r < rHi; r++) {
            for (let q = qLo; q < qHi; q++) {
              const hit = i32x4.eq(bestAt, i32x4.splat((r - r0) * fw + (q - q0)));
              const p = dx + (<usize>(((b * h + r) * w + q) * c + ch) << 2);
              const share = v128.and(g, hit);
              v128.store(p, tiles ? share : f32x4.add(v128.load(p), share));
            }
          }
        }
        for (let ch = c4; ch < c; ch++) {
          let best: f32 = -Infinity;
          let at = -1;
          for (let r = rLo; r < rHi; r++) {
            for (let q = qLo; q < qHi; q++) {
              const v = load<f32>(x + (<usize>(((b * h + r) * w + q) * c + ch) << 2));
              if (v > best) { best = v; at = ((b * h + r) * w + q) * c + ch; }
            }
          }
          const g = load<f32>(pdy + (<usize>ch << 2));
          if (tiles) {
            for (let r = rLo; r < rHi; r++) {
              for (let q = qLo; q < qHi; q++) {
                const i = ((b * h + r) * w + q) * c + ch;
                store<f32>(dx + (<usize>i << 2), i == at ? g : 0);
              }
            }
          } else if (at >= 0) {
            const p = dx + (<usize>at << 2);
            store<f32>(p, load<f32>(p) + g);
          }
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------
// Column sums: out[j] = Σ_i src[i·cols + j] (a Sum over all leading axes, e.g. bias
// gradients). Rows are taken in blocks of 256: a block (≤ 256·cols floats) is read from
// memory once and stays in cache while its columns are summed 16 at a time in registers;
// the per-block partial sums also keep float32 rounding error small.
export function columnSum(src: usize, out: usize, rows: i32, cols: i32): void {
  memory.fill(out, 0, <usize>cols << 2);
  const c16 = cols & ~15;
  const c4 = cols & ~3;
  const rowBytes = <usize>cols << 2;
  for (let i0 = 0; i0 < rows; i0 += 256) {
    const i1 = min(rows, i0 + 256);
    const block = src + <usize>i0 * rowBytes;
    let j = 0;
    for (; j < c16; j += 16) {
      let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
      let p = block + (<usize>j << 2);
      for (let i = i0; i < i1; i++) {
        a0 = f32x4.add(a0, v128.load(p));
        a1 = f32x4.add(a1, v128.load(p, 16));
        a2 = f32x4.add(a2, v128.load(p, 32));
        a3 = f32x4.add(a3, v128.load(p, 48));
        p += rowBytes;
      }
      const o = out + (<usize>j << 2);
      v128.store(o, f32x4.add(v128.load(o), a0));
      v128.store(o, f32x4.add(v128.load(o, 16), a1), 16);
      v128.store(o, f32x4.add(v128.load(o, 32), a2), 32);
      v128.store(o, f32x4.add(v128.load(o, 48), a3), 48);
    }
    for (; j < c4; j += 4) {
      let a = f32x4.splat(0);
      let p = block + (<usize>j << 2);
      for (let i = i0; i < i1; i++) {
        a = f32x4.add(a, v128.load(p));
        p += rowBytes;
      }
      const o = out + (<usize>j << 2);
      v128.store(o, f32x4.add(v128.load(o), a));
    }
    for (; j < cols; j++) {
      let a: f32 = 0;
      let p = block + (<usize>j << 2);
      for (let i = i0; i < i1; i++) {
        a += load<f32>(p);
        p += rowBytes;
      }
      const o = out + (<usize>j << 2);
      store<f32>(o, load<f32>(o) + a);
    }
  }
}

// ---------------------------------------------------------------------------------------
// 2-D transpose: dst[j·rows + i] = src[i·cols + j], in 16x16 blocks for cache locality.
export function transpose2d(src: usize, dst: usize, rows: i32, cols: i32): void {
  for (let i0 = 0; i0 < rows; i0 += 16) {
    const i1 = min(rows, i0 + 16);
    for (let j0 = 0; j0 < cols; j0 += 16) {
      const j1 = min(cols, j0 + 16);
      for (let i = i0; i < i1; i++) {
        for (let j = j0; j < j1; j++) {
          store<f32>(dst + (<usize>(j * rows + i) << 2), load<f32>(src + (<usize>(i * cols + j) << 2)));
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------
// Elementwise: out = x + bias broadcast along the last axis (rows x c).
export function biasAdd(x: usize, bias: usize, out: usize, rows: i32, c: i32): void {
  const c4 = c & ~3;
  const rowBytes = <usize>c << 2;
  for (let i = 0; i < rows; i++) {
    const px = x + <usize>i * rowBytes;
    const po = out + <usize>i * rowBytes;
    let j = 0;
    for (; j < c4; j += 4) {
      const o = <usize>j << 2;
      v128.store(po + o, f32x4.add(v128.load(px + o), v128.load(bias + o)));
    }
    for (; j < c; j++) {
      const o = <usize>j << 2;
      store<f32>(po + o, load<f32>(px + o) + load<f32>(bias + o));
    }
  }
}

// out = max(x, 0); NaN stays NaN (wasm max propagates it), as on the cpu backend.
export function relu(x: usize, out: usize, n: i32): void {
  const n4 = n & ~3;
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i < n4; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, f32x4.max(v128.load(x + o), zero));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const v = load<f32>(x + o);
    store<f32>(out + o, v < 0 ? 0 : v);
  }
}

// out = x > 0 ? 1 : alpha, NaN stays NaN (tfjs Step semantics).
export function step(x: usize, out: usize, n: i32, alpha: f32): void {
  const n4 = n & ~3;
  const one = f32x4.splat(1);
  const a = f32x4.splat(alpha);
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i < n4; i += 4) {
    const o = <usize>i << 2;
    const v = v128.load(x + o);
    const s = v128.bitselect(one, a, f32x4.gt(v, zero));
    v128.store(out + o, v128.bitselect(v, s, f32x4.ne(v, v)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const v = load<f32>(x + o);
    store<f32>(out + o, v != v ? v : v > 0 ? 1 : alpha);
  }
}

// ---------------------------------------------------------------------------------------
// Sparse-aware convolution gradients. Behind MaxPool + ReLU, at most one pixel per pool
// window and channel has a nonzero gradient (≤ 25 % of dy for 2x2 pools), so scattering
// each nonzero dy[b, y, x, o] does a quarter of the dense kernels' multiply-adds. The
// caller counts nonzeros first and uses these only when dy is sparse enough.

/** Number of nonzero floats (NaN counts as nonzero) in n floats at p. */
export function countNonzero(p: usize, n: i32): i32 {
  const n4 = n & ~3;
  const zero = f32x4.splat(0);
  let count = 0;
  let i = 0;
  for (; i < n4; i += 4) {
    count += popcnt(i32x4.bitmask(f32x4.ne(v128.load(p + (<usize>i << 2)), zero)));
  }
  for (; i < n; i++) if (load<f32>(p + (<usize>i << 2)) != 0) count++;
  return count;
}

// Both sparse kernels reduce to one primitive on a list of (byte offset, g) entries:
//   dst[0..L) += Σ_k g_k · src_k[0..L)   with src_k = offset_k + off
// where L = fw·ci floats is one row of taps — contiguous in the (padded) image and in the
// filter block alike — accumulated in 12 registers (48 floats) at a time.
// @ts-ignore: decorator
@inline
function gatherAxpy(list: usize, count: i32, off: usize, dst: usize, nfloats: i32): void {
  let j = 0;
  for (; j + 48 <= nfloats; j += 48) {
    const jo = off + (<usize>j << 2);
    let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0;
    let a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
    for (let k = 0; k < count; k++) {
      const e = list + (<usize>k << 3);
      const s = <usize>load<u32>(e) + jo;
      const g = v128.load32_splat(e, 4);
      a0 = f32x4.add(a0, f32x4.mul(g, v128.load(s)));
      a1 = f32x4.add(a1, f32x4.mul(g, v128.load(s, 16)));
      a2 = f32x4.add(a2, f32x4.mul(g, v128.load(s, 32)));
      a3 = f32x4.add(a3, f32x4.mul(g, v128.load(s, 48)));
      a4 = f32x4.add(a4, f32x4.mul(g, v128.load(s, 64)));
      a5 = f32x4.add(a5, f32x4.mul(g, v128.load(s, 80)));
      a6 = f32x4.add(a6, f32x4.mul(g, v128.load(s, 96)));
      a7 = f32x4.add(a7, f32x4.mul(g, v128.load(s, 112)));
      a8 = f32x4.add(a8, f32x4.mul(g, v128.load(s, 128)));
      a9 = f32x4.add(a9, f32x4.mul(g, v128.load(s, 144)));
      a10 = f32x4.add(a10, f32x4.mul(g, v128.load(s, 160)));
      a11 = f32x4.add(a11, f32x4.mul(g, v128.load(s, 176)));
    }
    const d = dst + (<usize>j << 2);
    v128.store(d, f32x4.add(v128.load(d), a0));
    v128.store(d, f32x4.add(v128.load(d, 16), a1), 16);
    v128.store(d, f32x4.add(v128.load(d, 32), a2), 32);
    v128.store(d, f32x4.add(v128.load(d, 48), a3), 48);
    v128.store(d, f32x4.add(v128.load(d, 64), a4), 64);
    v128.store(d, f32x4.add(v128.load(d, 80), a5), 80);
    v128.store(d, f32x4.add(v128.load(d, 96), a6), 96);
    v128.store(d, f32x4.add(v128.load(d, 112), a7), 112);
    v128.store(d, f32x4.add(v128.load(d, 128), a8), 128);
    v128.store(d, f32x4.add(v128.load(d, 144), a9), 144);
    v128.store(d, f32x4.add(v128.load(d, 160), a10), 160);
    v128.store(d, f32x4.add(v128.load(d, 176), a11), 176);
  }
  for (; j + 4 <= nfloats; j += 4) {
    const jo = off + (<usize>j << 2);
    let a = f32x4.splat(0);
    for (let k = 0; k < count; k++) {
      const e = list + (<usize>k << 3);
      a = f32x4.add(a, f32x4.mul(v128.load32_splat(e, 4), v128.load(<usize>load<u32>(e) + jo)));
    }
    const d = dst + (<usize>j << 2);
    v128.store(d, f32x4.add(v128.load(d), a));
  }
  for (; j < nfloats; j++) {
    const jo = off + (<usize>j << 2);
    let a: f32 = 0;
    for (let k = 0; k < count; k++) {
      const e = list + (<usize>k << 3);
      a += load<f32>(e, 4) * load<f32>(<usize>load<u32>(e) + jo);
    }
    const d = dst + (<usize>j << 2);
    store<f32>(d, load<f32>(d) + a);
  }
}

// dwt[o, kh, kw, i] = Σ_{b, y, x} dy[b, y, x, o] · xp[b, y·sh + kh, x·sw + kw, i] over the
// nonzero dy only; output layout [co, fh, fw, ci] (the caller transposes it to the filter).
// Pixels are processed in chunks of `chunkRows` output rows of one image (so the x rows
// they touch stay in cache); per chunk the nonzeros are bucketed by output channel
// (counting sort into `scratch`: co + 1 ints, then chunkRows·ow·co + co entries of 8 bytes),
// and each channel's row of taps accumulates over its pixels in registers.
export function convFilterGradSparse(
  xp: usize, dy: usize, dwt: usize, n: i32, oh: i32, ow: i32, hp: i32, wp: i32,
  ci: i32, co: i32, fh: i32, fw: i32, sh: i32, sw: i32, chunkRows: i32, scratch: usize,
): void {
  const rowFloats = fw * ci;
  memory.fill(dwt, 0, <usize>(co * fh * rowFloats) << 2);
  const starts = scratch; // co + 1 ints
  const entries = scratch + (<usize>(co + 1) << 2);
  const imageRow = <usize>(wp * ci) << 2;
  for (let b = 0; b < n; b++) {
    for (let y0 = 0; y0 < oh; y0 += chunkRows) {
      const y1 = min(oh, y0 + chunkRows);
      const dy0 = dy + (<usize>((b * oh + y0) * ow * co) << 2);
      const pixels = (y1 - y0) * ow;
      // Count per channel into starts[o + 1], branch-free and 4 channels at a time
      // (f32x4.ne gives −1 per nonzero lane).
      memory.fill(starts, 0, <usize>(co + 1) << 2);
      let pd = dy0;
      const zero = f32x4.splat(0);
      const co4 = co & ~3;
      for (let p = 0; p < pixels; p++) {
        let o = 0;
        for (; o < co4; o += 4) {
          const c = starts + 4 + (<usize>o << 2);
          v128.store(c, i32x4.sub(v128.load(c), f32x4.ne(v128.load(pd + (<usize>o << 2)), zero)));
        }
        for (; o < co; o++) {
          const c = starts + (<usize>(o + 1) << 2);
          store<i32>(c, load<i32>(c) + select<i32>(1, 0, load<f32>(pd + (<usize>o << 2)) != 0));
        }
        pd += <usize>co << 2;
      }
      // Prefix sum with one spare slot per bucket: starts[o] = first slot of o. The fill
      // below writes every element to its bucket's current slot and advances only on
      // nonzeros (no branches); a zero thus lands in the next slot to be overwritten, at
      // worst the spare one.
      for (let o = 0; o < co; o++) {
        const c = starts + (<usize>(o + 1) << 2);
        store<i32>(c, load<i32>(c) + load<i32>(c - 4) + 1);
      }
      pd = dy0;
      for (let y = y0; y < y1; y++) {
        for (let x = 0; x < ow; x++) {
          const base = <u32>(xp + (<usize>(((b * hp + y * sh) * wp + x * sw) * ci) << 2));
          for (let o = 0; o < co; o++) {
            const g = load<f32>(pd + (<usize>o << 2));
            const c = starts + (<usize>o << 2);
            const slot = load<i32>(c);
            const e = entries + (<usize>slot << 3);
            store<u32>(e, base);
            store<f32>(e, g, 4);
            store<i32>(c, slot + select<i32>(1, 0, g != 0));
          }
          pd += <usize>co << 2;
        }
      }
      // Bucket o is now [first_o, starts[o]) with first_o = starts[o − 1] + 1 (spare slot).
      let first = 0;
      for (let o = 0; o < co; o++) {
        const end = load<i32>(starts + (<usize>o << 2));
        const count = end - first;
        if (count > 0) {
          const list = entries + (<usize>first << 3);
          for (let kh = 0; kh < fh; kh++) {
            gatherAxpy(list, count, <usize>kh * imageRow,
              dwt + (<usize>((o * fh + kh) * rowFloats) << 2), rowFloats);
          }
        }
        first = end + 1;
      }
    }
  }
}

// dxp[b, y·sh + kh, x·sw + kw, i] += Σ_o dy[b, y, x, o] · wr[kh, o, kw, i] over the
// nonzero dy only; dxp is the zero-padded input gradient [n, hp, wp, ci] (zeroed here);
// wr is the filter laid out [fh, co, fw, ci]. Per pixel the nonzero channels are listed
// in `scratch` (co + 1 entries of 8 bytes), then each row of taps accumulates over them.
export function convInputGradSparse(
  dy: usize, wr: usize, dxp: usize, n: i32, oh: i32, ow: i32, hp: i32, wp: i32,
  ci: i32, co: i32, fh: i32, fw: i32, sh: i32, sw: i32, scratch: usize,
): void {
  const rowFloats = fw * ci;
  memory.fill(dxp, 0, <usize>(n * hp * wp * ci) << 2);
  const imageRow = <usize>(wp * ci) << 2;
  const khBlock = <usize>(co * rowFloats) << 2;
  let pd = dy;
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < oh; y++) {
      for (let x = 0; x < ow; x++) {
        // List the nonzero channels without branches: every channel is written to the
        // next slot, which advances only on a nonzero (scratch has co + 1 entries).
        let count = 0;
        for (let o = 0; o < co; o++) {
          const g = load<f32>(pd + (<usize>o << 2));
          const e = scratch + (<usize>count << 3);
          store<u32>(e, <u32>(wr + (<usize>(o * rowFloats) << 2)));
          store<f32>(e, g, 4);
          count += select<i32>(1, 0, g != 0);
        }
        pd += <usize>co << 2;
        if (count == 0) continue;
        const base = dxp + (<usize>(((b * hp + y * sh) * wp + x * sw) * ci) << 2);
        for (let kh = 0; kh < fh; kh++) {
          gatherAxpy(scratch, count, <usize>kh * khBlock, base + <usize>kh * imageRow, rowFloats);
        }
      }
    }
  }
}

// Crop of a padded image: x[b, r, c, :] = xp[b, r + pt, c + pl, :] (inverse of padCopy).
export function cropCopy(
  xp: usize, x: usize, n: i32, h: i32, w: i32, c: i32, hp: i32, wp: i32, pt: i32, pl: i32,
): void {
  const rowBytes = <usize>(w * c) << 2;
  for (let b = 0; b < n; b++) {
    for (let r = 0; r < h; r++) {
      memory.copy(x + <usize>(b * h + r) * rowBytes,
        xp + (<usize>(((b * hp + r + pt) * wp + pl) * c) << 2), rowBytes);
    }
  }
}

// ---------------------------------------------------------------------------------------
// Dense GEMM: c[m x n] = a[m x k] · b[k x n], all row-major and contiguous. Blocks of 64
// rows of a (in L1) sweep every 8-column panel of b; 4x8 register tiles, then 1x8 for
// leftover rows and a scalar loop for columns past the last multiple of 8.
export function gemm(a: usize, b: usize, c: usize, m: i32, k: i32, n: i32): void {
  const n8 = n & ~7;
  const aRow = <usize>k << 2;
  const bRow = <usize>n << 2;
  for (let i0 = 0; i0 < m; i0 += 64) {
    const i1 = min(m, i0 + 64);
    const i4 = i0 + ((i1 - i0) & ~3);
    for (let j = 0; j < n8; j += 8) {
      let i = i0;
      for (; i < i4; i += 4) {
        let a00 = f32x4.splat(0), a01 = a00, a10 = a00, a11 = a00;
        let a20 = a00, a21 = a00, a30 = a00, a31 = a00;
        let pa = a + <usize>i * aRow;
        let pb = b + (<usize>j << 2);
        for (let q = 0; q < k; q++) {
          const b0 = v128.load(pb), b1 = v128.load(pb, 16);
          const x0 = v128.load32_splat(pa);
          const x1 = v128.load32_splat(pa + aRow);
          const x2 = v128.load32_splat(pa + 2 * aRow);
          const x3 = v128.load32_splat(pa + 3 * aRow);
          a00 = f32x4.add(a00, f32x4.mul(x0, b0)); a01 = f32x4.add(a01, f32x4.mul(x0, b1));
          a10 = f32x4.add(a10, f32x4.mul(x1, b0)); a11 = f32x4.add(a11, f32x4.mul(x1, b1));
          a20 = f32x4.add(a20, f32x4.mul(x2, b0)); a21 = f32x4.add(a21, f32x4.mul(x2, b1));
          a30 = f32x4.add(a30, f32x4.mul(x3, b0)); a31 = f32x4.add(a31, f32x4.mul(x3, b1));
          pa += 4;
          pb += bRow;
        }
        const pc = c + ((<usize>i * <usize>n + <usize>j) << 2);
        v128.store(pc, a00); v128.store(pc, a01, 16);
        v128.store(pc + bRow, a10); v128.store(pc + bRow, a11, 16);
        v128.store(pc + 2 * bRow, a20); v128.store(pc + 2 * bRow, a21, 16);
        v128.store(pc + 3 * bRow, a30); v128.store(pc + 3 * bRow, a31, 16);
      }
      for (; i < i1; i++) {
        let a0 = f32x4.splat(0), a1 = a0;
        let pa = a + <usize>i * aRow;
        let pb = b + (<usize>j << 2);
        for (let q = 0; q < k; q++) {
          const x = v128.load32_splat(pa);
          a0 = f32x4.add(a0, f32x4.mul(x, v128.load(pb)));
          a1 = f32x4.add(a1, f32x4.mul(x, v128.load(pb, 16)));
          pa += 4;
          pb += bRow;
        }
        const pc = c + ((<usize>i * <usize>n + <usize>j) << 2);
        v128.store(pc, a0); v128.store(pc, a1, 16);
      }
    }
    for (let j = n8; j < n; j++) {
      for (let i = i0; i < i1; i++) {
        let s: f32 = 0;
        for (let q = 0; q < k; q++) {
          s += load<f32>(a + <usize>i * aRow + (<usize>q << 2)) * load<f32>(b + <usize>q * bRow + (<usize>j << 2));
        }
        store<f32>(c + ((<usize>i * <usize>n + <usize>j) << 2), s);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------
// Winograd F(2x2, 3x3) for stride-1 3x3 convolutions (forward pass): 16 multiplies per
// 2x2 outputs and channel pair instead of 36. With tiles t = (b, ty, tx):
//   V[e, t, i] = (Bᵀ d B)[e]  for the 4x4 input patch d at padded (2ty, 2tx), channel i
//   M[e]      = V[e] · U[e]  (GEMM over channels; U = G g Gᵀ from the filter, by the caller)
//   out       = Aᵀ M A        the 2x2 outputs of the tile (clipped at the edges)
// Tiles go in blocks of `block`: a block's V and M (scratch, 16·block·(ci + co) floats)
// stay in cache between the three steps instead of round-tripping through memory.
// bias (a [co] vector; 0 = none) and ReLU are applied as the outputs are written.
// xp is the zero-padded input [n, 2·tH + 2, 2·tW + 2, ci]; ci and co multiples of 4.
export function winogradConv(
  xp: usize, u: usize, out: usize, v: usize, m: usize, n: i32, oh: i32, ow: i32,
  ci: i32, co: i32, tH: i32, tW: i32, block: i32, bias: usize, relu: bool,
): void {
  const tiles = n * tH * tW;
  for (let t0 = 0; t0 < tiles; t0 += block) {
    const count = min(block, tiles - t0);
    winogradInput(xp, v, ci, tH, tW, t0, count);
    for (let e = 0; e < 16; e++) {
      gemm(v + (<usize>(e * count * ci) << 2), u + (<usize>(e * ci * co) << 2),
        m + (<usize>(e * count * co) << 2), count, ci, co);
    }
    winogradOutput(m, out, oh, ow, co, tH, tW, t0, count, bias, relu);
  }
}

// V[e, t − t0, i] for the tiles t0 .. t0 + count − 1.
function winogradInput(xp: usize, v: usize, ci: i32, tH: i32, tW: i32, t0: i32, count: i32): void {
  const wp = 2 * tW + 2;
  const hp = 2 * tH + 2;
  const plane = <usize>(count * ci) << 2; // bytes between consecutive e
  const row = <usize>(wp * ci) << 2;
  const px = <usize>ci << 2;
  let tx = t0 % tW;
  let ty = (t0 / tW) % tH;
  let b = t0 / (tW * tH);
  for (let t = 0; t < count; t++) {
    const base = xp + (<usize>(((b * hp + 2 * ty) * wp + 2 * tx) * ci) << 2);
    const out = v + (<usize>(t * ci) << 2);
    for (let i = 0; i < ci; i += 4) {
      const p = base + (<usize>i << 2);
      // Bᵀ d: combine rows.
      const r0 = p, r1 = p + row, r2 = p + 2 * row, r3 = p + 3 * row;
      const t00 = f32x4.sub(v128.load(r0), v128.load(r2));
      const t01 = f32x4.sub(v128.load(r0 + px), v128.load(r2 + px));
      const t02 = f32x4.sub(v128.load(r0 + 2 * px), v128.load(r2 + 2 * px));
      const t03 = f32x4.sub(v128.load(r0 + 3 * px), v128.load(r2 + 3 * px));
      const t10 = f32x4.add(v128.load(r1), v128.load(r2));
      const t11 = f32x4.add(v128.load(r1 + px), v128.load(r2 + px));
      const t12 = f32x4.add(v128.load(r1 + 2 * px), v128.load(r2 + 2 * px));
      const t13 = f32x4.add(v128.load(r1 + 3 * px), v128.load(r2 + 3 * px));
      const t20 = f32x4.sub(v128.load(r2), v128.load(r1));
      const t21 = f32x4.sub(v128.load(r2 + px), v128.load(r1 + px));
      const t22 = f32x4.sub(v128.load(r2 + 2 * px), v128.load(r1 + 2 * px));
      const t23 = f32x4.sub(v128.load(r2 + 3 * px), v128.load(r1 + 3 * px));
      const t30 = f32x4.sub(v128.load(r1), v128.load(r3));
      const t31 = f32x4.sub(v128.load(r1 + px), v128.load(r3 + px));
      const t32 = f32x4.sub(v128.load(r1 + 2 * px), v128.load(r3 + 2 * px));
      const t33 = f32x4.sub(v128.load(r1 + 3 * px), v128.load(r3 + 3 * px));
      // (Bᵀ d) B: combine columns; e = 4·row + col.
      const o = out + (<usize>i << 2);
      storeRow(o, plane, 0, t00, t01, t02, t03);
      storeRow(o, plane, 4, t10, t11, t12, t13);
      storeRow(o, plane, 8, t20, t21, t22, t23);
      storeRow(o, plane, 12, t30, t31, t32, t33);
    }
    if (++tx == tW) { tx = 0; if (++ty == tH) { ty = 0; b++; } }
  }
}

// @ts-ignore: decorator
@inline
function storeRow(o: usize, plane: usize, e0: i32, a: v128, b: v128, c: v128, d: v128): void {
  v128.store(o + <usize>e0 * plane, f32x4.sub(a, c));
  v128.store(o + <usize>(e0 + 1) * plane, f32x4.add(b, c));
  v128.store(o + <usize>(e0 + 2) * plane, f32x4.sub(c, b));
  v128.store(o + <usize>(e0 + 3) * plane, f32x4.sub(b, d));
}

// out[b, 2ty + r, 2tx + c, o] = (Aᵀ M[:, t − t0, o] A)[r, c] for the tiles t0 ..
// t0 + count − 1, rows/cols inside oh x ow.
function winogradOutput(
  m: usize, out: usize, oh: i32, ow: i32, co: i32, tH: i32, tW: i32, t0: i32, count: i32,
  bias: usize, relu: bool,
): void {
  const zero = f32x4.splat(0);
  const plane = <usize>(count * co) << 2;
  const row = <usize>(ow * co) << 2;
  const px = <usize>co << 2;
  let tx = t0 % tW;
  let ty = (t0 / tW) % tH;
  let b = t0 / (tW * tH);
  for (let t = 0; t < count; t++) {
    const twoRows = 2 * ty + 1 < oh;
    const twoCols = 2 * tx + 1 < ow;
    const src = m + (<usize>(t * co) << 2);
    const dst = out + (<usize>(((b * oh + 2 * ty) * ow + 2 * tx) * co) << 2);
    for (let o = 0; o < co; o += 4) {
      const p = src + (<usize>o << 2);
      // Aᵀ M: rows s0 = m0 + m1 + m2, s1 = m1 − m2 − m3 (each a row of 4 columns).
      const m0 = v128.load(p), m1 = v128.load(p + plane), m2 = v128.load(p + 2 * plane), m3 = v128.load(p + 3 * plane);
      const m4 = v128.load(p + 4 * plane), m5 = v128.load(p + 5 * plane), m6 = v128.load(p + 6 * plane), m7 = v128.load(p + 7 * plane);
      const m8 = v128.load(p + 8 * plane), m9 = v128.load(p + 9 * plane), m10 = v128.load(p + 10 * plane), m11 = v128.load(p + 11 * plane);
      const m12 = v128.load(p + 12 * plane), m13 = v128.load(p + 13 * plane), m14 = v128.load(p + 14 * plane), m15 = v128.load(p + 15 * plane);
      const s00 = f32x4.add(f32x4.add(m0, m4), m8), s01 = f32x4.add(f32x4.add(m1, m5), m9);
      const s02 = f32x4.add(f32x4.add(m2, m6), m10), s03 = f32x4.add(f32x4.add(m3, m7), m11);
      const s10 = f32x4.sub(f32x4.sub(m4, m8), m12), s11 = f32x4.sub(f32x4.sub(m5, m9), m13);
      const s12 = f32x4.sub(f32x4.sub(m6, m10), m14), s13 = f32x4.sub(f32x4.sub(m7, m11), m15);
      // (Aᵀ M) A: columns y0 = s0 + s1 + s2, y1 = s1 − s2 − s3; then bias and ReLU.
      const bv = bias != 0 ? v128.load(bias + (<usize>o << 2)) : zero;
      let y00 = f32x4.add(f32x4.add(f32x4.add(s00, s01), s02), bv);
      let y01 = f32x4.add(f32x4.sub(f32x4.sub(s01, s02), s03), bv);
      let y10 = f32x4.add(f32x4.add(f32x4.add(s10, s11), s12), bv);
      let y11 = f32x4.add(f32x4.sub(f32x4.sub(s11, s12), s13), bv);
      if (relu) {
        y00 = f32x4.max(y00, zero); y01 = f32x4.max(y01, zero);
        y10 = f32x4.max(y10, zero); y11 = f32x4.max(y11, zero);
      }
      const d = dst + (<usize>o << 2);
      v128.store(d, y00);
      if (twoCols) v128.store(d + px, y01);
      if (twoRows) {
        v128.store(d + row, y10);
        if (twoCols) v128.store(d + row + px, y11);
      }
    }
    if (++tx == tW) { tx = 0; if (++ty == tH) { ty = 0; b++; } }
  }
}

// ---------------------------------------------------------------------------------------
// Direct convolution (NHWC, any stride) for the layers Winograd does not take, notably
// the first layer (one input channel, where XNNPACK's GEMM has a reduction of only 9):
//   out[b, y, x, o] = Σ_{kh, kw, i} xp[b, y·sh + kh, x·sw + kw, i] · w[kh, kw, i, o]
// xp is the zero-padded input [n, hp, wp, ci]. Tiles of 4 output pixels x 8 output
// channels in registers; then 1 pixel x 8 for the row's tail and a scalar loop for
// channels past the last multiple of 8. bias ([co]; 0 = none) and ReLU as outputs are written.
export function convDirect(
  xp: usize, w: usize, out: usize, n: i32, oh: i32, ow: i32, hp: i32, wp: i32,
  ci: i32, co: i32, fh: i32, fw: i32, sh: i32, sw: i32, bias: usize, relu: bool,
): void {
  const zero = f32x4.splat(0);
  const co8 = co & ~7;
  const ow4 = ow & ~3;
  const pxStep = <usize>(sw * ci) << 2; // bytes between adjacent output pixels' patches
  const rowBytes = <usize>(wp * ci) << 2;
  const wRow = <usize>co << 2; // bytes between consecutive (kh, kw, i) filter rows
  const outPx = <usize>co << 2;
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < oh; y++) {
      const xRow = xp + (<usize>((b * hp + y * sh) * wp * ci) << 2);
      const outRow = out + (<usize>((b * oh + y) * ow * co) << 2);
      for (let o = 0; o < co8; o += 8) {
        let x = 0;
        for (; x < ow4; x += 4) {
          let a00 = f32x4.splat(0), a01 = a00, a10 = a00, a11 = a00;
          let a20 = a00, a21 = a00, a30 = a00, a31 = a00;
          let pw = w + (<usize>o << 2);
          for (let kh = 0; kh < fh; kh++) {
            let px = xRow + <usize>kh * rowBytes + <usize>x * pxStep;
            for (let q = 0; q < fw * ci; q++) {
              const w0 = v128.load(pw), w1 = v128.load(pw, 16);
              const x0 = v128.load32_splat(px);
              const x1 = v128.load32_splat(px + pxStep);
              const x2 = v128.load32_splat(px + 2 * pxStep);
              const x3 = v128.load32_splat(px + 3 * pxStep);
              a00 = f32x4.add(a00, f32x4.mul(x0, w0)); a01 = f32x4.add(a01, f32x4.mul(x0, w1));
              a10 = f32x4.add(a10, f32x4.mul(x1, w0)); a11 = f32x4.add(a11, f32x4.mul(x1, w1));
              a20 = f32x4.add(a20, f32x4.mul(x2, w0)); a21 = f32x4.add(a21, f32x4.mul(x2, w1));
              a30 = f32x4.add(a30, f32x4.mul(x3, w0)); a31 = f32x4.add(a31, f32x4.mul(x3, w1));
              px += 4; // (kw, i) run contiguously within a padded row
              pw += wRow;
            }
          }
          if (bias != 0) {
            const b0 = v128.load(bias + (<usize>o << 2)), b1 = v128.load(bias + (<usize>o << 2), 16);
            a00 = f32x4.add(a00, b0); a01 = f32x4.add(a01, b1); a10 = f32x4.add(a10, b0); a11 = f32x4.add(a11, b1);
            a20 = f32x4.add(a20, b0); a21 = f32x4.add(a21, b1); a30 = f32x4.add(a30, b0); a31 = f32x4.add(a31, b1);
          }
          if (relu) {
            a00 = f32x4.max(a00, zero); a01 = f32x4.max(a01, zero); a10 = f32x4.max(a10, zero); a11 = f32x4.max(a11, zero);
            a20 = f32x4.max(a20, zero); a21 = f32x4.max(a21, zero); a30 = f32x4.max(a30, zero); a31 = f32x4.max(a31, zero);
          }
          const d = outRow + <usize>x * outPx + (<usize>o << 2);
          v128.store(d, a00); v128.store(d, a01, 16);
          v128.store(d + outPx, a10); v128.store(d + outPx, a11, 16);
          v128.store(d + 2 * outPx, a20); v128.store(d + 2 * outPx, a21, 16);
          v128.store(d + 3 * outPx, a30); v128.store(d + 3 * outPx, a31, 16);
        }
        for (; x < ow; x++) {
          let a0 = f32x4.splat(0), a1 = a0;
          let pw = w + (<usize>o << 2);
          for (let kh = 0; kh < fh; kh++) {
            let px = xRow + <usize>kh * rowBytes + <usize>x * pxStep;
            for (let q = 0; q < fw * ci; q++) {
              const s = v128.load32_splat(px);
              a0 = f32x4.add(a0, f32x4.mul(s, v128.load(pw)));
              a1 = f32x4.add(a1, f32x4.mul(s, v128.load(pw, 16)));
              px += 4;
              pw += wRow;
            }
          }
          if (bias != 0) {
            a0 = f32x4.add(a0, v128.load(bias + (<usize>o << 2)));
            a1 = f32x4.add(a1, v128.load(bias + (<usize>o << 2), 16));
          }
          if (relu) { a0 = f32x4.max(a0, zero); a1 = f32x4.max(a1, zero); }
          const d = outRow + <usize>x * outPx + (<usize>o << 2);
          v128.store(d, a0); v128.store(d, a1, 16);
        }
      }
      for (let o = co8; o < co; o++) {
        for (let x = 0; x < ow; x++) {
          let acc: f32 = 0;
          let pw = w + (<usize>o << 2);
          for (let kh = 0; kh < fh; kh++) {
            let px = xRow + <usize>kh * rowBytes + <usize>x * pxStep;
            for (let q = 0; q < fw * ci; q++) {
              acc += load<f32>(px) * load<f32>(pw);
              px += 4;
              pw += wRow;
            }
          }
          if (bias != 0) acc += load<f32>(bias + (<usize>o << 2));
          if (relu && acc < 0) acc = 0;
          store<f32>(outRow + <usize>x * outPx + (<usize>o << 2), acc);
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------
// ReLU gradient in one pass: out = dy · step(x), step(x) = x > 0 ? 1 : 0 (NaN stays NaN),
// i.e. exactly what tfjs computes as mul(dy, cast(step(x))) in three passes.
export function reluGrad(dy: usize, x: usize, out: usize, n: i32): void {
  const n4 = n & ~3;
  const one = f32x4.splat(1);
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i < n4; i += 4) {
    const o = <usize>i << 2;
    const v = v128.load(x + o);
    const s = v128.bitselect(v, v128.bitselect(one, zero, f32x4.gt(v, zero)), f32x4.ne(v, v));
    v128.store(out + o, f32x4.mul(v128.load(dy + o), s));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const v = load<f32>(x + o);
    const s: f32 = v != v ? v : v > 0 ? 1 : 0;
    store<f32>(out + o, load<f32>(dy + o) * s);
  }
}
