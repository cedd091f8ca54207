// Thrift compact protocol, the encoding of Parquet's footer and page headers: just
// enough of it to write and read those structures (src/io/parquet-rows.ts).
// Spec: https://github.com/apache/thrift/blob/master/doc/specs/thrift-compact-protocol.md
//
// Values are built with the small constructors below (i32(), str(), struct([...]) …)
// and decoded generically: a struct becomes an object keyed by field id, a list an
// array, an integer a number (i64 beyond 2^53 is an error, Parquet sizes never are).

const T = { TRUE: 1, FALSE: 2, BYTE: 3, I16: 4, I32: 5, I64: 6, DOUBLE: 7, BINARY: 8, LIST: 9, SET: 10, MAP: 11, STRUCT: 12 } as const;

export type ThriftValue =
  | { t: typeof T.I32 | typeof T.I64 | typeof T.I16 | typeof T.BYTE; v: number }
  | { t: typeof T.BINARY; v: Uint8Array }
  | { t: typeof T.TRUE; v: boolean }
  | { t: typeof T.STRUCT; v: ThriftField[] }
  | { t: typeof T.LIST; elem: number; v: ThriftValue[] };
/** [field id, value]; undefined entries (absent optional fields) are skipped. */
export type ThriftField = [number, ThriftValue] | undefined;

export const i32 = (v: number): ThriftValue => ({ t: T.I32, v });
export const i64 = (v: number): ThriftValue => ({ t: T.I64, v });
export const i16 = (v: number): ThriftValue => ({ t: T.I16, v });
export const bool = (v: boolean): ThriftValue => ({ t: T.TRUE, v });
export const bin = (v: Uint8Array): ThriftValue => ({ t: T.BINARY, v });
export const str = (v: string): ThriftValue => ({ t: T.BINARY, v: new TextEncoder().encode(v) });
export const struct = (fields: ThriftField[]): ThriftValue => ({ t: T.STRUCT, v: fields });
export const list = (elem: ThriftValue['t'], v: ThriftValue[]): ThriftValue => ({ t: T.LIST, elem, v });
export const structList = (v: ThriftValue[]): ThriftValue => list(T.STRUCT, v);
export const i32List = (v: number[]): ThriftValue => list(T.I32, v.map(i32));
export const strList = (v: string[]): ThriftValue => list(T.BINARY, v.map(str));

/** Encode one value (normally a struct) in the compact protocol. */
export function encodeThrift(value: ThriftValue): Uint8Array {
  const out: number[] = [];
  const varint = (n: number) => {
    // unsigned LEB128 of a non-negative integer up to 2^53 (no 32-bit bit ops)
    while (n >= 0x80) {
      out.push((n % 0x80) | 0x80);
      n = Math.floor(n / 0x80);
    }
    out.push(n);
  };
  const zigzag = (n: number) => varint(n >= 0 ? n * 2 : -n * 2 - 1);
  const write = (val: ThriftValue, inList: boolean) => {
    switch (val.t) {
      case T.BYTE: out.push(val.v & 0xff); break;
      case T.I16: case T.I32: case T.I64:
        if (!Number.isSafeInteger(val.v)) throw new Error(`thrift: integer ${val.v} out of range`);
        zigzag(val.v);
        break;
      case T.BINARY: varint(val.v.length); for (const b of val.v) out.push(b); break;
      case T.TRUE: if (inList) out.push(val.v ? 1 : 2); break; // in a struct the value is in the field header
      case T.STRUCT: {
        let last = 0;
        for (const f of val.v) {
          if (!f) continue;
          const [id, fv] = f;
          const type = fv.t === T.TRUE ? (fv.v ? T.TRUE : T.FALSE) : fv.t;
          const delta = id - last;
          if (delta > 0 && delta <= 15) out.push((delta << 4) | type);
          else {
            out.push(type);
            zigzag(id);
          }
          last = id;
          write(fv, false);
        }
        out.push(0);
        break;
      }
      case T.LIST: {
        const n = val.v.length;
        if (n < 15) out.push((n << 4) | val.elem);
        else {
          out.push(0xf0 | val.elem);
          varint(n);
        }
        for (const e of val.v) write(e, true);
        break;
      }
    }
  };
  write(value, false);
  return Uint8Array.from(out);
}

/** A decoded struct: field id → value. */
export type ThriftStruct = { [field: number]: unknown };

/** Decode a struct starting at `pos`; returns it and the position after it. */
export function decodeThrift(bytes: Uint8Array, pos = 0): { value: ThriftStruct; end: number } {
  let p = pos;
  const need = (n: number) => {
    if (p + n > bytes.length) throw new Error(`thrift: truncated structure (needs byte ${p + n}, has ${bytes.length})`);
  };
  const byte = () => {
    need(1);
    return bytes[p++];
  };
  const varint = () => {
    let n = 0;
    let mul = 1;
    for (;;) {
      const b = byte();
      n += (b & 0x7f) * mul;
      if (b < 0x80) break;
      mul *= 0x80;
      if (mul > 2 ** 63) throw new Error('thrift: varint too long');
    }
    if (!Number.isSafeInteger(n)) throw new Error(`thrift: integer ${n} beyond 2^53`);
    return n;
  };
  const zigzag = () => {
    const n = varint();
    return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
  };
  const read = (type: number): unknown => {
    switch (type) {
      case T.TRUE: return true;
      case T.FALSE: return false;
      case T.BYTE: return byte();
      case T.I16: case T.I32: case T.I64: return zigzag();
      case T.DOUBLE: {
        need(8);
        const v = new DataView(bytes.buffer, bytes.byteOffset + p, 8).getFloat64(0, true);
        p += 8;
        return v;
      }
      case T.BINARY: {
        const n = varint();
        need(n);
        const v = bytes.subarray(p, p + n);
        p += n;
        return v;
      }
      case T.LIST: case T.SET: {
        const h = byte();
        const n = h >> 4 === 15 ? varint() : h >> 4;
        const elem = h & 0x0f;
        const arr: unknown[] = [];
        // booleans inside a list are one byte each (1 = true)
        for (let i = 0; i < n; i++) arr.push(elem === T.TRUE || elem === T.FALSE ? byte() === 1 : read(elem));
        return arr;
      }
      case T.MAP: {
        const n = varint();
        const m = new Map<unknown, unknown>();
        if (n > 0) {
          const kv = byte();
          for (let i = 0; i < n; i++) m.set(read(kv >> 4), read(kv & 0x0f));
        }
        return m;
      }
      case T.STRUCT: {
        const s: ThriftStruct = {};
        let last = 0;
        for (;;) {
          const h = byte();
          if (h === 0) return s;
          const delta = h >> 4;
          const id = delta ? last + delta : zigzag();
          s[id] = read(h & 0x0f);
          last = id;
        }
      }
      default:
        throw new Error(`thrift: unknown type ${type} at byte ${p}`);
    }
  };
  const value = read(T.STRUCT) as ThriftStruct;
  return { value, end: p };
}
