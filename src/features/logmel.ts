// The log-Mel front end, shared by the featurize stage and `ser predict` (one source of
// truth): samples at the audio sample rate → optional silence trim → first duration_s
// seconds (zero-padded) → periodic-Hann STFT (center, zero pad) → power → mel
// filterbank → dB with per-clip top_db clamp. Output: Float32Array of nMels·nFrames,
// row-major (row = mel band, column = frame), exactly librosa's numbers.
import { logMelExtractor } from './extractor.ts';
import { parseFeatureParams, type FeatureParams } from './params.ts';

export { checkAgainstSampleRate, featureShape, LogMelExtractor, logMelExtractor, type FeatureShape } from './extractor.ts';

/**
 * Log-Mel spectrogram of one clip: Float32Array(n_mels · n_frames), row-major mel × frame.
 * `params` may be raw (from pipeline.yaml or a model's meta.json); it is validated.
 */
export function logMel(samples: Float32Array, params: FeatureParams | Record<string, unknown>, sampleRate = 16000): Float32Array {
  return logMelExtractor(parseFeatureParams(params), sampleRate).compute(samples);
}
