// Zstandard for Parquet pages (src/io/parquet-rows.ts), on any thread, synchronously.
//
// The codec is libzstd 1.5 compiled to WebAssembly by @bokuweb/zstd-wasm (pinned to an
// exact version in package.json: the same bytes in → the same compressed bytes out, on
// every machine and Node version; a native zstd — Node ≥ 22.15's zlib, or an addon —
// would tie the artifact bytes to the machine's libzstd). Measured on 1440 pages of a
// real features.parquet (48 KB each), one thread: compress ~180 MB/s at level 1,
// decompress ~240 MB/s (npm's native @toondepauw/node-zstd: ~1.2× and ~2× that, but a
// per-platform binary from a single maintainer; @hpcc-js/wasm-zstd: ~10 MB/s through
// its streaming API; fzstd decodes only, ~25 MB/s).
//
// The package's own init() is asynchronous; here its Emscripten glue is given the
// module through the `instantiateWasm` hook, compiled synchronously (~4 ms, once per
// thread, on first use), so readers and writers stay synchronous. One compression and
// one decompression context and the wasm-side buffers are reused from call to call.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

// The project's TypeScript lib (ES2023, no DOM) does not declare the WebAssembly JS API.
type WasmInstance = { exports: Record<string, unknown> };
const Wasm = (globalThis as unknown as {
  WebAssembly: { Module: new (bytes: Uint8Array) => object; Instance: new (module: object, imports: object) => WasmInstance };
}).WebAssembly;

interface ZstdModule {
  HEAPU8: Uint8Array;
  calledRun?: boolean;
  instantiateWasm?: (imports: object, receive: (instance: WasmInstance) => void) => Record<string, unknown>;
  init(): void;
  _malloc(n: number): number;
  _free(p: number): void;
  _ZSTD_isError(code: number): number;
  _ZSTD_compressBound(n: number): number;
  _ZSTD_createCCtx(): number;
  _ZSTD_createDCtx(): number;
  _ZSTD_compress_usingDict(cctx: number, dst: number, cap: number, src: number, n: number, dict: number, dictSize: number, level: number): number;
  _ZSTD_decompress_usingDict(dctx: number, dst: number, cap: number, src: number, n: number, dict: number, dictSize: number): number;
}

interface Codec {
  m: ZstdModule;
  cctx: number;
  dctx: number;
  /** Reused wasm-side buffers: [pointer, capacity]. */
  input: [number, number];
  output: [number, number];
}

let codec: Codec | undefined;

function load(): Codec {
  if (codec) return codec;
  const require = createRequire(import.meta.url);
  let dir: string;
  let m: ZstdModule;
  try {
    dir = dirname(require.resolve('@bokuweb/zstd-wasm'));
    // the glue the package's own functions use (not in its `exports` map: by path)
    m = (require(join(dir, 'zstd.js')) as { Module: ZstdModule }).Module;
  } catch (err) {
    throw new Error(`ZSTD needs the npm package @bokuweb/zstd-wasm (npm install): ${(err as Error).message}`);
  }
  if (!m.calledRun) {
    const wasm = new Wasm.Module(readFileSync(join(dir, 'zstd.wasm')));
    m.instantiateWasm = (imports, receive) => {
      const instance = new Wasm.Instance(wasm, imports);
      receive(instance);
      return instance.exports;
    };
    m.init();
  }
  if (!m.calledRun || typeof m._ZSTD_compress_usingDict !== 'function' || typeof m._ZSTD_decompress_usingDict !== 'function') {
    throw new Error('@bokuweb/zstd-wasm did not initialize synchronously (a different version than the pinned 0.0.27?)');
  }
  codec = { m, cctx: m._ZSTD_createCCtx(), dctx: m._ZSTD_createDCtx(), input: [0, 0], output: [0, 0] };
  return codec;
}

/** A wasm-side buffer of at least n bytes (grown, never shrunk). */
function reserve(c: Codec, which: 'input' | 'output', n: number): number {
  const b = c[which];
  if (b[1] < n) {
    if (b[0]) c.m._free(b[0]);
    const cap = Math.max(n, Math.ceil(b[1] * 1.5));
    const p = c.m._malloc(cap);
    if (!p) throw new Error(`zstd: cannot allocate ${cap} bytes of wasm memory`);
    c[which] = [p, cap];
  }
  return c[which][0];
}

function check(c: Codec, code: number, what: string): number {
  // size_t error codes are (size_t)-errno: negative as a wasm32 i32, huge when unsigned
  if (c.m._ZSTD_isError(code)) throw new Error(`zstd ${what} failed (error ${-(code | 0)})`);
  return code >>> 0;
}

/** Default level: level 1 keeps ~all of the gain on float data at about half the CPU of level 3. */
export const ZSTD_LEVEL = 1;

/**
 * One zstd frame of `src` (with its content size), as a new Uint8Array over its own
 * ArrayBuffer (transferable). Deterministic: same bytes and level → same output.
 */
export function zstdCompress(src: Uint8Array, level = ZSTD_LEVEL): Uint8Array {
  const c = load();
  const bound = c.m._ZSTD_compressBound(src.byteLength);
  const out = reserve(c, 'output', bound);
  const inp = reserve(c, 'input', Math.max(1, src.byteLength));
  c.m.HEAPU8.set(src, inp); // HEAPU8 read after the allocations: memory may have grown
  const n = check(c, c.m._ZSTD_compress_usingDict(c.cctx, out, bound, inp, src.byteLength, 0, 0, level), 'compression');
  return c.m.HEAPU8.slice(out, out + n);
}

/**
 * Decompress `src` (one or more zstd frames) into `out`, which must be exactly the
 * decompressed size (a Parquet page header says it); anything else is an error.
 */
export function zstdDecompress(src: Uint8Array, out: Uint8Array): void {
  const c = load();
  const dst = reserve(c, 'output', Math.max(1, out.byteLength));
  const inp = reserve(c, 'input', Math.max(1, src.byteLength));
  c.m.HEAPU8.set(src, inp);
  const n = check(c, c.m._ZSTD_decompress_usingDict(c.dctx, dst, out.byteLength, inp, src.byteLength, 0, 0), 'decompression');
  if (n !== out.byteLength) throw new Error(`zstd: ${src.byteLength} bytes decompress to ${n} bytes, expected ${out.byteLength}`);
  out.set(c.m.HEAPU8.subarray(dst, dst + n));
}
