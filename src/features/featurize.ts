// The featurize stage's work, callable without the runner: audio.parquet → log-Mel of
// every clip on the pool (the worker reads and computes; the main thread only plans and
// gathers), output in sorted-id order. Tasks are runs of CLIPS_PER_TASK located clips,
// or one row group each when the file has to be decoded by parquet-wasm.
import pLimit from 'p-limit';
import type { Compression, EncodedPage } from '../io/parquet-rows.ts';
import type { WorkerPool } from '../pipeline/types.ts';
import { planAudioFile, type AudioFilePlan } from './audio-input.ts';
import { checkAgainstSampleRate, featureShape, type FeatureShape } from './extractor.ts';
import type { FeatureParams } from './params.ts';
import type { ClipsTask, RowGroupResult, RowGroupTask } from './tasks.ts';

const TASKS = new URL('./tasks.ts', import.meta.url);
/** ~0.1 s of work per task: enough pieces to balance the threads, few enough to cost nothing. */
const CLIPS_PER_TASK = 24;

export interface FeaturizeResult {
  ids: string[];
  sampleRate: number;
  shape: FeatureShape;
  /** ids.length · shape.size values, clip after clip, in `ids` (sorted) order. */
  logmel: Float32Array;
  /** With compression 'zstd': each clip's ZSTD page of features.parquet, in `ids` order (made by the workers). */
  pages?: EncodedPage[];
}

export interface FeaturizeOptions {
  pool: WorkerPool;
  progress?: (done: number, total: number) => void;
  /** 'zstd': the workers also compress each log-Mel into its features.parquet page. */
  compression?: Compression;
  /** From planFeatures, when the caller needed it first. */
  plan?: FeaturesPlan;
  /**
   * Called as soon as clips [start, start + count) of the output order are all done, in
   * order, each clip once, with the (partly filled) output arrays: the stage writes the
   * file while the workers are still computing (FeaturesWriter).
   */
  onRows?: (start: number, count: number, logmel: Float32Array, pages: readonly (EncodedPage | undefined)[] | undefined) => void;
}

/** What featurizing an audio.parquet gives, known before any log-Mel is computed. */
export interface FeaturesPlan {
  audio: AudioFilePlan;
  /** Clip ids in output order (sorted). */
  ids: string[];
  /** Output position of each row of the audio file. */
  slot: Int32Array;
  shape: FeatureShape;
  sampleRate: number;
}

export async function planFeatures(path: string, params: FeatureParams): Promise<FeaturesPlan> {
  const audio = await planAudioFile(path);
  checkAgainstSampleRate(params, audio.sampleRate);
  // output position of each file row: sorted by id, whatever order upstream wrote
  const order = audio.ids.map((id, row) => ({ id, row })).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const slot = new Int32Array(order.length);
  order.forEach((o, k) => (slot[o.row] = k));
  return { audio, ids: order.map((x) => x.id), slot, shape: featureShape(params, audio.sampleRate), sampleRate: audio.sampleRate };
}

export async function featurizeAudioFile(path: string, params: FeatureParams, o: FeaturizeOptions): Promise<FeaturizeResult> {
  const fp = o.plan ?? (await planFeatures(path, params));
  const { audio: plan, slot, shape } = fp;
  const n = plan.ids.length;
  const logmel = new Float32Array(n * shape.size);
  const compression = o.compression ?? 'none';
  const pages: EncodedPage[] | undefined = compression === 'zstd' ? new Array(n) : undefined;
  let done = 0;
  const ready = new Uint8Array(n);
  let prefix = 0; // clips [0, prefix) of the output order are done and handed to onRows
  o.progress?.(0, n);
  // Two tasks per worker in flight: no worker waits for its next task, and memory (a
  // task's audio) stays bounded.
  const limit = pLimit(Math.max(1, o.pool.size * 2));
  const stopOnError = (err: unknown) => {
    limit.clearQueue(); // a failed clip fails the stage: do not start the other tasks
    throw err;
  };
  // [first file row, rows, task] per task
  const tasks: [number, number, () => Promise<RowGroupResult>][] = [];
  if (plan.clips) {
    const clips = plan.clips;
    for (let start = 0; start < n; start += CLIPS_PER_TASK) {
      const rows = Math.min(CLIPS_PER_TASK, n - start);
      const task: ClipsTask = { path, clips: clips.slice(start, start + rows), sampleRate: plan.sampleRate, params, compression };
      tasks.push([start, rows, () => o.pool.run<RowGroupResult>(TASKS, 'logMelClips', task)]);
    }
  } else {
    plan.rowGroups.forEach(({ start, rows }, group) => {
      const task: RowGroupTask = { path, group, sampleRate: plan.sampleRate, params, compression };
      tasks.push([start, rows, () => o.pool.run<RowGroupResult>(TASKS, 'logMelRowGroup', task)]);
    });
  }
  await Promise.all(
    tasks.map(([start, rows, run]) => limit(async () => {
      const r = await run();
      if (r.ids.length !== rows) throw new Error(`${path}: rows ${start}..${start + rows - 1} gave ${r.ids.length} clips, expected ${rows}`);
      for (let i = 0; i < rows; i++) {
        if (r.ids[i] !== plan.ids[start + i]) throw new Error(`${path}: row ${start + i} is ${r.ids[i]}, expected ${plan.ids[start + i]}`);
        logmel.set(r.logmel.subarray(i * shape.size, (i + 1) * shape.size), slot[start + i] * shape.size);
        if (pages) {
          const page = r.pages?.[i];
          if (!page) throw new Error(`${path}: the worker returned no ZSTD page for row ${start + i}`);
          pages[slot[start + i]] = page;
        }
        ready[slot[start + i]] = 1;
      }
      if (o.onRows) {
        const from = prefix;
        while (prefix < n && ready[prefix]) prefix++;
        if (prefix > from) o.onRows(from, prefix - from, logmel, pages);
      }
      done += rows;
      o.progress?.(done, n);
    }).catch(stopOnError)),
  );
  return { ids: fp.ids, sampleRate: plan.sampleRate, shape, logmel, pages };
}
