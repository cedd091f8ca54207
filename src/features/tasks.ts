// Worker task module of the featurize stage (run on the shared pool). A task is one
// row group of audio.parquet: the worker reads it itself (ranged read, see
// audio-input.ts), computes every clip's log-Mel with its cached extractor (window,
// FFT tables, filterbank) and moves the results back in one buffer.
import { withTransfer } from '../pipeline/task.ts';
import { readAudioRowGroup } from './audio-input.ts';
import { logMelExtractor } from './extractor.ts';
import type { FeatureParams } from './params.ts';

export interface RowGroupTask {
  path: string;
  group: number;
  /** The rate every clip must have (checked on the whole file by the planner). */
  sampleRate: number;
  params: FeatureParams;
}

export interface RowGroupResult {
  ids: string[];
  /** ids.length · n_mels · n_frames values, in row order. */
  logmel: Float32Array;
}

export async function logMelRowGroup(task: RowGroupTask) {
  const rows = await readAudioRowGroup(task.path, task.group);
  const ex = logMelExtractor(task.params, task.sampleRate);
  const size = ex.shape.size;
  const n = rows.ids.length;
  const out = new Float32Array(n * size);
  for (let i = 0; i < n; i++) {
    const id = rows.ids[i];
    if (rows.sampleRates[i] !== task.sampleRate) throw new Error(`clip ${id}: ${rows.sampleRates[i]} Hz, expected ${task.sampleRate} Hz`);
    const clip = rows.samples(i);
    checkFinite(id, clip);
    ex.compute(clip, out.subarray(i * size, (i + 1) * size));
  }
  return withTransfer<RowGroupResult>({ ids: rows.ids, logmel: out }, [out.buffer]);
}

function checkFinite(id: string, clip: Float32Array): void {
  for (let j = 0; j < clip.length; j++) {
    if (!Number.isFinite(clip[j])) throw new Error(`clip ${id}: sample ${j} is ${clip[j]} (audio must be finite)`);
  }
}
