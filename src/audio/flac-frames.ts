// Splits a native FLAC stream into its audio frames for FLACDecoder.decodeFrames().
//
// Why not the library's decodeFile(): its frame parser (codec-parser 2.5) loses the
// final frame of about one file in seven here — the search for a next frame header
// suspends waiting for input that never comes during flush() — so 17 of the first 120
// RAVDESS clips came back up to 4095 samples short. A frame boundary is where a frame
// sync code with a valid header CRC-8 starts and the bytes before it end with a valid
// CRC-16 footer; the last frame runs to the end of the file and must pass its CRC-16 too.
import { AudioDecodeError } from './errors.ts';

const CRC8 = new Uint8Array(256);
const CRC16 = new Uint16Array(256);
for (let i = 0; i < 256; i++) {
  let c8 = i;
  let c16 = i << 8;
  for (let b = 0; b < 8; b++) {
    c8 = c8 & 0x80 ? ((c8 << 1) ^ 0x07) & 0xff : (c8 << 1) & 0xff;
    c16 = c16 & 0x8000 ? ((c16 << 1) ^ 0x8005) & 0xffff : (c16 << 1) & 0xffff;
  }
  CRC8[i] = c8;
  CRC16[i] = c16;
}

/** Length of the frame header starting at `at` if it is a valid one (CRC-8 checked), else 0. */
export function frameHeaderLength(b: Uint8Array, at: number, syncByte: number): number {
  if (at + 6 > b.length || b[at] !== 0xff || b[at + 1] !== syncByte) return 0;
  const bs = b[at + 2] >> 4;
  const sr = b[at + 2] & 0x0f;
  if (bs === 0 || sr === 0x0f || (b[at + 3] & 0x01) !== 0 || b[at + 3] >> 4 >= 11 || (b[at + 3] & 0x0e) === 0x06) return 0;
  // UTF-8-like coded frame/sample number: 1..7 bytes.
  let p = at + 4;
  const first = b[p];
  let extra = 0;
  if (first < 0x80) extra = 0;
  else if (first >= 0xc0 && first < 0xe0) extra = 1;
  else if (first >= 0xe0 && first < 0xf0) extra = 2;
  else if (first >= 0xf0 && first < 0xf8) extra = 3;
  else if (first >= 0xf8 && first < 0xfc) extra = 4;
  else if (first >= 0xfc && first < 0xfe) extra = 5;
  else if (first === 0xfe) extra = 6;
  else return 0;
  p += 1 + extra;
  if (bs === 6) p += 1;
  else if (bs === 7) p += 2;
  if (sr === 12) p += 1;
  else if (sr === 13 || sr === 14) p += 2;
  if (p >= b.length) return 0;
  let crc = 0;
  for (let i = at; i < p; i++) crc = CRC8[crc ^ b[i]];
  return crc === b[p] ? p + 1 - at : 0;
}

/** Offset of the first audio frame: after the metadata blocks. */
export function audioStart(b: Uint8Array): number {
  let p = 4;
  for (;;) {
    if (p + 4 > b.length) throw new AudioDecodeError('truncated FLAC metadata');
    const last = b[p] & 0x80;
    const len = (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3];
    p += 4 + len;
    if (p > b.length) throw new AudioDecodeError('truncated FLAC metadata block');
    if (last) return p;
  }
}

export function splitFlacFrames(b: Uint8Array): Uint8Array[] {
  const start = audioStart(b);
  if (start >= b.length) throw new AudioDecodeError('no audio: the FLAC stream holds no frames');
  const sync = b[start + 1];
  if (b[start] !== 0xff || (sync !== 0xf8 && sync !== 0xf9) || !frameHeaderLength(b, start, sync)) {
    throw new AudioDecodeError(`corrupt FLAC: no valid frame header right after the metadata (byte ${start})`);
  }
  // Frames go to the decoder without the metadata, so they must state their own sample
  // rate and bit depth (the reference encoder always does for standard rates).
  if ((b[start + 2] & 0x0f) === 0 || ((b[start + 3] >> 1) & 0x07) === 0) {
    throw new AudioDecodeError('FLAC frames that take their sample rate or bit depth from STREAMINFO are not supported; convert to WAV or re-encode with the reference flac encoder');
  }
  const frames: Uint8Array[] = [];
  const n = b.length;
  const minFrame = 10;
  let s = start; // start of the current frame
  // Running CRC-16 of [s, q): a boundary at c needs crc([s, c)) == 0 (a frame's CRC
  // over itself including its footer is 0). Candidates are found with indexOf (native),
  // so the per-byte work is only the CRC's table step.
  let crc = 0;
  let q = s;
  let p = s + minFrame;
  for (;;) {
    let c = b.indexOf(0xff, p);
    while (c >= 0 && c < n - 1 && !(b[c + 1] === sync && frameHeaderLength(b, c, sync))) c = b.indexOf(0xff, c + 1);
    if (c < 0 || c >= n - 1) break;
    for (; q < c; q++) crc = ((crc << 8) & 0xffff) ^ CRC16[(crc >> 8) ^ b[q]];
    if (crc === 0) {
      frames.push(b.subarray(s, c));
      s = c;
      q = c;
      crc = 0;
      p = c + minFrame;
    } else p = c + 1;
  }
  for (; q < n; q++) crc = ((crc << 8) & 0xffff) ^ CRC16[(crc >> 8) ^ b[q]];
  if (crc !== 0) throw new AudioDecodeError(`truncated or corrupt FLAC: the last frame (from byte ${s}) fails its CRC-16`);
  frames.push(b.subarray(s, n));
  return frames;
}
