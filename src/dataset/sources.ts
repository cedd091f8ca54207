// What `dataset.path` may point at, and the list of clips found there:
//   - a folder of WAV and/or FLAC files, any depth (the extracted official zip:
//     Actor_01/03-01-01-01-01-01-01.wav …; the FLAC copy with the same names; a flat
//     folder of one's own clips);
//   - the official zip itself (Audio_Speech_Actors_01-24.zip), read in place;
//   - a folder holding such a zip (what the downloader produces: data/raw/ravdess/).
// Hidden files, macOS `__MACOSX/` forks and files that are not audio (MANIFEST.tsv,
// README, …) are skipped and counted; every audio-like file becomes a source, good or
// bad, so that ingest can give each one a status and a reason.
import { closeSync, existsSync, fstatSync, openSync, readSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { listZip, readZipEntry, type ZipEntryRef } from './zip.ts';

/** Extensions read as audio (decoded by content, whatever the extension says). */
export const AUDIO_EXTENSIONS = ['.wav', '.wave', '.flac'];
/** Audio formats we recognise but do not read: listed, so they are reported, not lost. */
export const OTHER_AUDIO_EXTENSIONS = ['.mp3', '.ogg', '.oga', '.opus', '.m4a', '.aac', '.aif', '.aiff', '.aifc', '.wma', '.mp4', '.webm'];

export type SourceRef =
  | { kind: 'file'; /** absolute path */ path: string; /** relative to the dataset root, '/'-separated */ rel: string }
  | { kind: 'zip'; entry: ZipEntryRef; rel: string };

export interface Discovery {
  /** Absolute dataset path. */
  root: string;
  /** "zip" | "folder of N WAV, M FLAC" | "folder with zip" … (for logs). */
  layout: string;
  sources: SourceRef[];
  /** Files that were not considered (not audio), relative paths. */
  skipped: string[];
}

export class DatasetMissingError extends Error {
  constructor(readonly path: string) {
    super(`dataset not found: ${path}`);
    this.name = 'DatasetMissingError';
  }
}

const ext = (name: string): string => {
  const base = name.slice(name.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot).toLowerCase() : '';
};
const ignored = (rel: string): boolean => rel.split('/').some((part) => part.startsWith('.') || part === '__MACOSX');
const isAudioName = (rel: string): boolean => AUDIO_EXTENSIONS.includes(ext(rel)) || OTHER_AUDIO_EXTENSIONS.includes(ext(rel));

async function walk(dir: string, out: string[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  for (const e of entries) {
    const full = join(dir, e.name);
    if (e.isDirectory()) await walk(full, out);
    else if (e.isFile() || e.isSymbolicLink()) out.push(full);
  }
}

/** List every clip under `root` (a folder or a zip). Sources come sorted by `rel`. */
export async function discoverSources(root: string): Promise<Discovery> {
  let st;
  try {
    st = await stat(root);
  } catch {
    throw new DatasetMissingError(root);
  }
  const sources: SourceRef[] = [];
  const skipped: string[] = [];
  const addZip = async (zipPath: string, prefix: string) => {
    for (const entry of await listZip(zipPath)) {
      const rel = prefix + entry.name;
      if (ignored(entry.name)) continue;
      if (isAudioName(entry.name)) sources.push({ kind: 'zip', entry, rel });
      else skipped.push(rel);
    }
  };
  let layout: string;
  if (st.isFile()) {
    if (ext(root) !== '.zip') throw new Error(`dataset.path ${root} is a file but not a .zip; give a folder of audio files or the official zip`);
    await addZip(root, '');
    layout = 'zip';
  } else {
    const files: string[] = [];
    await walk(root, files);
    let zips = 0;
    for (const full of files.sort()) {
      // (path.relative per file was most of a cold discovery's time)
      const rel = (full.startsWith(root + sep) ? full.slice(root.length + 1) : relative(root, full)).split(sep).join('/');
      if (ignored(rel)) continue;
      if (ext(rel) === '.zip') {
        await addZip(full, `${rel}!`);
        zips++;
      } else if (isAudioName(rel)) sources.push({ kind: 'file', path: full, rel });
      else skipped.push(rel);
    }
    const counts = new Map<string, number>();
    for (const s of sources) if (s.kind === 'file') counts.set(ext(s.rel), (counts.get(ext(s.rel)) ?? 0) + 1);
    const parts = [...counts].map(([e, n]) => `${n} ${e.slice(1).toUpperCase()}`);
    if (zips) parts.push(`${zips} zip${zips > 1 ? 's' : ''}`);
    layout = `folder (${parts.join(', ') || 'no audio files'})`;
  }
  sources.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  return { root, layout, sources, skipped };
}

/**
 * The sources of these `rel` names (as discoverSources names them) under `root`, without
 * walking the folder again: a file is root/rel, and only zips are listed (their entries'
 * offsets). Names with no such file or entry come back in `missing`. For resample, which
 * gets the names from ingest's manifest (a second walk cost ~70 ms of cold-JIT main-thread
 * time before any task could start).
 */
export async function resolveSources(root: string, rels: readonly string[]): Promise<{ refs: Map<string, SourceRef>; missing: string[] }> {
  let st;
  try {
    st = await stat(root);
  } catch {
    throw new DatasetMissingError(root);
  }
  const zips = new Map<string, Promise<Map<string, ZipEntryRef>>>();
  const entriesOf = (zipPath: string) => {
    let p = zips.get(zipPath);
    if (!p) zips.set(zipPath, (p = listZip(zipPath).then((list) => new Map(list.map((e) => [e.name, e])))));
    return p;
  };
  const refs = new Map<string, SourceRef>();
  const missing: string[] = [];
  for (const rel of rels) {
    const bang = rel.indexOf('!');
    const inZip = st.isFile() ? { zip: root, name: rel } : bang >= 0 ? { zip: join(root, rel.slice(0, bang)), name: rel.slice(bang + 1) } : null;
    if (inZip) {
      const entry = existsSync(inZip.zip) ? (await entriesOf(inZip.zip)).get(inZip.name) : undefined;
      if (entry) refs.set(rel, { kind: 'zip', entry, rel });
      else missing.push(rel);
    } else {
      const path = join(root, rel);
      if (existsSync(path)) refs.set(rel, { kind: 'file', path, rel });
      else missing.push(rel);
    }
  }
  return { refs, missing };
}

/** The bytes of a source (zip entries: inflated and checked against the directory's CRC-32). */
export async function readSource(ref: SourceRef): Promise<Uint8Array> {
  if (ref.kind === 'zip') return readZipEntry(ref.entry);
  return readFile(ref.path);
}

let scratch = Buffer.alloc(0);

/**
 * readSource for a worker that is done with the bytes before its next read: a file is
 * read into this thread's reusable buffer (a fresh 0.4 MB Buffer per clip cost more in
 * allocation and page faults than the read itself). The bytes are valid until the next
 * call on this thread.
 */
export function readSourceTransient(ref: SourceRef): Uint8Array {
  if (ref.kind === 'zip') return readZipEntry(ref.entry);
  const fd = openSync(ref.path, 'r');
  try {
    const size = fstatSync(fd).size;
    if (scratch.length < size) scratch = Buffer.allocUnsafe(Math.max(size, scratch.length * 2, 1 << 20));
    let got = 0;
    for (;;) {
      if (got === scratch.length) {
        // the file grew since fstat: keep reading into a bigger buffer
        const bigger = Buffer.allocUnsafe(scratch.length * 2);
        scratch.copy(bigger, 0, 0, got);
        scratch = bigger;
      }
      const n = readSync(fd, scratch, got, scratch.length - got, got);
      if (n === 0) break;
      got += n;
    }
    return scratch.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}
