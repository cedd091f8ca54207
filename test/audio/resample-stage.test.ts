// The resample stage on top of a real ingest artifact (synthetic clips): audio.parquet
// per CONTRACTS.md, full clip length, the same samples as decode → resample in-process,
// the same audio from the folder and the zip layouts, and refusal of changed sources.
import { createHash } from 'node:crypto';
import { closeSync, openSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import ingest from '../../stages/ingest.ts';
import resampleStage from '../../stages/resample.ts';
import { clipsFromTable } from '../../src/audio/audio-parquet.ts';
import { decodeWav } from '../../src/audio/wav.ts';
import { resample, resampledLength } from '../../src/audio/resample.ts';
import { readParquetFile } from '../../src/io/parquet.ts';
import { parquetFooter } from '../../src/io/parquet-rows.ts';
import { planAudioFile, readClips } from '../../src/features/audio-input.ts';
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

describe('resample stage, audio.compression: zstd', () => {
  async function resampleWith(ingestDir: string, audio: Record<string, unknown>) {
    const rctx = await createTestContext({ stage: 'resample', params: { audio: audio as never }, declared: ['audio'], inputs: { ingest: [ingestDir] } });
    const reported: Record<string, string> = {};
    rctx.outputHashed = (path, sha256) => {
      reported[path] = sha256;
    };
    await resampleStage.run(rctx);
    return { rctx, file: join(rctx.outDir, 'audio.parquet'), reported };
  }

  it('the workers compress each clip: same samples as uncompressed, ZSTD column chunks, the sha256 of the bytes written, deterministic', async () => {
    const root = await mkdtemp(join(tmpdir(), 'rs-'));
    await writeFiles(root, files());
    const ictx = await createTestContext({ stage: 'ingest', params: { dataset: { path: root, download: false, verify: 'warn' } } });
    await ingest.run(ictx);
    const plain = await resampleWith(ictx.outDir, { sample_rate: 16000 });
    const z = await resampleWith(ictx.outDir, { sample_rate: 16000, compression: 'zstd' });
    // parquet-wasm reads it: the same ids, rates and sample bytes
    const a = clipsFromTable(await readParquetFile(plain.file));
    const b = clipsFromTable(await readParquetFile(z.file));
    expect(b.map((c) => [c.id, c.sampleRate])).toEqual(a.map((c) => [c.id, c.sampleRate]));
    b.forEach((c, i) => expect(Buffer.from(c.samples.buffer, c.samples.byteOffset, c.samples.byteLength).equals(Buffer.from(a[i].samples.buffer, a[i].samples.byteOffset, a[i].samples.byteLength))).toBe(true));
    // every column chunk ZSTD, and smaller than uncompressed
    const fd = openSync(z.file, 'r');
    try {
      for (const rg of parquetFooter(fd).rowGroups) for (const c of rg.columns.values()) expect(c.codec).toBe('ZSTD');
    } finally {
      closeSync(fd);
    }
    expect(statSync(z.file).size).toBeLessThan(statSync(plain.file).size);
    // hashed as written (no read-back) = the file's sha256
    expect(z.reported['audio.parquet']).toBe(createHash('sha256').update(await readFile(z.file)).digest('hex'));
    expect(plain.reported['audio.parquet']).toBe(createHash('sha256').update(await readFile(plain.file)).digest('hex'));
    expect(z.rctx.logs.join('\n')).toMatch(/ZSTD pages appended \+ footer; the workers compress the samples/);
    // featurize's reader finds every clip (located, no parquet-wasm fallback)
    const plan = await planAudioFile(z.file);
    expect(plan.clips?.map((c) => c.length)).toEqual(a.map((c) => c.samples.length));
    const { samples, starts, lengths } = readClips(z.file, plan.clips!, null);
    a.forEach((c, k) => expect(samples.subarray(starts[k], starts[k] + lengths[k])).toEqual(c.samples));
    // deterministic
    const again = await resampleWith(ictx.outDir, { sample_rate: 16000, compression: 'zstd' });
    expect((await readFile(again.file)).equals(await readFile(z.file))).toBe(true);
  });

  it('checks audio.compression, naming the key', async () => {
    const ctx = await createTestContext({ stage: 'resample', params: { audio: { sample_rate: 16000, compression: 'gzip' } }, inputs: { ingest: ['/nowhere'] } });
    await expect(resampleStage.run(ctx)).rejects.toThrow(/param audio\.compression must be one of none \| zstd, got "gzip"/);
  });
});
