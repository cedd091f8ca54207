// The AssemblyScript DSP kernels: the committed .wasm files are what their sources
// build to, and the 16-bit PCM kernels give exactly what the JS definitions give.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildKernel, KERNELS } from '../../src/audio/simd/build.ts';
import { monoPcm16, peakPcm16 } from '../../src/audio/pcm-kernel.ts';
import { decodeWav } from '../../src/audio/wav.ts';
import { makeWav } from './fixtures.ts';

describe('committed kernels', () => {
  for (const k of KERNELS) {
    it(`${k.wasm.split('/').pop()} equals a fresh build of ${k.source.split('/').pop()}`, async () => {
      const fresh = await buildKernel(k.source);
      expect(Buffer.from(fresh).equals(readFileSync(k.wasm)), 'run `npx tsx src/audio/simd/build.ts` and commit the .wasm').toBe(true);
    }, 60_000);
  }
});

function pcm(n: number, seed: number): Int16Array {
  let s = seed;
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s >>> 16) - 32768;
  }
  return out;
}
const bytesOf = (a: Int16Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

describe('16-bit PCM kernels', () => {
  it('mono: v / 32768 and the peak, any length (SIMD body + scalar tail)', () => {
    for (const n of [0, 1, 7, 8, 9, 1001]) {
      const s = pcm(n, n + 1);
      if (n > 3) [s[1], s[2]] = [-32768, 32767];
      const r = monoPcm16(bytesOf(s), 1, n)!;
      expect(r.mono).toEqual(Float32Array.from(s, (v) => v / 32768));
      expect(r.peak).toBe(s.reduce((m, v) => Math.max(m, Math.abs(v)), 0));
      expect(peakPcm16(bytesOf(s))).toBe(r.peak);
    }
  });

  it('stereo: (l + r) / 65536 and the peak over both channels', () => {
    for (const frames of [1, 3, 4, 5, 1001]) {
      const s = pcm(2 * frames, frames);
      s[2 * frames - 1] = -32768; // the peak in the right channel's last (tail) sample
      const r = monoPcm16(bytesOf(s), 2, frames)!;
      expect(r.mono).toEqual(Float32Array.from({ length: frames }, (_, i) => (s[2 * i] + s[2 * i + 1]) / 65536));
      expect(r.peak).toBe(32768);
    }
    expect(monoPcm16(bytesOf(pcm(12, 1)), 3, 4)).toBeNull(); // other layouts: the JS loop
  });

  it('a transient result is a view that the next call overwrites; the default is a copy', () => {
    const a = monoPcm16(bytesOf(pcm(64, 1)), 1, 64, true)!.mono;
    const first = a.slice();
    const b = monoPcm16(bytesOf(pcm(64, 2)), 1, 64)!.mono;
    expect(a).not.toEqual(first);
    expect(a).toEqual(b);
  });

  it('decodeWav gives the same samples through the kernels as the definitions (stereo, odd data offset)', () => {
    const s = pcm(2 * 999, 7);
    // a 3-byte chunk before `data` puts the samples at an odd offset in the file
    const wav = makeWav({ samples: Array.from(s), channels: 2, before: [['LIST', new Uint8Array(3)]] });
    const d = decodeWav(wav);
    expect(d.mono).toEqual(Float32Array.from({ length: 999 }, (_, i) => (s[2 * i] + s[2 * i + 1]) / 65536));
    expect(d.peak).toBe(s.reduce((m, v) => Math.max(m, Math.abs(v)), 0) / 32768);
    expect(decodeWav(wav, { checkOnly: true }).peak).toBe(d.peak);
  });
});
