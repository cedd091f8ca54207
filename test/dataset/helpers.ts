// Small synthetic RAVDESS-shaped datasets for the ingest/resample tests: WAV clips with
// the official names in the official folder layout, the same as FLAC, the same zipped
// like Audio_Speech_Actors_01-24.zip (entries "Actor_01/03-01-…wav"), plus bad files.
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import yazl from 'yazl';
import { makeFlac, makeWav, tone } from '../audio/fixtures.ts';

export interface Clip {
  id: string;
  channels: number;
  frames: number;
  samples: number[];
}

const actorOf = (id: string) => id.slice(-2);

/** A clip with a deterministic, id-dependent tone. */
export function clip(id: string, channels = 1, frames = 4800 + Number(id.slice(-5, -3)) * 10): Clip {
  const seed = [...id].reduce((s, c) => s + c.charCodeAt(0), 0);
  return { id, channels, frames, samples: tone(frames, channels, 16, 0.3, seed) };
}

export const officialPath = (id: string, ext = 'wav') => `Actor_${actorOf(id)}/${id}.${ext}`;

export async function writeFiles(root: string, files: Record<string, Uint8Array | string>): Promise<void> {
  for (const [rel, bytes] of Object.entries(files)) {
    const p = join(root, rel);
    await mkdir(dirname(p), { recursive: true });
    await writeFile(p, bytes);
  }
}

export const wavOf = (c: Clip) => makeWav({ samples: c.samples, channels: c.channels, sampleRate: 48000 });
export const flacOf = (c: Clip) => makeFlac(c.samples, c.channels, 48000, 16);

/** Write a zip with the given entries (deflated unless `store`), like the official one. */
export async function writeZip(path: string, entries: Record<string, Uint8Array | null>, store = false): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const zip = new yazl.ZipFile();
  const mtime = new Date(Date.UTC(2018, 2, 1));
  for (const [name, bytes] of Object.entries(entries)) {
    if (bytes === null) zip.addEmptyDirectory(name, { mtime });
    else zip.addBuffer(Buffer.from(bytes), name, { mtime, compress: !store });
  }
  zip.end();
  await new Promise<void>((resolve, reject) => {
    const out = createWriteStream(path);
    zip.outputStream.pipe(out).on('close', resolve).on('error', reject);
  });
}
