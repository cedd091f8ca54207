// The symmetric decimation kernel (src/audio/decimate-kernel.ts) that resample() uses for
// integer decimation: same outputs as the JS reference kernel, at every length (block
// tails, clips shorter than the filter, phases longer than the first compiled stride),
// every decimation factor the equiripple designs produce, and only for filters it can do.
import { describe, expect, it } from 'vitest';
import { decimator, decimatorTakes, runDecimator, symmetricLength } from '../../src/audio/decimate-kernel.ts';
import { resample, resampleDesign, resamplePcm16Transient } from '../../src/audio/resample.ts';

const OUT = 16000;

function noise(n: number, seed: number): Float32Array {
  let s = seed;
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    x[i] = (s / 2 ** 32 - 0.5) * 1.6;
  }
  return x;
}

function worstDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

describe('symmetric decimation kernel', () => {
  it('is what resample() uses for integer decimation with the equiripple filters', () => {
    for (const rate of [32000, 48000, 96000]) {
      const d = resampleDesign(rate, OUT);
      expect(d.window).toBe('equiripple');
      expect(symmetricLength(d.table)).toBe(d.taps - 1);
      expect(decimator(d.table, d.down, 1)).not.toBeNull();
    }
  });

  it('agrees with the JS kernel at every length around its 16-output blocks and below the filter length', () => {
    const x = noise(4000, 1);
    for (const rate of [48000, 96000, 32000]) {
      for (const n of [0, 1, 2, 3, 5, 47, 48, 49, 50, 223, 224, 225, 671, 1000, 3999]) {
        const xs = x.subarray(0, n);
        expect(worstDiff(resample(xs, rate, OUT), resample(xs, rate, OUT, { useWasm: false })), `${rate} Hz, ${n} samples`).toBeLessThan(1e-6);
      }
    }
  });

  it('handles inputs longer than the first compiled phase stride (20 s at 48 kHz)', () => {
    const x = noise(48000 * 20 + 7, 2);
    expect(worstDiff(resample(x, 48000, OUT), resample(x, 48000, OUT, { useWasm: false }))).toBeLessThan(1e-6);
    // and back to a short clip on the same thread: still right
    const y = noise(9000, 3);
    expect(worstDiff(resample(y, 48000, OUT), resample(y, 48000, OUT, { useWasm: false }))).toBeLessThan(1e-6);
  });

  it('leaves inputs of more than ~4 min at 48 kHz to the generic kernel (bounded memory), with the same result', () => {
    const d = resampleDesign(48000, OUT);
    const k = decimator(d.table, d.down, 1)!;
    expect(decimatorTakes(k, 16000 * 240)).toBe(true);
    expect(decimatorTakes(k, 16000 * 300)).toBe(false);
    const long = new Float32Array(48000 * 300);
    long.set(noise(48000, 10));
    const y = resample(long, 48000, OUT);
    expect(y.length).toBe(16000 * 300);
    const head = resample(long.subarray(0, 48000 + 3000), 48000, OUT); // the decimator (its tail sees the zeros too)
    expect(worstDiff(y.subarray(0, 16000), head.subarray(0, 16000))).toBeLessThan(1e-6);
    expect(y.subarray(17000).every((v) => v === 0)).toBe(true);
  });

  it('is deterministic: the same input gives bit-identical output, whatever ran before', () => {
    const x = noise(30011, 4);
    const a = resample(x, 48000, OUT);
    resample(noise(100000, 5), 48000, OUT);
    resample(noise(777, 6), 96000, OUT);
    expect(resample(x, 48000, OUT)).toEqual(a);
  });

  it('returns a view that the next call overwrites; resample() copies it', () => {
    const d = resampleDesign(48000, OUT);
    const k = decimator(d.table, d.down, 1)!;
    const v = runDecimator(k, noise(3000, 7), d.taps / 2, 1000);
    const first = v.slice();
    const copy = resample(noise(3000, 7), 48000, OUT);
    expect(copy).toEqual(first);
    runDecimator(k, noise(3000, 8), d.taps / 2, 1000);
    expect(v).not.toEqual(first);
    expect(copy).toEqual(first);
  });

  it('refuses filters that are not odd-length symmetric (the generic kernel runs them)', () => {
    expect(symmetricLength(Float32Array.from([1, 2, 1, 0]))).toBe(3);
    expect(symmetricLength(Float32Array.from([1, 2, 3, 0]))).toBe(0);
    expect(symmetricLength(Float32Array.from([1, 2, 2, 1]))).toBe(0); // even length
    expect(decimator(Float32Array.from([1, 2, 3, 0]), 3, 1)).toBeNull();
  });

  it('16-bit PCM, converted in the kernel, gives bit for bit resample() of the decoded float32 (mono, stereo, any rate)', () => {
    let seed = 9;
    const pcm = (n: number) => {
      const a = new Int16Array(n);
      for (let i = 0; i < n; i++) {
        seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
        a[i] = (seed >>> 16) - 32768;
      }
      a[0] = -32768;
      a[n - 1] = 32767;
      return a;
    };
    for (const rate of [48000, 96000, 44100, 16000]) {
      for (const frames of [1, 2, 13, 1001, 30011]) {
        const mono = pcm(frames);
        const want1 = resample(Float32Array.from(mono, (v) => v / 32768), rate, OUT);
        expect(resamplePcm16Transient(new Uint8Array(mono.buffer), 1, rate, OUT).slice(), `mono ${rate} Hz, ${frames}`).toEqual(want1);
        const st = pcm(2 * frames);
        const want2 = resample(Float32Array.from({ length: frames }, (_, i) => (st[2 * i] + st[2 * i + 1]) / 65536), rate, OUT);
        // at an odd byte offset, as a data chunk after an odd-sized chunk can be
        const odd = new Uint8Array(st.byteLength + 1).subarray(1);
        odd.set(new Uint8Array(st.buffer));
        expect(resamplePcm16Transient(odd, 2, rate, OUT).slice(), `stereo ${rate} Hz, ${frames}`).toEqual(want2);
      }
    }
    expect(() => resamplePcm16Transient(new Uint8Array(3), 1, 48000, OUT)).toThrow(/not a whole number of 1-channel frames/);
  });
});
