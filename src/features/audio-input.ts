// Reading audio.parquet (written by the resample stage): id, sample_rate, n_samples,
// samples (List<Float32>). Decoding the samples column is the expensive part (~3.5 ms
// of CPU per clip measured here, as much as its log-Mel), so it is done by the pool
// workers, one row group each, with parquet-wasm's ranged reader over a file-backed
// Blob: a worker reads only its row group's bytes, not the whole ~300 MB file. The
// main thread reads just the small id/sample_rate columns to plan the work.
import { openAsBlob } from 'node:fs';
import type { Data, List, Table } from 'apache-arrow';
import { tableFromIPC } from 'apache-arrow';
import * as pq from 'parquet-wasm/node';

const REQUIRED = ['id', 'sample_rate', 'samples'];

async function openParquet(path: string): Promise<pq.ParquetFile> {
  try {
    return await pq.ParquetFile.fromFile(await openAsBlob(path));
  } catch (err) {
    throw new Error(`cannot read ${path}: ${String((err as Error).message ?? err)}`);
  }
}

export interface AudioFilePlan {
  path: string;
  ids: string[];
  sampleRate: number;
  /** Row groups in file order: file rows start .. start+rows−1. */
  rowGroups: { start: number; rows: number }[];
}

/** Ids, sample rate and row-group layout of audio.parquet, with the checks that need all rows. */
export async function planAudioFile(path: string): Promise<AudioFilePlan> {
  const file = await openParquet(path);
  const names = tableFromIPC(file.schema().intoIPCStream()).schema.fields.map((f) => f.name);
  const missing = REQUIRED.filter((c) => !names.includes(c));
  if (missing.length) throw new Error(`${path}: no column(s) ${missing.join(', ')} (has ${names.join(', ')}) — not an audio.parquet from the resample stage`);
  const md = file.metadata();
  const rowGroups: { start: number; rows: number }[] = [];
  let start = 0;
  for (let g = 0; g < md.numRowGroups(); g++) {
    const rows = md.rowGroup(g).numRows();
    rowGroups.push({ start, rows });
    start += rows;
  }
  if (start === 0) throw new Error(`${path}: no clips (every clip failed to decode upstream?)`);
  const t = tableFromIPC((await file.read({ columns: ['id', 'sample_rate'] })).intoIPCStream());
  const ids = t.getChild('id')!.toArray() as string[];
  const rates = t.getChild('sample_rate')!.toArray() as Int32Array;
  const sampleRate = rates[0];
  if (!(sampleRate > 0)) throw new Error(`${path}: clip ${ids[0]} has sample rate ${sampleRate}`);
  for (let i = 0; i < ids.length; i++) {
    if (rates[i] !== sampleRate) throw new Error(`${path}: clip ${ids[i]} is at ${rates[i]} Hz, the first clip at ${sampleRate} Hz — all clips must share one rate`);
  }
  const seen = new Set<string>();
  for (const id of ids) {
    if (seen.has(id)) throw new Error(`${path}: clip id ${id} appears twice`);
    seen.add(id);
  }
  return { path, ids, sampleRate, rowGroups };
}

export interface AudioRows {
  ids: string[];
  sampleRates: Int32Array;
  /** Row i's mono samples: a view into the Arrow buffers, no copy. */
  samples(i: number): Float32Array;
}

/** One row group of audio.parquet (in a worker). */
export async function readAudioRowGroup(path: string, group: number): Promise<AudioRows> {
  const file = await openParquet(path);
  const table = tableFromIPC((await file.read({ rowGroups: [group], columns: REQUIRED })).intoIPCStream());
  return audioRowsFromTable(table, path);
}

export function audioRowsFromTable(table: Table, path: string): AudioRows {
  const ids = table.getChild('id')!.toArray() as string[];
  const sampleRates = Int32Array.from(table.getChild('sample_rate')!.toArray() as ArrayLike<number>);
  const views: Float32Array[] = [];
  for (const d of table.getChild('samples')!.data as Data<List>[]) {
    const values = d.children[0].values as unknown;
    if (!(values instanceof Float32Array)) throw new Error(`${path}: column 'samples' must be List<Float32>, got ${String(d.type)}`);
    const offsets = d.valueOffsets;
    const base = d.children[0].offset;
    for (let r = 0; r < d.length; r++) {
      if (d.nullCount > 0 && !d.getValid(d.offset + r)) throw new Error(`${path}: clip ${ids[views.length]} has null samples`);
      views.push(values.subarray(base + offsets[d.offset + r], base + offsets[d.offset + r + 1]));
    }
  }
  return { ids, sampleRates, samples: (i) => views[i] };
}
