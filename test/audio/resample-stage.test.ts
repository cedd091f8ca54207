// The resample stage on top of a real ingest artifact (synthetic clips): audio.parquet
// per CONTRACTS.md, full clip length, the same samples as decode → resample in-process,
// the same audio from the folder and the zip layouts, and refusal of changed sources.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import ingest from '../../stages/ingest.ts';
import resampleStage from '../../stages/resample.ts';
import { clipsFromTable } from '../../src/audio/audio-parquet.ts';
import { decodeWav } from '../../src/audio/wav.ts';
import { resample, resampledLength } from '../../src/audio/resample.ts';
import { readParquetFile } from '../../src/io/parquet.ts';
import { createTestContext, destroySharedPool } from '../../src/pipeline/testing.ts';
import { makeWav, tone } from './fixtures.ts';
import { clip, officialPath, wavOf, writeFiles, writeZip } from '../dataset/helpers.ts';

afterAll(() => destroySharedPool());

const c1 = clip('03-01-01-01-01-01-01');
const c2 = clip('03-01-05-02-01-01-01', 2);
const at44 = { id: '03-01-03-01-02-02-02', bytes: makeWav({ samples: tone(4410, 1, 16, 0.4), sampleRate: 44100 }) };
const files = () => ({
  [officialPath(c1.id)]: wavOf(c1),
  [officialPath(c2.id)]: wavOf(c2),
  [officialPath(at44.id)]: at44.bytes,
  'Actor_04/03-01-04-01-01-01-04.wav': new Uint8Array(0), // unreadable: not in audio.parquet
});

async function pipeline(path: string, rate = 16000) {
  const ictx = await createTestContext({ stage: 'ingest', params: { dataset: { path, download: false, verify: 'warn' } } });
  await ingest.run(ictx);
  const rctx = await createTestContext({ stage: 'resample', params: { audio: { sample_rate: rate } }, declared: ['audio'], inputs: { ingest: [ictx.outDir] } });
  await resampleStage.run(rctx);
  return { ictx, rctx, file: join(rctx.outDir, 'audio.parquet') };
}

describe('resample stage', () => {
  it('writes audio.parquet: accepted clips only, full length at audio.sample_rate, samples = resample(decode(file))', async () => {
    const root = await mkdtemp(join(tmpdir(), 'rs-'));
    await writeFiles(root, files());
    const { file, rctx } = await pipeline(root);
    const table = await readParquetFile(file);
    expect(table.schema.fields.map((f) => `${f.name}:${f.type}`)).toEqual(['id:Utf8', 'sample_rate:Int32', 'n_samples:Int32', 'samples:List<Float32>']);
    const clips = clipsFromTable(table);
    expect(clips.map((c) => c.id)).toEqual([c1.id, at44.id, c2.id]);
    const expectFrom = (bytes: Uint8Array) => {
      const d = decodeWav(bytes);
      return resample(d.mono, d.sampleRate, 16000);
    };
    const want = [expectFrom(wavOf(c1)), expectFrom(at44.bytes), expectFrom(wavOf(c2))];
    clips.forEach((c, i) => {
      expect(c.sampleRate).toBe(16000);
      expect(c.samples.length).toBe(want[i].length);
      expect(Buffer.from(c.samples.buffer, c.samples.byteOffset, c.samples.byteLength).equals(Buffer.from(want[i].buffer))).toBe(true);
    });
    expect(clips[0].samples.length).toBe(resampledLength(c1.frames, 48000, 16000));
    expect(clips[1].samples.length).toBe(1600);
    expect((table.getChild('n_samples')!.toArray() as Int32Array)[2]).toBe(Math.ceil(c2.frames / 3));
    expect(rctx.logs.join('\n')).toMatch(/3 clips .* from 44100, 48000 Hz → 16000 Hz/);
  });

  it('any target rate (audio.sample_rate = 22050)', async () => {
    const root = await mkdtemp(join(tmpdir(), 'rs-'));
    await writeFiles(root, { [officialPath(c1.id)]: wavOf(c1) });
    const { file } = await pipeline(root, 22050);
    const [c] = clipsFromTable(await readParquetFile(file));
    expect(c.sampleRate).toBe(22050);
    expect(c.samples.length).toBe(Math.ceil((c1.frames * 147) / 320));
  });

  it('the official zip layout gives the same audio as the extracted folder', async () => {
    const root = await mkdtemp(join(tmpdir(), 'rs-'));
    const f = files();
    await writeFiles(join(root, 'folder'), f);
    await writeZip(join(root, 'Audio_Speech_Actors_01-24.zip'), f);
    const a = clipsFromTable(await readParquetFile((await pipeline(join(root, 'folder'))).file));
    const b = clipsFromTable(await readParquetFile((await pipeline(join(root, 'Audio_Speech_Actors_01-24.zip'))).file));
    expect(b.map((c) => c.id)).toEqual(a.map((c) => c.id));
    b.forEach((c, i) => expect(Buffer.from(c.samples.buffer).equals(Buffer.from(a[i].samples.buffer))).toBe(true));
  });

  it('refuses a source that changed or vanished since ingest read it', async () => {
    const root = await mkdtemp(join(tmpdir(), 'rs-'));
    await writeFiles(root, { [officialPath(c1.id)]: wavOf(c1), [officialPath(c2.id)]: wavOf(c2) });
    const ictx = await createTestContext({ stage: 'ingest', params: { dataset: { path: root, download: false, verify: 'off' } } });
    await ingest.run(ictx);
    const run = async () => {
      const rctx = await createTestContext({ stage: 'resample', params: { audio: { sample_rate: 16000 } }, inputs: { ingest: [ictx.outDir] } });
      await resampleStage.run(rctx);
    };
    await writeFile(join(root, officialPath(c1.id)), wavOf(clip(c1.id, 1, c1.frames + 2)));
    await expect(run()).rejects.toThrow(/Actor_01\/03-01-01-01-01-01-01\.wav changed since ingest read it \(9668 bytes, was 9664\); rerun ingest/);
    await rm(join(root, officialPath(c2.id)));
    await expect(run()).rejects.toThrow(/1 clip\(s\) that ingest read are no longer in .* \(e\.g\. Actor_01\/03-01-05-02-01-01-01\.wav\)/);
  });

  it('checks audio.sample_rate', async () => {
    const ctx = await createTestContext({ stage: 'resample', params: { audio: { sample_rate: 'fast' } }, inputs: { ingest: ['/nowhere'] } });
    await expect(resampleStage.run(ctx)).rejects.toThrow(/param audio\.sample_rate must be an integer sample rate in Hz \(1000\.\.384000\), got "fast"/);
  });
});
