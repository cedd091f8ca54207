// Hand-made audio files for the decoder tests: a WAV writer that can produce every
// layout and every kind of damage, and a minimal FLAC encoder (VERBATIM subframes,
// which every decoder must support) so FLAC decoding is tested without shipped files.

export interface WavSpec {
  /** Interleaved integer samples (or floats for tag 3). */
  samples: number[] | Float32Array | Float64Array;
  channels?: number;
  sampleRate?: number;
  bits?: 8 | 16 | 24 | 32 | 64;
  /** 1 PCM, 3 float, 6 A-law, 7 µ-law, 2 ADPCM (for the refusal test)… */
  tag?: number;
  extensible?: boolean;
  /** Chunks inserted before / after the data chunk: [id, bytes]. */
  before?: [string, Uint8Array][];
  after?: [string, Uint8Array][];
  /** Overrides to produce lying headers. */
  riffSize?: number;
  dataSize?: number;
  blockAlign?: number;
  /** Put the fmt chunk after the data chunk. */
  fmtLast?: boolean;
  rf64?: boolean;
}

const enc = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

function chunk(id: string, body: Uint8Array, declared = body.length): Uint8Array {
  const out = new Uint8Array(8 + body.length + (body.length & 1));
  out.set(enc(id), 0);
  new DataView(out.buffer).setUint32(4, declared >>> 0, true);
  out.set(body, 8);
  return out;
}

export function sampleBytes(spec: WavSpec): Uint8Array {
  const bits = spec.bits ?? 16;
  const tag = spec.tag ?? 1;
  const n = spec.samples.length;
  const out = new Uint8Array((n * bits) / 8);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < n; i++) {
    const v = spec.samples[i];
    if (tag === 3 && bits === 32) dv.setFloat32(i * 4, v, true);
    else if (tag === 3 && bits === 64) dv.setFloat64(i * 8, v, true);
    else if (bits === 8) out[i] = tag === 1 ? v + 128 : v;
    else if (bits === 16) dv.setInt16(i * 2, v, true);
    else if (bits === 24) {
      out[i * 3] = v & 0xff;
      out[i * 3 + 1] = (v >> 8) & 0xff;
      out[i * 3 + 2] = (v >> 16) & 0xff;
    } else if (bits === 32) dv.setInt32(i * 4, v, true);
  }
  return out;
}

export function makeWav(spec: WavSpec): Uint8Array {
  const channels = spec.channels ?? 1;
  const rate = spec.sampleRate ?? 48000;
  const bits = spec.bits ?? 16;
  const tag = spec.tag ?? 1;
  const blockAlign = spec.blockAlign ?? (channels * bits) / 8;
  const fmt = new Uint8Array(spec.extensible ? 40 : 16);
  const f = new DataView(fmt.buffer);
  f.setUint16(0, spec.extensible ? 0xfffe : tag, true);
  f.setUint16(2, channels, true);
  f.setUint32(4, rate, true);
  f.setUint32(8, rate * blockAlign, true);
  f.setUint16(12, blockAlign, true);
  f.setUint16(14, bits, true);
  if (spec.extensible) {
    f.setUint16(16, 22, true);
    f.setUint16(18, bits, true);
    f.setUint32(20, channels === 2 ? 3 : 4, true);
    f.setUint32(24, tag, true);
    fmt.set([0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71], 28);
  }
  const data = sampleBytes(spec);
  const fmtChunk = chunk('fmt ', fmt);
  const dataChunk = chunk('data', data, spec.dataSize ?? data.length);
  const parts = [
    ...(spec.fmtLast ? [] : [fmtChunk]),
    ...(spec.before ?? []).map(([id, b]) => chunk(id, b)),
    dataChunk,
    ...(spec.after ?? []).map(([id, b]) => chunk(id, b)),
    ...(spec.fmtLast ? [fmtChunk] : []),
  ];
  const bodyLen = parts.reduce((s, p) => s + p.length, 0);
  const ds64 = spec.rf64 ? chunk('ds64', new Uint8Array(28)) : new Uint8Array(0);
  const out = new Uint8Array(12 + ds64.length + bodyLen);
  out.set(enc(spec.rf64 ? 'RF64' : 'RIFF'), 0);
  const dv = new DataView(out.buffer);
  dv.setUint32(4, spec.rf64 ? 0xffffffff : (spec.riffSize ?? 4 + ds64.length + bodyLen), true);
  out.set(enc('WAVE'), 8);
  out.set(ds64, 12);
  if (spec.rf64) {
    dv.setBigUint64(20, BigInt(spec.riffSize ?? 4 + ds64.length + bodyLen), true);
    dv.setBigUint64(28, BigInt(data.length), true);
    dv.setBigUint64(36, BigInt(data.length / blockAlign), true);
  }
  let o = 12 + ds64.length;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  if (spec.rf64) {
    // The data chunk's 32-bit size is the RF64 placeholder.
    const at = findChunk(out, 'data');
    dv.setUint32(at + 4, 0xffffffff, true);
  }
  return out;
}

export function findChunk(b: Uint8Array, id: string): number {
  for (let i = 12; i + 4 <= b.length; i++) if (String.fromCharCode(b[i], b[i + 1], b[i + 2], b[i + 3]) === id) return i;
  return -1;
}

/** Integer test signal: a sine with a touch of a second tone, amplitude `amp` of full scale. */
export function tone(frames: number, channels: number, bits: number, amp = 0.5, seed = 1): number[] {
  const full = 2 ** (bits - 1) - 1;
  const out: number[] = [];
  for (let i = 0; i < frames; i++) {
    for (let c = 0; c < channels; c++) {
      const v = amp * (0.8 * Math.sin((2 * Math.PI * 440 * (c + 1) * i) / 48000 + seed) + 0.2 * Math.sin((2 * Math.PI * 3000 * i) / 48000));
      out.push(Math.round(v * full));
    }
  }
  return out;
}

// ------------------------------------------------------------------ minimal FLAC encoder

class Bits {
  bytes: number[] = [];
  private acc = 0;
  private n = 0;
  put(value: number, bits: number): void {
    for (let i = bits - 1; i >= 0; i--) {
      this.acc = (this.acc << 1) | (Math.floor(value / 2 ** i) & 1);
      if (++this.n === 8) {
        this.bytes.push(this.acc & 0xff);
        this.acc = 0;
        this.n = 0;
      }
    }
  }
}

const crc8 = (b: number[]) => {
  let c = 0;
  for (const x of b) {
    c ^= x;
    for (let k = 0; k < 8; k++) c = c & 0x80 ? ((c << 1) ^ 0x07) & 0xff : (c << 1) & 0xff;
  }
  return c;
};
const crc16 = (b: number[]) => {
  let c = 0;
  for (const x of b) {
    c ^= x << 8;
    for (let k = 0; k < 8; k++) c = c & 0x8000 ? ((c << 1) ^ 0x8005) & 0xffff : (c << 1) & 0xffff;
  }
  return c;
};

const RATE_CODES: Record<number, number> = { 88200: 1, 176400: 2, 192000: 3, 8000: 4, 16000: 5, 22050: 6, 24000: 7, 32000: 8, 44100: 9, 48000: 10, 96000: 11 };
const BPS_CODES: Record<number, number> = { 8: 1, 12: 2, 16: 4, 20: 5, 24: 6 };

/** Encode interleaved integer samples as a native FLAC stream with VERBATIM subframes. */
export function makeFlac(samples: number[], channels: number, sampleRate: number, bits: 16 | 24, blockSize = 4096): Uint8Array {
  const frames = samples.length / channels;
  const si = new Bits();
  si.put(blockSize, 16);
  si.put(blockSize, 16);
  si.put(0, 24);
  si.put(0, 24);
  si.put(sampleRate, 20);
  si.put(channels - 1, 3);
  si.put(bits - 1, 5);
  si.put(frames, 36);
  for (let i = 0; i < 16; i++) si.put(0, 8); // MD5 unknown
  const out: number[] = [...enc('fLaC'), 0x80, 0, 0, 34, ...si.bytes];
  for (let f = 0, start = 0; start < frames; f++, start += blockSize) {
    const n = Math.min(blockSize, frames - start);
    const h = new Bits();
    h.put(0xfff8, 16);
    h.put(7, 4); // block size: 16-bit (n-1) at the end of the header
    const rateCode = RATE_CODES[sampleRate] ?? 13;
    h.put(rateCode, 4);
    h.put(channels - 1, 4);
    h.put(BPS_CODES[bits], 3);
    h.put(0, 1);
    if (f >= 128) throw new Error('fixture encoder: frame numbers ≥ 128 need UTF-8 coding');
    h.put(f, 8);
    h.put(n - 1, 16);
    if (rateCode === 13) h.put(sampleRate, 16);
    const header = h.bytes;
    const body = new Bits();
    for (let c = 0; c < channels; c++) {
      body.put(0b00000010, 8); // VERBATIM, no wasted bits
      for (let i = 0; i < n; i++) {
        const v = samples[(start + i) * channels + c];
        body.put(v < 0 ? v + 2 ** bits : v, bits);
      }
    }
    const frame = [...header, crc8(header), ...body.bytes];
    const crc = crc16(frame);
    out.push(...frame, crc >> 8, crc & 0xff);
  }
  return Uint8Array.from(out);
}
