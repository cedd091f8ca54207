// The featurize stage's work, callable without the runner: every clip of an
// AudioClips set → log-Mel on the worker pool, in batches. Only the samples the
// features can use travel to the workers (the first duration_s seconds, or the whole
// clip when silence trimming decides where those seconds start).
import type { WorkerPool } from '../pipeline/types.ts';
import type { AudioClips } from './audio-input.ts';
import { featureShape, type FeatureShape } from './logmel.ts';
import { checkAgainstSampleRate, type FeatureParams } from './params.ts';
import type { LogMelBatch } from './tasks.ts';

const TASKS = new URL('./tasks.ts', import.meta.url);

export interface FeaturizeResult {
  ids: string[];
  shape: FeatureShape;
  /** ids.length · shape.size values, clip after clip, in `ids` order. */
  logmel: Float32Array;
}

export interface FeaturizeOptions {
  pool: WorkerPool;
  signal?: AbortSignal;
  progress?: (done: number, total: number) => void;
  /** Clips per worker task; default: about 4 tasks per worker, 8..64 clips each. */
  batchSize?: number;
}

export async function computeFeatures(clips: AudioClips, params: FeatureParams, o: FeaturizeOptions): Promise<FeaturizeResult> {
  checkAgainstSampleRate(params, clips.sampleRate);
  const shape = featureShape(params, clips.sampleRate);
  // sorted ids: the output does not depend on the order the upstream stage wrote
  const order = clips.ids.map((id, i) => ({ id, i })).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const n = order.length;
  const batchSize = o.batchSize ?? Math.min(64, Math.max(8, Math.ceil(n / (o.pool.size * 4))));
  const logmel = new Float32Array(n * shape.size);
  let done = 0;
  o.progress?.(0, n);
  const tasks: Promise<void>[] = [];
  for (let start = 0; start < n; start += batchSize) {
    const part = order.slice(start, start + batchSize);
    const views = part.map(({ i }) => {
      const s = clips.samples(i);
      return params.trim_silence ? s : s.subarray(0, Math.min(s.length, shape.nSamples));
    });
    const offsets = new Int32Array(part.length + 1);
    views.forEach((v, k) => (offsets[k + 1] = offsets[k] + v.length));
    const samples = new Float32Array(offsets[part.length]);
    views.forEach((v, k) => samples.set(v, offsets[k]));
    const batch: LogMelBatch = { params, sampleRate: clips.sampleRate, ids: part.map((p) => p.id), offsets, samples };
    tasks.push(
      o.pool.run<{ logmel: Float32Array }>(TASKS, 'logMelBatch', batch, [samples.buffer, offsets.buffer]).then((r) => {
        logmel.set(r.logmel, start * shape.size);
        done += part.length;
        o.progress?.(done, n);
      }),
    );
    o.signal?.throwIfAborted();
  }
  await Promise.all(tasks);
  return { ids: order.map((p) => p.id), shape, logmel };
}
