// The featurize stage's work, callable without the runner: audio.parquet → log-Mel of
// every clip, one pool task per row group (the worker reads and computes; the main
// thread only plans and gathers), output in sorted-id order.
import pLimit from 'p-limit';
import type { WorkerPool } from '../pipeline/types.ts';
import { planAudioFile } from './audio-input.ts';
import { checkAgainstSampleRate, featureShape, type FeatureShape } from './extractor.ts';
import type { FeatureParams } from './params.ts';
import type { RowGroupResult, RowGroupTask } from './tasks.ts';

const TASKS = new URL('./tasks.ts', import.meta.url);

export interface FeaturizeResult {
  ids: string[];
  sampleRate: number;
  shape: FeatureShape;
  /** ids.length · shape.size values, clip after clip, in `ids` (sorted) order. */
  logmel: Float32Array;
}

export interface FeaturizeOptions {
  pool: WorkerPool;
  progress?: (done: number, total: number) => void;
}

export async function featurizeAudioFile(path: string, params: FeatureParams, o: FeaturizeOptions): Promise<FeaturizeResult> {
  const plan = await planAudioFile(path);
  checkAgainstSampleRate(params, plan.sampleRate);
  const shape = featureShape(params, plan.sampleRate);
  const n = plan.ids.length;
  // output position of each file row: sorted by id, whatever order upstream wrote
  const order = plan.ids.map((id, row) => ({ id, row })).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const slot = new Int32Array(n);
  order.forEach((o, k) => (slot[o.row] = k));
  const logmel = new Float32Array(n * shape.size);
  let done = 0;
  o.progress?.(0, n);
  // One task per row group (the resample stage writes 128 clips per group, so the
  // corpus is 12 tasks). Two tasks per worker in flight: no worker waits for its next
  // task, and memory (a row group of audio per task) stays bounded.
  const limit = pLimit(Math.max(1, o.pool.size * 2));
  const stopOnError = (err: unknown) => {
    limit.clearQueue(); // a failed clip fails the stage: do not start the other groups
    throw err;
  };
  await Promise.all(
    plan.rowGroups.map(({ start, rows }, group) => limit(async () => {
      const task: RowGroupTask = { path, group, sampleRate: plan.sampleRate, params };
      const r = await o.pool.run<RowGroupResult>(TASKS, 'logMelRowGroup', task);
      if (r.ids.length !== rows) throw new Error(`${path}: row group ${group} gave ${r.ids.length} clips, expected ${rows}`);
      for (let i = 0; i < rows; i++) {
        if (r.ids[i] !== plan.ids[start + i]) throw new Error(`${path}: row group ${group} row ${i} is ${r.ids[i]}, expected ${plan.ids[start + i]}`);
        logmel.set(r.logmel.subarray(i * shape.size, (i + 1) * shape.size), slot[start + i] * shape.size);
      }
      done += rows;
      o.progress?.(done, n);
    }).catch(stopOnError)),
  );
  return { ids: order.map((x) => x.id), sampleRate: plan.sampleRate, shape, logmel };
}
