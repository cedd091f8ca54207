// Minimal canonical WAV writer (RIFF, `fmt ` PCM 16 bytes, `data`): used to make the
// WAV copy of a FLAC corpus for benchmarks that start from WAV, like the reference.
/** A WAV file holding `data` (interleaved little-endian integer PCM). */
export function encodeWav(sampleRate: number, channels: number, bits: number, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(44 + data.length + (data.length & 1));
  const dv = new DataView(out.buffer);
  const ascii = (at: number, s: string) => [...s].forEach((c, i) => (out[at + i] = c.charCodeAt(0)));
  const blockAlign = (channels * bits) / 8;
  ascii(0, 'RIFF');
  dv.setUint32(4, out.length - 8, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  dv.setUint32(16, 16, true);
  dv.setUint16(20, 1, true);
  dv.setUint16(22, channels, true);
  dv.setUint32(24, sampleRate, true);
  dv.setUint32(28, sampleRate * blockAlign, true);
  dv.setUint16(32, blockAlign, true);
  dv.setUint16(34, bits, true);
  ascii(36, 'data');
  dv.setUint32(40, data.length, true);
  out.set(data, 44);
  return out;
}
