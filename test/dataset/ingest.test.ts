// The ingest stage on small synthetic datasets in every accepted layout, with every
// kind of bad file mixed in. Synthetic clips are not the official audio, so under
// verify=warn they come out `modified` (the `ok` path against the real checksums is in
// ravdess-integration.test.ts, and clipRow's logic is tested directly below).
import { statSync } from 'node:fs';
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import ingest from '../../stages/ingest.ts';
import { clipRow } from '../../src/dataset/manifest.ts';
import { parseRavdessName, type RavdessLabels } from '../../src/dataset/ravdess.ts';
import { readParquetFile } from '../../src/io/parquet.ts';
import { createTestContext, destroySharedPool } from '../../src/pipeline/testing.ts';
import { makeWav, tone } from '../audio/fixtures.ts';
import { clip, flacOf, officialPath, wavOf, writeFiles, writeZip } from './helpers.ts';

afterAll(() => destroySharedPool());

const GOOD = ['03-01-01-01-01-01-01', '03-01-05-02-01-01-01', '03-01-03-01-02-02-02', '03-01-02-01-01-01-03'];
const clips = Object.fromEntries(GOOD.map((id) => [id, clip(id, id === '03-01-05-02-01-01-01' ? 2 : 1)]));

async function runIngest(path: string, verify = 'warn', root?: string, extra: Record<string, unknown> = {}) {
  const ctx = await createTestContext({ stage: 'ingest', params: { dataset: { path, download: false, verify, ...extra } as never }, declared: ['dataset'], root });
  await ingest.run(ctx);
  const table = await readParquetFile(join(ctx.outDir, 'manifest.parquet'));
  const rows = table.toArray().map((r) => r.toJSON() as Record<string, unknown>);
  const rejected = JSON.parse(await readFile(join(ctx.outDir, 'rejected.json'), 'utf8'));
  const dataset = JSON.parse(await readFile(join(ctx.outDir, 'dataset.json'), 'utf8'));
  return { ctx, table, rows, rejected, dataset, byId: new Map(rows.map((r) => [r.id as string, r])) };
}

/** The four good clips as WAV in the official layout plus one of each bad kind. */
async function messyFolder(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'ingest-'));
  const files: Record<string, Uint8Array | string> = {};
  for (const id of GOOD) files[officialPath(id)] = wavOf(clips[id]);
  Object.assign(files, {
    'Actor_02/03-01-04-01-01-01-02.wav': new Uint8Array(0), // zero-length
    'Actor_02/03-01-06-01-01-01-02.wav': wavOf(clip('03-01-06-01-01-01-02')).subarray(0, 3000), // truncated data
    'Actor_03/03-01-07-01-01-01-03.wav': Buffer.concat([Buffer.from('FORM\0\0\0\x40AIFFCOMM'), Buffer.alloc(60)]), // AIFF named .wav
    'Actor_03/03-01-08-01-01-01-03.wav': makeWav({ samples: [0, 0.1, NaN, 0.2], bits: 32, tag: 3 }), // NaN floats
    'Actor_03/03-01-08-02-01-01-03.wav': makeWav({ samples: new Array(9600).fill(0) }), // all-silent
    'Actor_03/03-01-08-02-02-01-03.wav': 'just some text, not audio', // not audio
    'Actor_01/03-02-01-01-01-01-01.wav': wavOf(clip('03-02-01-01-01-01-01')), // song
    'Actor_01/03-01-01-02-01-01-01.wav': wavOf(clip('03-01-01-02-01-01-01')), // neutral strong: no such clip
    'my_recording.wav': wavOf(clip('03-01-01-01-01-01-09')), // own clip, no labels
    'copies/03-01-01-01-01-01-01.wav': wavOf(clips['03-01-01-01-01-01-01']), // duplicate id
    'README.txt': 'about this folder',
  });
  await writeFiles(root, files);
  return root;
}

describe('ingest stage', () => {
  it('folder layout: labels, per-file status and reason for every bad file, nothing fatal', async () => {
    const path = await messyFolder();
    const { rows, byId, rejected, dataset, ctx } = await runIngest(path);
    expect(rows.length).toBe(14);
    // good clips: decoded, hashed, flagged modified (synthetic audio ≠ official)
    const angry = byId.get('03-01-05-02-01-01-01')!;
    expect(angry).toMatchObject({
      source: 'Actor_01/03-01-05-02-01-01-01.wav', modality: 'audio-only', vocal_channel: 'speech', emotion: 'angry', emotion_code: 5,
      intensity: 'strong', statement: 1, repetition: 1, actor: 1, gender: 'male', sample_rate: 48000, channels: 2,
      frames: clips['03-01-05-02-01-01-01'].frames, status: 'modified', flags: '',
    });
    expect(angry.duration_s).toBeCloseTo(clips['03-01-05-02-01-01-01'].frames / 48000, 9);
    expect(angry.pcm_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(angry.reason).toMatch(/^samples differ from the official release: 2 channel\(s\) \(official 1\), \d+ frames \(official 196997\); PCM SHA-256 [0-9a-f]{12}… ≠ [0-9a-f]{12}…$/);
    expect(Number(angry.file_size)).toBe(statSync(join(path, 'Actor_01/03-01-05-02-01-01-01.wav')).size);
    expect(byId.get('03-01-03-01-02-02-02')).toMatchObject({ actor: 2, gender: 'female', emotion: 'happy', statement: 2, repetition: 2 });

    const status = (id: string) => rows.filter((r) => r.id === id).map((r) => [r.status, r.reason]);
    expect(status('03-01-04-01-01-01-02')).toEqual([['unreadable', 'empty file (0 bytes)']]);
    expect(status('03-01-06-01-01-01-02')[0][1]).toMatch(/^truncated data chunk: it declares \d+ bytes but only 2956 follow$/);
    expect(status('03-01-07-01-01-01-03')).toEqual([['unreadable', 'AIFF audio (FORM/AIFF), not WAV']]);
    expect(status('03-01-08-01-01-01-03')[0][1]).toMatch(/1 non-finite sample\(s\) \(NaN\/Inf\)/);
    expect(status('03-01-08-02-02-01-03')[0]).toEqual(['unreadable', 'text ("just some text, not audio…"), not audio']);
    expect(status('03-02-01-01-01-01-01')[0]).toEqual(['rejected', 'name "03-02-01-01-01-01-01.wav": vocal channel 02 is song; only speech (01) is used']);
    expect(status('03-01-01-02-01-01-01')[0][1]).toMatch(/neutral \(01\) has no strong intensity/);
    expect(status('my_recording')[0][1]).toMatch(/"my_recording\.wav" is not a RAVDESS name/);
    // the duplicate is the later source in path order; the first one is kept
    expect(status('03-01-01-01-01-01-01')).toEqual([
      ['modified', expect.stringMatching(/samples differ/)],
      ['rejected', 'duplicate of Actor_01/03-01-01-01-01-01-01.wav (same clip id)'],
    ]);
    // all-silent: decoded, flagged, not an error
    expect(byId.get('03-01-08-02-01-01-03')).toMatchObject({ flags: 'silent', frames: 9600 });
    expect(['ok', 'modified']).toContain(byId.get('03-01-08-02-01-01-03')!.status);
    // rejected labels are null, not made up
    expect(byId.get('my_recording')).toMatchObject({ emotion: null, actor: null, frames: null, status: 'rejected' });

    expect(rejected.files.length).toBe(14); // every row here is either not ok or flagged
    expect(rejected.missing.length).toBe(1440 - 10);
    expect(dataset).toMatchObject({ path, layout: 'folder (14 WAV)', skipped: ['README.txt'] });
    const log = ctx.logs.join('\n');
    expect(log).toMatch(/14 file\(s\): 0 ok, 5 modified, 4 rejected, 5 unreadable, 1 silent \(flagged\)/);
    expect(log).toMatch(/cannot be used for training; `ser predict` classifies any clip/);
    expect(ctx.progressEvents.at(-1)).toEqual({ done: 10, total: 10 });
  });

  it('rows come in id order, independent of the layout', async () => {
    const { rows } = await runIngest(await messyFolder());
    const ids = rows.map((r) => r.id as string);
    expect(ids).toEqual([...ids].sort());
  });

  it('verify=strict fails the stage and lists the offending files', async () => {
    const path = await messyFolder();
    const err = await runIngest(path, 'strict').catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    const msg = (err as Error).message;
    expect(msg).toMatch(/dataset\.verify=strict: 10 clip\(s\) are not the official audio/);
    expect(msg).toContain('Actor_01/03-01-05-02-01-01-01.wav: modified: samples differ from the official release');
    expect(msg).toContain('Actor_02/03-01-04-01-01-01-02.wav: unreadable: empty file (0 bytes)');
    expect(msg).toMatch(/--set dataset\.verify=warn/);
  });

  it('verify=off skips hashing: no checksum, nothing flagged modified', async () => {
    const { rows, byId } = await runIngest(await messyFolder(), 'off');
    expect(byId.get('03-01-05-02-01-01-01')).toMatchObject({ status: 'ok', pcm_sha256: '', reason: '' });
    expect(rows.filter((r) => r.status === 'modified')).toEqual([]);
  });

  it('official zip layout (entries Actor_XX/…wav, read in place) gives the same manifest as the folder', async () => {
    const root = await mkdtemp(join(tmpdir(), 'ingest-zip-'));
    const entries: Record<string, Uint8Array | null> = {};
    for (let a = 1; a <= 3; a++) entries[`Actor_0${a}/`] = null;
    for (const id of GOOD) entries[officialPath(id)] = wavOf(clips[id]);
    const zipPath = join(root, 'Audio_Speech_Actors_01-24.zip');
    await writeZip(zipPath, entries);
    const folder = join(root, 'extracted');
    await writeFiles(folder, Object.fromEntries(GOOD.map((id) => [officialPath(id), wavOf(clips[id])])));

    const z = await runIngest(zipPath);
    const f = await runIngest(folder);
    expect(z.dataset.layout).toBe('zip');
    expect(z.rows.map((r) => r.source)).toEqual([...GOOD].sort().map((id) => officialPath(id)));
    const strip = (r: Record<string, unknown>) => ({ ...r, source: undefined });
    expect(z.rows.map(strip)).toEqual(f.rows.map(strip));
    // no extraction: the folder holds only what we put there
    expect((await readdir(root)).sort()).toEqual(['Audio_Speech_Actors_01-24.zip', 'extracted']);

    // the downloader's layout: a folder holding the zip
    const held = await mkdtemp(join(tmpdir(), 'ingest-held-'));
    await writeZip(join(held, 'Audio_Speech_Actors_01-24.zip'), entries);
    const h = await runIngest(held);
    expect(h.rows[0].source).toMatch(/^Audio_Speech_Actors_01-24\.zip!Actor_0\d\//);
    expect(h.rows.map(strip)).toEqual(f.rows.map(strip));
  });

  it('FLAC copy with the same names: same clips, same PCM checksums as the WAVs', async () => {
    const root = await mkdtemp(join(tmpdir(), 'ingest-flac-'));
    await writeFiles(join(root, 'wav'), Object.fromEntries(GOOD.map((id) => [officialPath(id), wavOf(clips[id])])));
    await writeFiles(join(root, 'flac'), Object.fromEntries(GOOD.map((id) => [officialPath(id, 'flac'), flacOf(clips[id])])));
    const w = await runIngest(join(root, 'wav'));
    const fl = await runIngest(join(root, 'flac'));
    expect(fl.dataset.layout).toBe('folder (4 FLAC)');
    expect(fl.rows.map((r) => [r.id, r.pcm_sha256, r.frames, r.channels])).toEqual(w.rows.map((r) => [r.id, r.pcm_sha256, r.frames, r.channels]));
  });

  it('a flat folder of one\'s own clips: every file rejected with its reason, and the stage says why it cannot go on', async () => {
    const root = await mkdtemp(join(tmpdir(), 'ingest-own-'));
    await writeFiles(root, { 'hello.wav': makeWav({ samples: tone(4800, 1, 16) }), 'angry take 2.wav': makeWav({ samples: tone(4800, 1, 16) }) });
    await expect(runIngest(root)).rejects.toThrow(/no usable RAVDESS clip in .*: 2 audio file\(s\) found, none decodes with a RAVDESS name \(first: angry take 2\.wav: name "angry take 2\.wav" is not a RAVDESS name/);
  });

  it('a missing dataset path says where to put the data', async () => {
    const root = await mkdtemp(join(tmpdir(), 'ingest-none-'));
    await expect(runIngest('data/raw/ravdess', 'warn', root)).rejects.toThrow(/RAVDESS is not at data\/raw\/ravdess[\s\S]*Audio_Speech_Actors_01-24\.zip/);
  });

  it('dataset.actors keeps only those actors\' clips (missing clips counted among them); a bad list is refused', async () => {
    const path = await messyFolder();
    const all = await runIngest(path);
    const { rows, rejected, dataset, ctx } = await runIngest(path, 'warn', undefined, { actors: [2, 1] });
    const kept = all.rows.filter((r) => r.actor === null || r.actor === 1 || r.actor === 2);
    expect(rows.map((r) => [r.id, r.status])).toEqual(kept.map((r) => [r.id, r.status])); // unlabelled files still listed as rejected
    expect(rows.some((r) => r.actor === 3)).toBe(false);
    expect(rejected.missing.length).toBe(120 - 5); // 60 official clips per actor; 5 of actors 1-2 are present
    expect(dataset.actors).toEqual([1, 2]);
    expect(all.dataset.actors).toBeUndefined(); // default outputs unchanged
    expect(ctx.logs.join('\n')).toMatch(/dataset\.actors = \[1, 2\]: left out 5 clip\(s\) of other actors/);
    await expect(runIngest(path, 'warn', undefined, { actors: [0, 25] })).rejects.toThrow(/dataset\.actors must be null \(all actors\) or a non-empty list of distinct actor numbers 1\.\.24/);
    await expect(runIngest(path, 'warn', undefined, { actors: [24] })).rejects.toThrow(/dataset\.actors = \[24\] left out \d+ clip\(s\) of other actors/);
  });

  it('reads only the params it declares', async () => {
    const ctx = await createTestContext({ stage: 'ingest', params: { dataset: { path: '/nonexistent' }, audio: { sample_rate: 16000 } }, declared: ['audio'] });
    await expect(ingest.run(ctx)).rejects.toThrow(/dataset/);
  });
});

describe('clipRow: status from decode result and the official checksum', () => {
  const labels = (parseRavdessName('03-01-01-01-01-01-01.wav') as { labels: RavdessLabels }).labels;
  const official = { sampleRate: 48000, channels: 1, frames: 158558, pcmSha256: 'a'.repeat(64) };
  const decoded = { ok: true as const, format: 'wav/pcm16', sampleRate: 48000, channels: 1, frames: 158558, bitsPerSample: 16, peak: 0.5, silent: false, fileSize: 317160 };

  it('ok when the PCM SHA-256 matches', () => {
    expect(clipRow(labels, 's.wav', { ...decoded, pcmSha256: 'a'.repeat(64) }, official, 'warn')).toMatchObject({ status: 'ok', reason: '', flags: '' });
    expect(clipRow(labels, 's.wav', { ...decoded, pcmSha256: 'a'.repeat(64) }, official, 'strict').status).toBe('ok');
  });
  it('modified, with what differs, when it does not', () => {
    const r = clipRow(labels, 's.wav', { ...decoded, sampleRate: 16000, frames: 52853, pcmSha256: 'b'.repeat(64) }, official, 'warn');
    expect(r.status).toBe('modified');
    expect(r.reason).toBe('samples differ from the official release: sample rate 16000 Hz (official 48000), 52853 frames (official 158558); PCM SHA-256 bbbbbbbbbbbb… ≠ aaaaaaaaaaaa…');
    expect(clipRow(labels, 's.wav', { ...decoded, pcmSha256: 'c'.repeat(64) }, official, 'warn').reason).toMatch(/same format and length, different sample values/);
  });
  it('unreadable keeps the labels and the reason; off never compares', () => {
    expect(clipRow(labels, 's.wav', { ok: false, reason: 'empty file (0 bytes)', fileSize: 0 }, official, 'warn')).toMatchObject({ status: 'unreadable', reason: 'empty file (0 bytes)', labels, frames: null });
    expect(clipRow(labels, 's.wav', { ...decoded, pcmSha256: '' }, official, 'off').status).toBe('ok');
  });
});
