// Reading audio.parquet (written by the resample stage): id, sample_rate, n_samples,
// samples (List<Float32>). The samples stay in the Arrow buffers: each clip is a
// Float32Array view (values.subarray(offsets[i], offsets[i+1])), no copy.
import type { Data, List, Table } from 'apache-arrow';
import { readParquetFile } from '../io/parquet.ts';

export interface AudioClips {
  ids: string[];
  sampleRate: number;
  /** Clip i's mono samples, a view into the file's Arrow buffers. */
  samples(i: number): Float32Array;
}

export async function readAudioClips(path: string): Promise<AudioClips> {
  const table = await readParquetFile(path, { columns: ['id', 'sample_rate', 'samples'] }).catch((err: Error) => {
    throw new Error(`featurize: cannot use ${path}: ${err.message}`);
  });
  return audioClipsFromTable(table, path);
}

export function audioClipsFromTable(table: Table, path: string): AudioClips {
  if (table.numRows === 0) throw new Error(`${path}: no clips (every clip failed to decode upstream?)`);
  const ids = table.getChild('id')!.toArray() as string[];
  const rates = table.getChild('sample_rate')!.toArray() as Int32Array;
  const views: Float32Array[] = [];
  for (const d of table.getChild('samples')!.data as Data<List>[]) {
    const offsets = d.valueOffsets;
    const values = d.children[0].values as unknown;
    if (!(values instanceof Float32Array)) throw new Error(`${path}: column 'samples' must be List<Float32>, got ${String(d.type)}`);
    const base = d.children[0].offset;
    for (let r = 0; r < d.length; r++) {
      if (d.nullCount > 0 && !d.getValid(d.offset + r)) {
        throw new Error(`${path}: clip ${ids[views.length]} has null samples`);
      }
      views.push(values.subarray(base + offsets[d.offset + r], base + offsets[d.offset + r + 1]));
    }
  }
  const sampleRate = rates[0];
  for (let i = 0; i < ids.length; i++) {
    if (rates[i] !== sampleRate) throw new Error(`${path}: clip ${ids[i]} is at ${rates[i]} Hz, the first clip at ${sampleRate} Hz — all clips must share one rate`);
  }
  const seen = new Set<string>();
  for (const id of ids) {
    if (seen.has(id)) throw new Error(`${path}: clip id ${id} appears twice`);
    seen.add(id);
  }
  return { ids, sampleRate, samples: (i) => views[i] };
}
