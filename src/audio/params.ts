// The `audio` params (pipeline.yaml), checked.
import { parseCompression, type Compression } from '../io/parquet-rows.ts';

export interface AudioParams {
  sample_rate: number;
  /** How audio.parquet is stored: none (default, PLAIN pages) | zstd. Not a property of the audio. */
  compression: Compression;
}

export function parseAudioParams(value: unknown): AudioParams {
  const v = value as Record<string, unknown> | undefined;
  const rate = v?.sample_rate;
  if (typeof rate !== 'number' || !Number.isInteger(rate) || rate < 1000 || rate > 384000) {
    throw new Error(`param audio.sample_rate must be an integer sample rate in Hz (1000..384000), got ${JSON.stringify(rate)}`);
  }
  return { sample_rate: rate, compression: parseCompression(v?.compression, 'audio.compression') };
}
