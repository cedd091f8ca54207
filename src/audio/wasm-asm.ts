// A minimal WebAssembly encoder for the resampler's hand-assembled SIMD kernels
// (resample-kernel.ts, decimate-kernel.ts): just the opcodes they use (WebAssembly core
// + SIMD spec), LEB128 numbers, sections. The kernels are assembled from instruction
// lists at run time, so the source is the code you read, and a kernel can be generated
// for one filter (its taps and offsets as constants).

export const I32 = 0x7f, F64 = 0x7c, V128 = 0x7b;

/** Memory immediate: alignment hint (log2 bytes) and a constant byte offset. */
const mem = (align: number, offset: number): number[] => [align, ...uleb(offset)];

export const op = {
  block: [0x02, 0x40], loop: [0x03, 0x40], if: [0x04, 0x40], end: [0x0b],
  br_if: (d: number) => [0x0d, d],
  get: (i: number) => [0x20, i], set: (i: number) => [0x21, i], tee: (i: number) => [0x22, i],
  i32: (v: number) => [0x41, ...sleb(v)],
  i32_eqz: [0x45], i32_ne: [0x47], i32_lt_u: [0x49],
  i32_add: [0x6a], i32_sub: [0x6b], i32_mul: [0x6c], i32_shl: [0x74], i32_shr_u: [0x76],
  i32_trunc_f64_u: [0xab], f64_convert_i32_u: [0xb8],
  f64_mul: [0xa2], f64_sub: [0xa1], f64_floor: [0x9c], f32_demote_f64: [0xb6],
  f32_add: [0x92], f32_sub: [0x93], f32_mul: [0x94], f32_convert_i32_s: [0xb2],
  f32_const: (v: number) => [0x43, ...new Uint8Array(Float32Array.of(v).buffer)],
  i32_load16_s: (offset = 0) => [0x2e, ...mem(1, offset)],
  f32_load: (offset = 0) => [0x2a, ...mem(2, offset)],
  f32_store: [0x38, 0x02, 0x00],
  f32_store_at: (offset: number) => [0x38, ...mem(2, offset)],
  v128_load: (offset: number) => [0xfd, 0x00, ...mem(4, offset)],
  v128_store: (offset: number) => [0xfd, 0x0b, ...mem(4, offset)],
  v128_zero: [0xfd, 0x0c, ...new Array(16).fill(0)],
  f32x4_add: [0xfd, 0xe4, 0x01], f32x4_mul: [0xfd, 0xe6, 0x01],
  f32x4_lane: (l: number) => [0xfd, 0x1f, l],
};

export function uleb(v: number): number[] {
  const out: number[] = [];
  do {
    let b = v & 0x7f;
    v >>>= 7;
    if (v) b |= 0x80;
    out.push(b);
  } while (v);
  return out;
}

export function sleb(v: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = v & 0x7f;
    v >>= 7;
    if ((v === 0 && !(b & 0x40)) || (v === -1 && b & 0x40)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

export const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
export const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
export const str = (s: string): number[] => [...uleb(s.length), ...[...s].map((ch) => ch.charCodeAt(0))];

/** A function body: local declarations ([count, type] runs) and code (without the final `end`). */
export function funcBody(locals: [count: number, type: number][], code: number[]): number[] {
  const body = [...vec(locals.map(([n, t]) => [...uleb(n), t])), ...code, ...op.end];
  return [...uleb(body.length), ...body];
}

/** Function type: params → no results. */
export const funcType = (params: number[]): number[] => [0x60, ...uleb(params.length), ...params, 0x00];

// The project's TypeScript lib (ES2023, no DOM) does not declare the WebAssembly JS API;
// these are the few members used here.
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
export interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: Record<string, unknown> };
}
export const WasmJs = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

export function ensureMemory(memory: WasmMemory, bytes: number): void {
  const have = memory.buffer.byteLength;
  if (bytes > have) memory.grow(Math.ceil((bytes - have) / 65536));
}

export const align16 = (v: number): number => (v + 15) & ~15;
