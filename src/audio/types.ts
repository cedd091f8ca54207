/** What every decoder returns: the clip as mono float32, plus facts about the file. */
export interface DecodedAudio {
  /** Container/encoding, e.g. "wav/pcm16", "wav/float32", "flac/16". */
  format: string;
  sampleRate: number;
  channels: number;
  /** Samples per channel. */
  frames: number;
  /** Bits per sample as stored (8, 16, 24, 32, 64). */
  bitsPerSample: number;
  /** Channels averaged, full scale ±1 (int16 / 32768, like the reference). */
  mono: Float32Array;
  /**
   * SHA-256 (hex) of the interleaved little-endian integer PCM as a WAV `data` chunk
   * stores it (for 16-bit audio: the MANIFEST.tsv `pcm_sha256`). Only when asked for.
   */
  pcmSha256?: string;
  /** Largest |sample| over all channels, full scale 1 (NaN when `pcm16` is given instead of `mono`). */
  peak: number;
  /**
   * With the `raw16` option, for 16-bit PCM WAV with 1 or 2 channels: the data chunk's
   * bytes (interleaved little-endian int16, a view of the input), and `mono` is empty.
   */
  pcm16?: Uint8Array;
}

export interface DecodeOptions {
  /** Compute `pcmSha256` (costs one SHA-256 pass over the PCM). */
  hash?: boolean;
  /**
   * Check the file (structure, peak, NaN/Inf) without keeping the samples: `mono` comes
   * back empty. For ingest, which verifies every clip but stores no audio.
   */
  checkOnly?: boolean;
  /**
   * `mono` may be a view into this thread's scratch memory, valid only until the next
   * decode on the thread: for callers that consume the samples at once (the resample
   * task), saving a fresh ~0.7 MB array per clip (allocation and page faults cost more
   * than converting the samples).
   */
  transient?: boolean;
  /**
   * 16-bit PCM WAV with 1 or 2 channels comes back undecoded, as `pcm16` (checked like
   * any WAV, but not converted, and no peak): for the resample task, whose kernel
   * converts the samples in the pass that feeds the filter (resamplePcm16Transient).
   * Other formats decode as usual.
   */
  raw16?: boolean;
}

/**
 * Peak at or below one 16-bit LSB (−90 dBFS): digital silence, or only dither. Such a
 * clip decodes fine but is useless for training; ingest flags it.
 */
export const SILENCE_PEAK = 1 / 32768;
