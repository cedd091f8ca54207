// WAV (RIFF/WAVE and RF64) reader: walks the chunk list, then reads the `data` chunk
// straight into a typed-array view and downmixes to mono in one pass. WAV is the
// official RAVDESS format and the hot path (1440 files); a generic decoder library took
// ~3.5 s for the corpus here, this takes a fraction of a second.
//
// Supported: PCM 8/16/24/32-bit integer, IEEE float 32/64, G.711 µ-law/A-law,
// WAVE_FORMAT_EXTENSIBLE wrapping any of those, any number of channels, any extra
// chunks (FLLR, LIST, bext, _PMX, …) including odd sizes with their pad byte.
// Refused with an AudioDecodeError naming the problem: empty/short files, truncated
// `data`, chunk or RIFF sizes that disagree with the file, block sizes that disagree
// with the format, compressed encodings (ADPCM, MP3-in-WAV, …), NaN/Inf samples.
import { createHash } from 'node:crypto';
import { AudioDecodeError } from './errors.ts';
import { monoPcm16, peakPcm16 } from './pcm-kernel.ts';
import type { DecodeOptions, DecodedAudio } from './types.ts';

if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
  throw new Error('src/audio/wav.ts reads little-endian samples through typed arrays and needs a little-endian host');
}

export const FORMAT_PCM = 0x0001;
const FORMAT_FLOAT = 0x0003;
const FORMAT_ALAW = 0x0006;
const FORMAT_MULAW = 0x0007;
const FORMAT_EXTENSIBLE = 0xfffe;
/** Bytes 4..15 of every KSDATAFORMAT_SUBTYPE_* GUID (the first 4 hold the format tag). */
const GUID_TAIL = [0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71];
const KNOWN_TAGS: Record<number, string> = {
  0x0002: 'Microsoft ADPCM', 0x0011: 'IMA ADPCM', 0x0031: 'GSM 6.10', 0x0050: 'MPEG',
  0x0055: 'MP3', 0x00ff: 'AAC', 0x1610: 'HE-AAC', 0x2000: 'AC-3', 0xf1ac: 'FLAC',
};

export interface WavFormat {
  tag: number;
  channels: number;
  sampleRate: number;
  blockAlign: number;
  bits: number;
}

const ascii = (b: Uint8Array, at: number): string => String.fromCharCode(b[at], b[at + 1], b[at + 2], b[at + 3]);
const printable = (id: string): string => JSON.stringify(id);

function fail(problem: string): never {
  throw new AudioDecodeError(problem);
}

export function isWav(bytes: Uint8Array): boolean {
  if (bytes.length < 12) return false;
  const id = ascii(bytes, 0);
  return (id === 'RIFF' || id === 'RF64') && ascii(bytes, 8) === 'WAVE';
}

export function decodeWav(bytes: Uint8Array, opts: DecodeOptions = {}): DecodedAudio {
  if (bytes.length === 0) fail('empty file (0 bytes)');
  if (bytes.length < 12) fail(`too short for a WAV header (${bytes.length} bytes)`);
  if (!isWav(bytes)) fail(`not a RIFF/WAVE file (starts with ${printable(ascii(bytes, 0))})`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const rf64 = ascii(bytes, 0) === 'RF64';

  let riffSize = view.getUint32(4, true);
  let rf64DataSize: number | undefined;
  if (rf64) {
    // RF64 keeps the real sizes in a `ds64` chunk right after the form type.
    if (bytes.length < 36 || ascii(bytes, 12) !== 'ds64') fail('RF64 file without its ds64 chunk');
    riffSize = Number(view.getBigUint64(20, true));
    rf64DataSize = Number(view.getBigUint64(28, true));
  }
  // 0 and 0xFFFFFFFF are what streaming writers put before the length is known.
  const riffUnknown = !rf64 && (riffSize === 0 || riffSize === 0xffffffff);
  const declared = riffUnknown ? bytes.length : riffSize + 8;
  if (declared < 12) fail(`RIFF header declares an impossible size (${riffSize})`);
  // Chunks are walked up to the RIFF end; bytes after it (appended junk) are ignored.
  const end = Math.min(declared, bytes.length);

  let fmt: WavFormat | undefined;
  let dataAt = -1;
  let dataSize = 0;
  const seen: string[] = [];
  let pos = 12;
  while (pos + 8 <= end) {
    const id = ascii(bytes, pos);
    let size = view.getUint32(pos + 4, true);
    const body = pos + 8;
    seen.push(id);
    if (id === 'data' && rf64 && size === 0xffffffff) size = rf64DataSize!;
    if (body + size > end) {
      if (id === 'data' && (size === 0xffffffff || riffUnknown) && dataAt < 0) {
        size = end - body; // streaming WAV: data runs to the end of the file
      } else if (body + size <= bytes.length) {
        fail(`the RIFF header declares ${declared} bytes, but chunk ${printable(id)} runs to byte ${body + size} (wrong header sizes)`);
      } else if (id === 'data') {
        fail(`truncated data chunk: it declares ${size} bytes but only ${end - body} follow`);
      } else {
        fail(`chunk ${printable(id)} at byte ${pos} declares ${size} bytes but only ${end - body} remain (wrong header sizes or a truncated file)`);
      }
    }
    if (id === 'fmt ' && !fmt) fmt = parseFmt(view, bytes, body, size);
    else if (id === 'data' && dataAt < 0) {
      dataAt = body;
      dataSize = size;
    }
    pos = body + size + (size & 1);
  }
  // A missing pad byte after an odd last chunk is a common, harmless writer slip.
  if (declared > bytes.length + 1) fail(`truncated file: the RIFF header declares ${declared} bytes, the file has ${bytes.length}`);
  if (!fmt) fail(`no "fmt " chunk (chunks found: ${seen.map(printable).join(', ') || 'none'})`);
  if (dataAt < 0) fail(`no "data" chunk (chunks found: ${seen.map(printable).join(', ')})`);
  const f = fmt;
  if (dataSize % f.blockAlign !== 0) {
    fail(`data chunk size ${dataSize} is not a whole number of ${f.blockAlign}-byte frames (wrong header sizes)`);
  }
  const frames = dataSize / f.blockAlign;
  if (frames === 0) fail('no audio: the data chunk is empty');

  const data = bytes.subarray(dataAt, dataAt + dataSize);
  if (opts.raw16 && !opts.checkOnly && f.tag === FORMAT_PCM && f.bits === 16 && (f.channels === 1 || f.channels === 2)) {
    return {
      format: 'wav/pcm16', sampleRate: f.sampleRate, channels: f.channels, frames, bitsPerSample: 16,
      mono: new Float32Array(0), peak: NaN, pcm16: data.subarray(0, frames * f.blockAlign),
      pcmSha256: opts.hash ? createHash('sha256').update(data).digest('hex') : undefined,
    };
  }
  const { mono, peak, nonFinite } = toMono(data, f, frames, opts.checkOnly, opts.transient);
  if (nonFinite.count > 0) {
    fail(`${nonFinite.count} non-finite sample(s) (NaN/Inf) in float data, first at frame ${nonFinite.firstFrame}`);
  }
  const kind = f.tag === FORMAT_FLOAT ? 'float' : f.tag === FORMAT_MULAW ? 'ulaw' : f.tag === FORMAT_ALAW ? 'alaw' : 'pcm';
  return {
    format: `wav/${kind}${kind === 'pcm' || kind === 'float' ? f.bits : ''}`,
    sampleRate: f.sampleRate,
    channels: f.channels,
    frames,
    bitsPerSample: f.bits,
    mono,
    peak,
    pcmSha256: opts.hash ? createHash('sha256').update(data).digest('hex') : undefined,
  };
}

function parseFmt(view: DataView, bytes: Uint8Array, at: number, size: number): WavFormat {
  if (size < 16) fail(`"fmt " chunk is ${size} bytes, at least 16 expected`);
  let tag = view.getUint16(at, true);
  const channels = view.getUint16(at + 2, true);
  const sampleRate = view.getUint32(at + 4, true);
  const blockAlign = view.getUint16(at + 12, true);
  const bits = view.getUint16(at + 14, true);
  if (tag === FORMAT_EXTENSIBLE) {
    if (size < 40) fail(`WAVE_FORMAT_EXTENSIBLE "fmt " chunk is ${size} bytes, 40 expected`);
    const sub = at + 24;
    if (GUID_TAIL.some((b, i) => bytes[sub + 4 + i] !== b)) fail('WAVE_FORMAT_EXTENSIBLE with an unknown sub-format GUID');
    tag = view.getUint32(sub, true);
  }
  const name = KNOWN_TAGS[tag];
  if (tag !== FORMAT_PCM && tag !== FORMAT_FLOAT && tag !== FORMAT_MULAW && tag !== FORMAT_ALAW) {
    fail(`unsupported WAV encoding 0x${tag.toString(16).padStart(4, '0')}${name ? ` (${name})` : ''}: only PCM, float and G.711 are read; convert to PCM WAV or FLAC`);
  }
  if (channels === 0) fail('"fmt " chunk says 0 channels');
  if (sampleRate === 0) fail('"fmt " chunk says sample rate 0');
  const allowed = tag === FORMAT_PCM ? [8, 16, 24, 32] : tag === FORMAT_FLOAT ? [32, 64] : [8];
  if (!allowed.includes(bits)) fail(`${bits}-bit samples are not valid for this encoding (expected ${allowed.join('/')})`);
  const expectAlign = channels * (bits / 8);
  if (blockAlign !== expectAlign) {
    fail(`"fmt " chunk is inconsistent: block align ${blockAlign}, but ${channels} channel(s) × ${bits / 8} bytes = ${expectAlign}`);
  }
  return { tag, channels, sampleRate, blockAlign, bits };
}

/** A typed-array view of `data` if aligned, else an aligned copy. */
function typed<T>(data: Uint8Array, bytesPer: number, make: (buf: ArrayBufferLike, off: number, n: number) => T): T {
  const n = data.byteLength / bytesPer;
  if (data.byteOffset % bytesPer === 0) return make(data.buffer, data.byteOffset, n);
  const copy = data.slice();
  return make(copy.buffer, 0, n);
}

export interface MonoResult {
  mono: Float32Array;
  peak: number;
  nonFinite: { count: number; firstFrame: number };
}

/**
 * Interleaved samples as a WAV `data` chunk holds them → mono float32 (channel average,
 * integer full scale 2^(bits-1)), peak, and a count of non-finite float samples.
 * Shared with the FLAC path so both give bit-identical samples for the same audio.
 */
export function toMono(data: Uint8Array, f: WavFormat, frames: number, checkOnly = false, transient = false): MonoResult {
  if (f.tag === FORMAT_PCM && f.bits === 16) {
    // The common case (every RAVDESS file) in WebAssembly SIMD when available.
    const bytes = data.subarray(0, frames * f.blockAlign);
    if (checkOnly) {
      const peak = peakPcm16(bytes);
      if (peak !== null) return { mono: new Float32Array(0), peak: peak / 32768, nonFinite: { count: 0, firstFrame: -1 } };
    } else {
      const r = monoPcm16(bytes, f.channels, frames, transient);
      if (r) return { mono: r.mono, peak: r.peak / 32768, nonFinite: { count: 0, firstFrame: -1 } };
    }
  }
  if (checkOnly && f.tag === FORMAT_PCM && f.bits === 16) {
    // The common case, without writing samples: just the peak.
    const s = typed(data, 2, (b, o, n) => new Int16Array(b, o, n));
    let lo = 0, hi = 0;
    for (let i = 0; i < s.length; i++) {
      const v = s[i];
      if (v < lo) lo = v; else if (v > hi) hi = v;
    }
    return { mono: new Float32Array(0), peak: Math.max(-lo, hi) / 32768, nonFinite: { count: 0, firstFrame: -1 } };
  }
  const full = toMonoSamples(data, f, frames);
  return checkOnly ? { ...full, mono: new Float32Array(0) } : full;
}

function toMonoSamples(data: Uint8Array, f: WavFormat, frames: number): MonoResult {
  const C = f.channels;
  const mono = new Float32Array(frames);
  const nonFinite = { count: 0, firstFrame: -1 };
  let lo = 0;
  let hi = 0;
  if (f.tag === FORMAT_PCM && f.bits === 16) {
    const s = typed(data, 2, (b, o, n) => new Int16Array(b, o, n));
    if (C === 1) {
      for (let i = 0; i < frames; i++) {
        const v = s[i];
        mono[i] = v * (1 / 32768);
        if (v < lo) lo = v; else if (v > hi) hi = v;
      }
    } else if (C === 2) {
      // (L + R) / 2 / 32768, exact in float32 (a 17-bit integer times a power of two).
      for (let i = 0, j = 0; i < frames; i++, j += 2) {
        const l = s[j], r = s[j + 1];
        mono[i] = (l + r) * (1 / 65536);
        const m = l < r ? l : r, M = l < r ? r : l;
        if (m < lo) lo = m;
        if (M > hi) hi = M;
      }
    } else {
      ({ lo, hi } = mixInt(s, C, frames, mono, 32768));
    }
    return { mono, peak: Math.max(-lo, hi) / 32768, nonFinite };
  }
  if (f.tag === FORMAT_PCM && f.bits === 24) {
    const scale = 8388608;
    const k = 1 / (C * scale);
    for (let i = 0, p = 0; i < frames; i++) {
      let sum = 0;
      for (let c = 0; c < C; c++, p += 3) {
        const v = ((data[p] | (data[p + 1] << 8) | (data[p + 2] << 16)) << 8) >> 8;
        sum += v;
        if (v < lo) lo = v; else if (v > hi) hi = v;
      }
      mono[i] = sum * k;
    }
    return { mono, peak: Math.max(-lo, hi) / scale, nonFinite };
  }
  if (f.tag === FORMAT_PCM && f.bits === 32) {
    const s = typed(data, 4, (b, o, n) => new Int32Array(b, o, n));
    ({ lo, hi } = mixInt(s, C, frames, mono, 2147483648));
    return { mono, peak: Math.max(-lo, hi) / 2147483648, nonFinite };
  }
  if (f.tag === FORMAT_PCM && f.bits === 8) {
    // 8-bit WAV is unsigned, 128 = zero.
    const k = 1 / (C * 128);
    for (let i = 0, p = 0; i < frames; i++) {
      let sum = 0;
      for (let c = 0; c < C; c++, p++) {
        const v = data[p] - 128;
        sum += v;
        if (v < lo) lo = v; else if (v > hi) hi = v;
      }
      mono[i] = sum * k;
    }
    return { mono, peak: Math.max(-lo, hi) / 128, nonFinite };
  }
  if (f.tag === FORMAT_MULAW || f.tag === FORMAT_ALAW) {
    const table = f.tag === FORMAT_MULAW ? MULAW : ALAW;
    const k = 1 / (C * 32768);
    for (let i = 0, p = 0; i < frames; i++) {
      let sum = 0;
      for (let c = 0; c < C; c++, p++) {
        const v = table[data[p]];
        sum += v;
        if (v < lo) lo = v; else if (v > hi) hi = v;
      }
      mono[i] = sum * k;
    }
    return { mono, peak: Math.max(-lo, hi) / 32768, nonFinite };
  }
  // IEEE float, 32 or 64 bit.
  const s = f.bits === 32
    ? typed(data, 4, (b, o, n) => new Float32Array(b, o, n))
    : typed(data, 8, (b, o, n) => new Float64Array(b, o, n));
  const k = 1 / C;
  for (let i = 0, p = 0; i < frames; i++) {
    let sum = 0;
    for (let c = 0; c < C; c++, p++) {
      const v = s[p];
      if (v - v !== 0) {
        // NaN or ±Inf
        if (nonFinite.count++ === 0) nonFinite.firstFrame = i;
        continue;
      }
      sum += v;
      if (v < lo) lo = v; else if (v > hi) hi = v;
    }
    mono[i] = sum * k;
  }
  return { mono, peak: Math.max(-lo, hi), nonFinite };
}

function mixInt(s: Int16Array | Int32Array, C: number, frames: number, mono: Float32Array, scale: number): { lo: number; hi: number } {
  let lo = 0, hi = 0;
  const k = 1 / (C * scale);
  for (let i = 0, p = 0; i < frames; i++) {
    let sum = 0;
    for (let c = 0; c < C; c++, p++) {
      const v = s[p];
      sum += v;
      if (v < lo) lo = v; else if (v > hi) hi = v;
    }
    mono[i] = sum * k;
  }
  return { lo, hi };
}

// G.711 expansion tables (ITU-T G.711), to 16-bit linear.
const MULAW = new Int16Array(256);
const ALAW = new Int16Array(256);
for (let i = 0; i < 256; i++) {
  const u = ~i & 0xff;
  const mag = ((((u & 0x0f) << 3) + 0x84) << ((u >> 4) & 7)) - 0x84;
  MULAW[i] = u & 0x80 ? -mag : mag;
  const a = i ^ 0x55;
  const e = (a >> 4) & 7;
  const m = a & 0x0f;
  const amag = e === 0 ? (m << 4) + 8 : ((m << 4) + 0x108) << (e - 1);
  ALAW[i] = a & 0x80 ? amag : -amag;
}
