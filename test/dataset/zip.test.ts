import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { discoverSources, readSource, resolveSources } from '../../src/dataset/sources.ts';
import { listZip, readZipEntry } from '../../src/dataset/zip.ts';
import { clip, officialPath, wavOf, writeFiles, writeZip } from './helpers.ts';

describe('zip reading (official Audio_Speech_Actors_01-24.zip layout)', () => {
  it('lists entries with data offsets and reads deflated and stored entries back, CRC-checked', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'zip-'));
    const a = wavOf(clip('03-01-01-01-01-01-01'));
    const b = wavOf(clip('03-01-03-02-01-02-02', 2));
    const zipPath = join(dir, 'Audio_Speech_Actors_01-24.zip');
    await writeZip(zipPath, { 'Actor_01/': null, [officialPath('03-01-01-01-01-01-01')]: a, [officialPath('03-01-03-02-01-02-02')]: b });
    const entries = await listZip(zipPath);
    expect(entries.map((e) => e.name)).toEqual(['Actor_01/03-01-01-01-01-01-01.wav', 'Actor_02/03-01-03-02-01-02-02.wav']);
    expect(entries[0].method).toBe(8);
    expect(readZipEntry(entries[0]).equals(Buffer.from(a))).toBe(true);
    expect(readZipEntry(entries[1]).equals(Buffer.from(b))).toBe(true);

    const stored = join(dir, 'stored.zip');
    await writeZip(stored, { 'x/03-01-01-01-01-01-01.wav': a }, true);
    const [s] = await listZip(stored);
    expect(s.method).toBe(0);
    expect(Buffer.from(readZipEntry(s)).equals(Buffer.from(a))).toBe(true);
  });

  it('detects a corrupted entry (CRC-32) and names the problem', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'zip-'));
    const zipPath = join(dir, 'a.zip');
    await writeZip(zipPath, { 'Actor_01/03-01-01-01-01-01-01.wav': wavOf(clip('03-01-01-01-01-01-01')) }, true);
    const [e] = await listZip(zipPath);
    const bytes = await readFile(zipPath);
    bytes[e.dataStart + 100] ^= 0xff;
    await writeFile(zipPath, bytes);
    expect(() => readZipEntry(e)).toThrow(/corrupt zip entry: CRC-32 [0-9a-f]{8}, the directory says [0-9a-f]{8}/);
  });

  it('refuses a file that is not a zip, naming it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'zip-'));
    const p = join(dir, 'fake.zip');
    await writeFile(p, 'this is not a zip archive at all, just text');
    await expect(listZip(p)).rejects.toThrow(/fake\.zip is not a readable zip archive/);
  });
});

describe('dataset layouts', () => {
  it('finds clips in a folder, in a zip, and in a zip inside a folder; skips junk', async () => {
    const root = await mkdtemp(join(tmpdir(), 'layout-'));
    const a = wavOf(clip('03-01-01-01-01-01-01'));
    await writeFiles(join(root, 'folder'), {
      'Actor_01/03-01-01-01-01-01-01.wav': a, 'Actor_01/notes.txt': 'x', '.DS_Store': 'x',
      '__MACOSX/Actor_01/._03-01-01-01-01-01-01.wav': 'x', 'Actor_02/03-01-02-01-01-01-02.mp3': 'x',
    });
    const folder = await discoverSources(join(root, 'folder'));
    expect(folder.sources.map((s) => s.rel)).toEqual(['Actor_01/03-01-01-01-01-01-01.wav', 'Actor_02/03-01-02-01-01-01-02.mp3']);
    expect(folder.skipped).toEqual(['Actor_01/notes.txt']);
    expect(folder.layout).toBe('folder (1 WAV, 1 MP3)');

    const zipPath = join(root, 'dl', 'Audio_Speech_Actors_01-24.zip');
    await writeZip(zipPath, { 'Actor_01/': null, 'Actor_01/03-01-01-01-01-01-01.wav': a, '__MACOSX/Actor_01/._x.wav': new Uint8Array(3), 'Actor_01/readme.md': new Uint8Array(1) });
    const zip = await discoverSources(zipPath);
    expect(zip.layout).toBe('zip');
    expect(zip.sources.map((s) => [s.kind, s.rel])).toEqual([['zip', 'Actor_01/03-01-01-01-01-01-01.wav']]);
    expect(Buffer.from(await readSource(zip.sources[0])).equals(Buffer.from(a))).toBe(true);

    const holder = await discoverSources(join(root, 'dl'));
    expect(holder.sources.map((s) => s.rel)).toEqual(['Audio_Speech_Actors_01-24.zip!Actor_01/03-01-01-01-01-01-01.wav']);
    expect(holder.layout).toBe('folder (1 zip)');
  });

  it('reports a missing path and a non-zip file clearly', async () => {
    const root = await mkdtemp(join(tmpdir(), 'layout-'));
    await expect(discoverSources(join(root, 'nothing'))).rejects.toThrow(/dataset not found: .*nothing/);
    await writeFile(join(root, 'a.tar'), 'x');
    await expect(discoverSources(join(root, 'a.tar'))).rejects.toThrow(/is a file but not a \.zip/);
  });

  it('resolveSources finds what discoverSources found, in a folder, a zip and a folder holding a zip, and names what is gone', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'resolve-'));
    const ids = ['03-01-01-01-01-01-01', '03-01-03-02-01-02-02'];
    const files = Object.fromEntries(ids.map((id, i) => [officialPath(id), wavOf(clip(id, i + 1))]));
    const folder = join(dir, 'folder');
    await writeFiles(folder, files);
    const zip = join(dir, 'Audio_Speech_Actors_01-24.zip');
    await writeZip(zip, files);
    const holder = join(dir, 'holder');
    await writeZip(join(holder, 'Audio_Speech_Actors_01-24.zip'), files);
    for (const root of [folder, zip, holder]) {
      const found = await discoverSources(root);
      expect(found.sources.length).toBe(2);
      const { refs, missing } = await resolveSources(root, [...found.sources.map((s) => s.rel), 'Actor_09/nope.wav']);
      expect(missing).toEqual(['Actor_09/nope.wav']);
      for (const s of found.sources) {
        expect(refs.get(s.rel)).toEqual(s);
        expect(Buffer.from(await readSource(refs.get(s.rel)!)).equals(Buffer.from(await readSource(s)))).toBe(true);
      }
    }
    await expect(resolveSources(join(dir, 'absent'), [])).rejects.toThrow(/dataset not found/);
  });
});
