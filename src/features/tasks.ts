// Worker task module of the featurize stage (run on the shared pool): a batch of clips
// in one message (concatenated samples + offsets, moved not copied), their log-Mels
// back in one moved buffer. Batching amortizes the message passing; each worker keeps
// its own cached extractor (window, FFT tables, filterbank).
import { withTransfer } from '../pipeline/task.ts';
import { logMelExtractor } from './logmel.ts';
import type { FeatureParams } from './params.ts';

export interface LogMelBatch {
  params: FeatureParams;
  sampleRate: number;
  ids: string[];
  /** Clip i is samples[offsets[i] .. offsets[i+1]). */
  offsets: Int32Array;
  samples: Float32Array;
}

export function logMelBatch(batch: LogMelBatch) {
  const ex = logMelExtractor(batch.params, batch.sampleRate);
  const size = ex.shape.size;
  const n = batch.ids.length;
  const out = new Float32Array(n * size);
  for (let i = 0; i < n; i++) {
    const clip = batch.samples.subarray(batch.offsets[i], batch.offsets[i + 1]);
    for (let j = 0; j < clip.length; j++) {
      if (!Number.isFinite(clip[j])) throw new Error(`clip ${batch.ids[i]}: sample ${j} is ${clip[j]} (audio must be finite)`);
    }
    ex.compute(clip, out.subarray(i * size, (i + 1) * size));
  }
  return withTransfer({ logmel: out });
}
