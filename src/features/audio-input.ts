// Reading audio.parquet (written by the resample stage): id, sample_rate, n_samples,
// samples (List<Float32>).
//
// Fast path — the files the resample stage writes (uncompressed PLAIN pages, see
// src/io/parquet-rows.ts): the main thread reads the footer, the small id/sample_rate/
// n_samples columns and the level bytes of `samples`, which give the byte offset of every
// clip's samples; a worker then reads just the samples it needs (the first duration_s
// seconds unless trimming) straight into a Float32Array. No decompression, no Arrow.
//
// Fallback — any other audio.parquet (compressed, dictionary pages; e.g. written by
// parquet-wasm in tests or by other tools): one row group per task, decoded by
// parquet-wasm in the worker (ranged read over a file-backed Blob).
import { closeSync, openAsBlob, openSync } from 'node:fs';
import type { Data, List, Table } from 'apache-arrow';
import type * as Pq from 'parquet-wasm/node';
import { locateFloatLists, parquetFooter, readFlatColumn, readFloatList, UnsupportedParquetError, type ListRowLocation } from '../io/parquet-rows.ts';

const REQUIRED = ['id', 'sample_rate', 'samples'];

// apache-arrow and parquet-wasm are loaded only on the fallback path (~0.35 s of CPU per
// thread that imports them).
const arrow = () => import('apache-arrow');
const parquetWasm = () => import('parquet-wasm/node') as Promise<typeof Pq>;

async function openParquet(path: string): Promise<Pq.ParquetFile> {
  try {
    const pq = await parquetWasm();
    return await pq.ParquetFile.fromFile(await openAsBlob(path));
  } catch (err) {
    throw new Error(`cannot read ${path}: ${String((err as Error).message ?? err)}`);
  }
}

/** Where one clip's samples are, for the fast path. */
export interface ClipLocation extends ListRowLocation {
  id: string;
}

export interface AudioFilePlan {
  path: string;
  ids: string[];
  sampleRate: number;
  /** Row groups in file order: file rows start .. start+rows−1. */
  rowGroups: { start: number; rows: number }[];
  /** Every clip's location in the file (file order), or null: read row groups with parquet-wasm. */
  clips: ClipLocation[] | null;
}

/** Ids, sample rate and layout of audio.parquet, with the checks that need all rows. */
export async function planAudioFile(path: string): Promise<AudioFilePlan> {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw new Error(`cannot read ${path}: ${(err as Error).message}`);
  }
  let plan: Omit<AudioFilePlan, 'path'> | null;
  try {
    plan = planFast(fd, path);
  } finally {
    closeSync(fd);
  }
  plan ??= await planWithParquetWasm(path);
  const { ids, sampleRate } = plan;
  if (ids.length === 0) throw new Error(`${path}: no clips (every clip failed to decode upstream?)`);
  if (!(sampleRate > 0)) throw new Error(`${path}: clip ${ids[0]} has sample rate ${sampleRate}`);
  const seen = new Set<string>();
  for (const id of ids) {
    if (seen.has(id)) throw new Error(`${path}: clip id ${id} appears twice`);
    seen.add(id);
  }
  return { path, ...plan };
}

function checkColumns(path: string, names: string[]): void {
  const missing = REQUIRED.filter((c) => !names.includes(c));
  if (missing.length) throw new Error(`${path}: no column(s) ${missing.join(', ')} (has ${names.join(', ')}) — not an audio.parquet from the resample stage`);
}

function checkRates(path: string, ids: string[], rates: ArrayLike<number>): number {
  const sampleRate = rates[0];
  for (let i = 0; i < ids.length; i++) {
    if (rates[i] !== sampleRate) throw new Error(`${path}: clip ${ids[i]} is at ${rates[i]} Hz, the first clip at ${sampleRate} Hz — all clips must share one rate`);
  }
  return sampleRate;
}

/** The fast plan, or null when the file's pages are not plain uncompressed ones. */
function planFast(fd: number, path: string): Omit<AudioFilePlan, 'path'> | null {
  let footer;
  try {
    footer = parquetFooter(fd);
  } catch (err) {
    throw new Error(`cannot read ${path}: ${(err as Error).message}`);
  }
  checkColumns(path, [...new Set([...footer.leaves.keys()].map((k) => k.split('.')[0]))]);
  const samplesLeaf = [...footer.leaves.keys()].find((k) => k.startsWith('samples.'));
  try {
    const ids: string[] = [];
    const rates: number[] = [];
    const clips: ClipLocation[] = [];
    const rowGroups: { start: number; rows: number }[] = [];
    for (const rg of footer.rowGroups) {
      const col = (name: string) => {
        const c = rg.columns.get(name);
        if (!c) throw new Error(`${path}: a row group has no column ${name}`);
        return c;
      };
      const rgIds = readFlatColumn(fd, col('id'), footer.leaves.get('id')!);
      const rgRates = readFlatColumn(fd, col('sample_rate'), footer.leaves.get('sample_rate')!);
      if (!Array.isArray(rgIds) || !(rgRates instanceof Int32Array)) throw new UnsupportedParquetError('id / sample_rate of another type');
      if (!samplesLeaf) throw new UnsupportedParquetError('samples is not a list');
      const located = locateFloatLists(fd, col(samplesLeaf), footer.leaves.get(samplesLeaf)!);
      if (located.length !== rgIds.length || rgRates.length !== rgIds.length) {
        throw new Error(`${path}: a row group has ${rgIds.length} ids, ${rgRates.length} sample rates and ${located.length} sample lists`);
      }
      const nSamples = rg.columns.has('n_samples') && footer.leaves.get('n_samples')!.maxDef <= 1 ? readFlatColumn(fd, col('n_samples'), footer.leaves.get('n_samples')!) : null;
      located.forEach((loc, r) => {
        const id = rgIds[r];
        if (loc.null) throw new Error(`${path}: clip ${id} has null samples`);
        if (nSamples instanceof Int32Array && nSamples[r] !== loc.length) throw new Error(`${path}: clip ${id} says n_samples ${nSamples[r]} but holds ${loc.length} samples`);
        clips.push({ id, ...loc });
      });
      rowGroups.push({ start: ids.length, rows: rgIds.length });
      ids.push(...rgIds);
      rates.push(...rgRates);
    }
    return { ids, sampleRate: ids.length ? checkRates(path, ids, rates) : NaN, rowGroups, clips };
  } catch (err) {
    if (err instanceof UnsupportedParquetError) return null;
    throw err;
  }
}

async function planWithParquetWasm(path: string): Promise<Omit<AudioFilePlan, 'path'>> {
  const { tableFromIPC } = await arrow();
  const file = await openParquet(path);
  const names = tableFromIPC(file.schema().intoIPCStream()).schema.fields.map((f) => f.name);
  checkColumns(path, names);
  const md = file.metadata();
  const rowGroups: { start: number; rows: number }[] = [];
  let start = 0;
  for (let g = 0; g < md.numRowGroups(); g++) {
    const rows = md.rowGroup(g).numRows();
    rowGroups.push({ start, rows });
    start += rows;
  }
  if (start === 0) return { ids: [], sampleRate: NaN, rowGroups, clips: null };
  const t = tableFromIPC((await file.read({ columns: ['id', 'sample_rate'] })).intoIPCStream());
  const ids = t.getChild('id')!.toArray() as string[];
  const rates = t.getChild('sample_rate')!.toArray() as Int32Array;
  return { ids, sampleRate: checkRates(path, ids, rates), rowGroups, clips: null };
}

/**
 * Read clips located by planAudioFile (fast path) into one buffer: clip k's samples are
 * `samples.subarray(starts[k], starts[k] + lengths[k])`, at most `limit` samples each
 * (null = the whole clip). `alloc(n)` gives the buffer (n floats; default a new array).
 */
export function readClips(path: string, clips: ListRowLocation[], limit: number | null, alloc: (n: number) => Float32Array = (n) => new Float32Array(n)): { samples: Float32Array; starts: Int32Array; lengths: Int32Array } {
  const lengths = Int32Array.from(clips, (c) => (limit === null ? c.length : Math.min(c.length, limit)));
  const starts = new Int32Array(clips.length);
  let total = 0;
  lengths.forEach((n, k) => {
    starts[k] = total;
    total += n;
  });
  const samples = alloc(total);
  const fd = openSync(path, 'r');
  try {
    clips.forEach((c, k) => readFloatList(fd, c, samples.subarray(starts[k], starts[k] + lengths[k]), lengths[k]));
  } finally {
    closeSync(fd);
  }
  return { samples, starts, lengths };
}

export interface AudioRows {
  ids: string[];
  sampleRates: Int32Array;
  /** Row i's mono samples: a view into the Arrow buffers, no copy. */
  samples(i: number): Float32Array;
}

/** One row group of audio.parquet through parquet-wasm (the fallback path, in a worker). */
export async function readAudioRowGroup(path: string, group: number): Promise<AudioRows> {
  const { tableFromIPC } = await arrow();
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
