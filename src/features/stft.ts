// Short-time power spectrum as librosa.stft(center=True, pad_mode='constant') followed
// by |·|²: the signal is conceptually zero-padded by nFft/2 on both sides, frame t
// starts at t·hop in the padded signal, and there are 1 + ⌊len/hop⌋ frames.
import { RealPowerFFT } from './fft.ts';

export class PowerStft {
  readonly nFft: number;
  readonly hop: number;
  readonly bins: number;
  private readonly window: Float64Array;
  private readonly fft: RealPowerFFT;
  private readonly frameBuf: Float64Array;

  constructor(window: Float64Array, hop: number) {
    this.nFft = window.length;
    this.hop = hop;
    this.window = window;
    this.fft = new RealPowerFFT(this.nFft);
    this.bins = this.fft.bins;
    this.frameBuf = new Float64Array(this.nFft);
  }

  /** Number of frames for a signal of `length` samples (center = true). */
  frames(length: number): number {
    return 1 + Math.floor(length / this.hop);
  }

  /**
   * Power spectrum of frame t of y[0 .. length) (samples past `length` or y.length are
   * zeros) into out[0 .. bins).
   */
  frame(y: Float32Array | Float64Array, length: number, t: number, out: Float64Array): void {
    const n = this.nFft;
    const w = this.window;
    const buf = this.frameBuf;
    const end = Math.min(length, y.length);
    const first = t * this.hop - (n >> 1); // index in y of buf[0]
    if (first >= 0 && first + n <= end) {
      for (let i = 0; i < n; i++) buf[i] = w[i] * y[first + i];
    } else {
      for (let i = 0; i < n; i++) {
        const j = first + i;
        buf[i] = j >= 0 && j < end ? w[i] * y[j] : 0;
      }
    }
    this.fft.power(buf, out);
  }

  /** The whole power spectrogram, row-major frames × bins (for tests and tools). */
  spectrogram(y: Float32Array | Float64Array, length = y.length): Float64Array {
    const nFrames = this.frames(length);
    const out = new Float64Array(nFrames * this.bins);
    for (let t = 0; t < nFrames; t++) this.frame(y, length, t, out.subarray(t * this.bins, (t + 1) * this.bins));
    return out;
  }
}
