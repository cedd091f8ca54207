// ingest's prepare step: make sure `dataset.path` holds data before the engine hashes
// it. When it holds none and dataset.download is on, fetch the official zip into it
// (data/raw/ravdess/Audio_Speech_Actors_01-24.zip by default, read in place by ingest);
// otherwise, or when the download fails, stop with a message that says exactly where
// to put the data.
import { readdir, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { download, DownloadError, RAVDESS_ZIP } from './download.ts';
import type { DatasetParams } from './params.ts';
import { AUDIO_EXTENSIONS } from './sources.ts';

/** True when `path` is a file, or a folder with at least one audio file or zip in it. */
export async function hasData(path: string): Promise<boolean> {
  let st;
  try {
    st = await stat(path);
  } catch {
    return false;
  }
  if (st.isFile()) return true;
  if (!st.isDirectory()) return false;
  const entries = await readdir(path, { recursive: true });
  return entries.some((e) => {
    const lower = e.toLowerCase();
    return lower.endsWith('.zip') || AUDIO_EXTENSIONS.some((x) => lower.endsWith(x));
  });
}

/** Where the downloader puts the zip for a given dataset.path. */
export function downloadTarget(absPath: string): string {
  return absPath.toLowerCase().endsWith('.zip') ? absPath : join(absPath, RAVDESS_ZIP.name);
}

/**
 * The partial download sits beside dataset.path, not inside it: the path itself only
 * appears with the verified zip, so an interrupted download leaves the data "missing"
 * and the next run's prepare step resumes it.
 */
export function partialPath(absPath: string): string {
  return `${absPath}${absPath.toLowerCase().endsWith('.zip') ? '' : '.zip'}.part`;
}

/** The message for "no data here": every way to provide it. */
export function whereToPutData(absPath: string, root: string, p: DatasetParams): string {
  const shown = relative(root, absPath) || '.';
  const zipAt = relative(root, downloadTarget(absPath));
  return [
    `RAVDESS is not at ${shown} (dataset.path = ${p.path}). Provide it in one of these ways:`,
    `  - put the official zip ${RAVDESS_ZIP.name} (Zenodo record 1188976, md5 ${RAVDESS_ZIP.md5}) at ${zipAt}`,
    `    (download: ${RAVDESS_ZIP.url})`,
    ...(absPath.toLowerCase().endsWith('.zip') ? [] : [`  - or extract it there: ${join(shown, 'Actor_01')}/03-01-01-01-01-01-01.wav … ${join(shown, 'Actor_24')}/…`]),
    `  - or point dataset.path at a copy you have (folder of WAV/FLAC or the zip): npx ser run --set dataset.path=<path>, or make … DATA=<path>`,
  ].join('\n');
}

export interface EnsureOptions {
  root: string;
  absPath: string;
  params: DatasetParams;
  signal?: AbortSignal;
  log: (m: string) => void;
  progress?: (done: number, total: number, note?: string) => void;
  /** For tests: fewer/faster retries. */
  retries?: number;
  retryDelayMs?: number;
}

export async function ensureDataset(o: EnsureOptions): Promise<void> {
  if (await hasData(o.absPath)) return;
  if (!o.params.download) {
    throw new Error(`${whereToPutData(o.absPath, o.root, o.params)}\n(dataset.download is false, so nothing was downloaded.)`);
  }
  const dest = downloadTarget(o.absPath);
  o.log(`RAVDESS not found at ${relative(o.root, o.absPath) || '.'}: downloading ${o.params.url} → ${relative(o.root, dest)} (208.5 MB; resumable)`);
  try {
    await download({
      url: o.params.url, dest, part: partialPath(o.absPath), md5: o.params.md5, signal: o.signal, log: o.log, progress: o.progress,
      retries: o.retries, retryDelayMs: o.retryDelayMs,
    });
  } catch (err) {
    if (o.signal?.aborted) throw err;
    const why = err instanceof DownloadError ? err.message : String((err as Error).message ?? err);
    const offline = err instanceof DownloadError && err.offline ? ' This machine seems to be offline.' : '';
    throw new Error(`Download failed: ${why}${offline}\n${whereToPutData(o.absPath, o.root, o.params)}`);
  }
  if (!(await hasData(o.absPath))) throw new Error(`download finished but ${o.absPath} holds no data`);
}
