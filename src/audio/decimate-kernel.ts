// Integer decimation by M with a symmetric (linear-phase) FIR: the corpus's case,
// 48 → 16 kHz with the 223-tap equiripple filter. A WebAssembly SIMD kernel generated for
// one filter, ~1.5× the generic kernel of resample-kernel.ts (which takes one output at
// a time, a dot product of 4-tap vectors, and sums the lanes at the end;
// bench/resample-kernel.ts compares them). Here:
//
// - the lanes are 4 consecutive outputs. Output n reads x[M·n + b + j], so for the 4
//   outputs the samples of tap j are M apart; the input is first split into its M
//   phases (d_r[m] = x[M·m + r]), where they are adjacent: one vector load per tap.
// - symmetry: h[j] = h[L−1−j], so y = Σ_{j<c} h[j]·(x_j + x_{L−1−j}) + h[c]·x_c (L = 2c + 1):
//   one multiply per pair of taps; with both x-vectors ascending in n, no lane reversal.
// - G = 4 groups of 4 outputs per pass (register blocking) share each tap's splatted
//   coefficient (a table at constant addresses); the phases' offsets are load
//   immediates (the phases lie a compiled-in stride apart).
// - 16-bit PCM can come in undecoded: the split converts it on the way.
//
// Outputs are the same sums as the generic kernel in another order (float32 rounding
// differs by ~1e-7 relative); results are deterministic: one fixed order per filter.
import { align16, ensureMemory, funcBody, funcType, I32, op, section, str, uleb, V128, vec, WasmJs, type WasmMemory } from './wasm-asm.ts';

export interface DecimatorShape {
  /** Decimation factor. */
  M: number;
  /** Odd filter length L = 2c + 1 (the table's trailing zeros dropped). */
  L: number;
  /** y[n] = Σ_j h[j] · xp[M·n + base0 + j] over the padded input xp. */
  base0: number;
  /** Bytes between the phases in memory (a constant of the code). */
  stride: number;
  /** Groups of 4 outputs per pass (register blocking: each coefficient load serves G). */
  G: number;
}

/** The register blocking that measured best (bench/resample-kernel.ts): 16 outputs per pass. */
export const DEFAULT_G = 4;

type SplitFn = (xs: number, m: number, d0: number) => void;
type FirFn = (d0: number, out: number, blocks: number) => void;

interface Instance {
  memory: WasmMemory;
  split: SplitFn;
  split16: SplitFn;
  split16x2: SplitFn;
  fir: FirFn;
}

/**
 * Filter length if `table` (one row) is an odd-length symmetric filter followed by
 * zeros, else 0. The equiripple designs are exactly symmetric (remez.ts mirrors them).
 */
export function symmetricLength(table: Float32Array): number {
  let L = table.length;
  while (L > 0 && table[L - 1] === 0) L--;
  if (L % 2 === 0) return 0;
  for (let j = 0; j < L >> 1; j++) if (table[j] !== table[L - 1 - j]) return 0;
  return L;
}

/** The module for one filter: `split` (input into its M phases) and `fir` (the outputs). */
export function decimatorModuleBytes(shape: DecimatorShape): Uint8Array {
  const { M, L, base0, stride, G } = shape;
  const c = (L - 1) >> 1;
  // Where tap j's samples are for the first output group: phase (base0 + j) mod M,
  // element ⌊(base0 + j) / M⌋ of it.
  const at = (j: number) => ({ r: (base0 + j) % M, e: Math.floor((base0 + j) / M) });

  // split(xs, m, d0): for i < m, r < M: phase r, element i (d0 + r·stride + 4i) = input
  // sample M·i + r. Three sources: float32 (`split`), and 16-bit PCM converted on the
  // way (`split16` mono: v / 32768; `split16x2` stereo: (l + r) / 65536, exact in float32
  // and equal to what the PCM decoder gives, src/audio/simd/pcm.as.ts).
  const S = { xs: 0, m: 1, d0: 2, end: 3 };
  const splitCode = (source: 'f32' | 'i16' | 'i16x2'): number[] => {
    const bytesPer = source === 'i16' ? 2 : 4;
    const code = [
      ...op.get(S.d0), ...op.get(S.m), ...op.i32(2), ...op.i32_shl, ...op.i32_add, ...op.set(S.end),
      ...op.block, ...op.get(S.m), ...op.i32_eqz, ...op.br_if(0),
      ...op.loop,
    ];
    for (let r = 0; r < M; r++) {
      code.push(...op.get(S.d0), ...op.get(S.xs));
      if (source === 'f32') code.push(...op.f32_load(4 * r));
      else if (source === 'i16') code.push(...op.i32_load16_s(2 * r), ...op.f32_convert_i32_s, ...op.f32_const(1 / 32768), ...op.f32_mul);
      else {
        code.push(...op.i32_load16_s(4 * r), ...op.get(S.xs), ...op.i32_load16_s(4 * r + 2), ...op.i32_add);
        code.push(...op.f32_convert_i32_s, ...op.f32_const(1 / 65536), ...op.f32_mul);
      }
      code.push(...op.f32_store_at(r * stride));
    }
    code.push(
      ...op.get(S.xs), ...op.i32(bytesPer * M), ...op.i32_add, ...op.set(S.xs),
      ...op.get(S.d0), ...op.i32(4), ...op.i32_add, ...op.tee(S.d0),
      ...op.get(S.end), ...op.i32_ne, ...op.br_if(0),
      ...op.end, ...op.end,
    );
    return code;
  };

  // fir(d0, out, blocks): per block of 4·G outputs, one loop per class s < M of tap
  // pairs (j ≡ s mod M). Within a class the pair j = M·q + s reads the phases rA(s) at
  // element q + eA(s) and rB(s) at element eB(s) − q: fixed offsets (the phases are
  // `stride` bytes apart) from two pointers, pa = block + 4q and pb = block − 4q. The
  // loop body is one pair for G groups (1 + 2G loads, G accumulators): small enough that
  // TurboFan, which schedules all of a body's loads first, keeps everything in
  // registers (a fully unrolled filter, or M pairs per body, spilled and ran slower).
  const F = { d0: 0, out: 1, blocks: 2, pa: 3, pb: 4, ph: 5, q: 6 };
  const acc0 = 7; // G accumulators
  const hv = acc0 + G; // h[j] in every lane
  const pairCode = (s: number, center: boolean): number[] => {
    const a = at(s);
    const b = at(L - 1 - s);
    const code = [...op.get(F.ph), ...op.v128_load(16 * s), ...op.set(hv)];
    for (let g = 0; g < G; g++) {
      code.push(...op.get(acc0 + g), ...op.get(hv));
      code.push(...op.get(F.pa), ...op.v128_load(a.r * stride + 4 * a.e + 16 * g));
      if (!center) code.push(...op.get(F.pb), ...op.v128_load(b.r * stride + 4 * b.e + 16 * g), ...op.f32x4_add);
      code.push(...op.f32x4_mul, ...op.f32x4_add, ...op.set(acc0 + g));
    }
    return code;
  };
  const firCode: number[] = [...op.block, ...op.get(F.blocks), ...op.i32_eqz, ...op.br_if(0), ...op.loop];
  for (let g = 0; g < G; g++) firCode.push(...op.v128_zero, ...op.set(acc0 + g));
  for (let s = 0; s < Math.min(M, c); s++) {
    firCode.push(...op.get(F.d0), ...op.tee(F.pa), ...op.set(F.pb), ...op.i32(0), ...op.set(F.ph));
    firCode.push(...op.i32(Math.ceil((c - s) / M)), ...op.set(F.q), ...op.loop, ...pairCode(s, false));
    firCode.push(
      ...op.get(F.pa), ...op.i32(4), ...op.i32_add, ...op.set(F.pa),
      ...op.get(F.pb), ...op.i32(4), ...op.i32_sub, ...op.set(F.pb),
      ...op.get(F.ph), ...op.i32(16 * M), ...op.i32_add, ...op.set(F.ph),
      ...op.get(F.q), ...op.i32(1), ...op.i32_sub, ...op.tee(F.q), ...op.br_if(0),
      ...op.end,
    );
  }
  // the centre tap, j = c
  firCode.push(...op.get(F.d0), ...op.set(F.pa), ...op.i32(0), ...op.set(F.ph), ...pairCode(c, true));
  for (let g = 0; g < G; g++) firCode.push(...op.get(F.out), ...op.get(acc0 + g), ...op.v128_store(16 * g));
  firCode.push(
    ...op.get(F.d0), ...op.i32(16 * G), ...op.i32_add, ...op.set(F.d0),
    ...op.get(F.out), ...op.i32(16 * G), ...op.i32_add, ...op.set(F.out),
    ...op.get(F.blocks), ...op.i32(1), ...op.i32_sub, ...op.tee(F.blocks), ...op.br_if(0),
    ...op.end, ...op.end,
  );

  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([funcType([I32, I32, I32])])),
    ...section(3, vec([[0x00], [0x00], [0x00], [0x00]])),
    ...section(5, vec([[0x00, ...uleb(1)]])),
    ...section(7, vec([
      [...str('memory'), 0x02, 0x00],
      [...str('split'), 0x00, 0x00],
      [...str('split16'), 0x00, 0x01],
      [...str('split16x2'), 0x00, 0x02],
      [...str('fir'), 0x00, 0x03],
    ])),
    ...section(10, vec([
      funcBody([[1, I32]], splitCode('f32')),
      funcBody([[1, I32]], splitCode('i16')),
      funcBody([[1, I32]], splitCode('i16x2')),
      funcBody([[4, I32], [G + 1, V128]], firCode),
    ])),
  ];
  return Uint8Array.from(bytes);
}

export interface Decimator {
  M: number;
  L: number;
  base0: number;
  /** h[0..c], each in the 4 lanes of a vector: the table every instance gets at address 0. */
  splat: Float32Array;
  G: number;
  /**
   * The instance in use and its compiled stride: replaced by one with a larger stride
   * when a longer input comes (a larger stride serves shorter inputs as well), so a
   * thread holds one instance, sized for the longest input it has seen.
   */
  inst: Instance | null;
  stride: number;
}

const decimators = new Map<Float32Array, Decimator | null>();

/**
 * This thread's kernel for decimating by M with `table` (one row, read from
 * xp[M·n + base0 + j]); null when the filter is not symmetric or there is no
 * WebAssembly SIMD.
 */
export function decimator(table: Float32Array, M: number, base0: number, G = DEFAULT_G): Decimator | null {
  const cacheable = G === DEFAULT_G;
  let k = cacheable ? decimators.get(table) : undefined;
  if (k !== undefined) return k?.M === M && k.base0 === base0 ? k : null;
  k = null;
  const L = symmetricLength(table);
  if (L > 0 && WasmJs && WasmJs.validate(decimatorModuleBytes({ M, L, base0, stride: 1 << 16, G }))) {
    const c = (L - 1) >> 1;
    const splat = new Float32Array(4 * (c + 1));
    for (let j = 0; j <= c; j++) splat.fill(table[j], 4 * j, 4 * j + 4);
    k = { M, L, base0, splat, G, inst: null, stride: 0 };
  }
  if (cacheable) decimators.set(table, k);
  return k;
}

function instanceFor(k: Decimator, minStride: number): Instance {
  if (!k.inst || k.stride < minStride) {
    // a power of two + 64 bytes, so the M phases' same elements do not all fall in one cache set
    const stride = Math.max(1 << 16, 2 ** Math.ceil(Math.log2(minStride))) + 64;
    const bytes = decimatorModuleBytes({ M: k.M, L: k.L, base0: k.base0, stride, G: k.G });
    const inst = new WasmJs!.Instance(new WasmJs!.Module(bytes)).exports as unknown as Instance;
    ensureMemory(inst.memory, k.splat.byteLength);
    new Float32Array(inst.memory.buffer, 0, k.splat.length).set(k.splat);
    k.inst = inst;
    k.stride = stride;
  }
  return k.inst;
}

/** Longest phase this kernel takes (bytes): beyond it (a clip of ~4 min at 48 kHz) resample() uses the generic kernel. */
const MAX_PHASE_BYTES = 1 << 24;

/** Phase elements `count` outputs read: up to blocks·block − 1 + ⌊(base0 + L − 1) / M⌋. */
function phaseLength(k: Decimator, count: number): number {
  const block = 4 * k.G;
  return Math.ceil(count / block) * block + Math.floor((k.base0 + k.L - 1) / k.M) + 1;
}

/** Whether runDecimator takes an input giving `count` outputs (memory stays bounded). */
export function decimatorTakes(k: Decimator, count: number): boolean {
  return 4 * phaseLength(k, count) <= MAX_PHASE_BYTES;
}

/**
 * Decimate: out[n] = Σ_j h[j]·xp[M·n + base0 + j] for n < count, xp = `pad` zeros, x,
 * zeros. Returns a view of the kernel's memory (valid until its next call on this thread).
 */
export function runDecimator(k: Decimator, x: Float32Array, pad: number, count: number): Float32Array {
  return run(k, { kind: 'f32', bytes: new Uint8Array(x.buffer, x.byteOffset, x.byteLength), frames: x.length }, pad, count);
}

/**
 * runDecimator on 16-bit PCM (little-endian, 1 or 2 interleaved channels, as a WAV data
 * chunk holds it), converted to mono float32 in the same pass that splits the phases:
 * the same output, bit for bit, as decoding to float32 first (v / 32768, (l + r) / 65536)
 * without writing and copying the float32 clip.
 */
export function runDecimatorPcm16(k: Decimator, pcm: Uint8Array, channels: 1 | 2, pad: number, count: number): Float32Array {
  return run(k, { kind: channels === 1 ? 'i16' : 'i16x2', bytes: pcm, frames: pcm.byteLength / (2 * channels) }, pad, count);
}

function run(k: Decimator, src: { kind: 'f32' | 'i16' | 'i16x2'; bytes: Uint8Array; frames: number }, pad: number, count: number): Float32Array {
  const { M, G } = k;
  const block = 4 * G;
  const blocks = Math.ceil(count / block);
  const m = phaseLength(k, count);
  if (4 * m > MAX_PHASE_BYTES) throw new Error(`decimator: ${count} outputs is more than it takes (check decimatorTakes)`);
  // the phases are `stride` bytes apart, a constant of the code
  const inst = instanceFor(k, 4 * m);
  const stride = k.stride;
  const d0 = align16(k.splat.byteLength);
  const xsAt = d0 + M * stride;
  // the padded input, in the source's own format: pad zero frames, the clip, zeros
  const frameBytes = src.kind === 'i16' ? 2 : 4;
  const xsBytes = frameBytes * Math.max(M * m, pad + src.frames);
  const outAt = align16(xsAt + xsBytes);
  ensureMemory(inst.memory, outAt + 4 * blocks * block);
  const xs = new Uint8Array(inst.memory.buffer, xsAt, xsBytes);
  xs.fill(0, 0, pad * frameBytes);
  xs.set(src.bytes, pad * frameBytes);
  xs.fill(0, pad * frameBytes + src.bytes.byteLength);
  const split = src.kind === 'f32' ? inst.split : src.kind === 'i16' ? inst.split16 : inst.split16x2;
  split(xsAt, m, d0);
  inst.fir(d0, outAt, blocks);
  return new Float32Array(inst.memory.buffer, outAt, count);
}
