// The featurize stage end to end: audio.parquet in, features.parquet out, on the real
// worker pool; and the reader train/evaluate use.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeSync, openSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import stage from '../../stages/featurize.ts';
import { readParquetFile, writeParquetFile } from '../../src/io/parquet.ts';
import { createTestContext, destroySharedPool } from '../../src/pipeline/testing.ts';
import { logMel } from '../../src/features/logmel.ts';
import { DEFAULT_FEATURE_PARAMS, parseFeatureParams, parseFeaturizeParams } from '../../src/features/params.ts';
import { FeaturesWriter, readFeatures, writeFeaturesFile } from '../../src/features/store.ts';
import { featurizeAudioFile } from '../../src/features/featurize.ts';
import { sharedPool } from '../../src/pipeline/pool.ts';
import { createHash } from 'node:crypto';
import { locateFloatLists, parquetFooter, readFlatColumn, readFloatList } from '../../src/io/parquet-rows.ts';
import { audioTable } from './audio-table.ts';
import { writeAudioParquet } from '../../src/audio/audio-parquet.ts';
import { planAudioFile, readClips } from '../../src/features/audio-input.ts';
import { REF_CLIPS, readF32 } from './helpers.ts';

afterAll(() => destroySharedPool());

/** A few clips: the two reference waveforms, a short clip (< 3 s) and a long one. */
function clips() {
  const ref = REF_CLIPS.map((c) => readF32(`${c}.wav16k.f32`));
  const short = ref[0].slice(10000, 40000);
  const long = new Float32Array(80000);
  for (let i = 0; i < long.length; i++) long[i] = 0.2 * Math.sin(i * 0.05) * Math.sin(i * 0.0003);
  return [
    { id: '03-01-05-02-01-01-01', samples: ref[0] },
    { id: '03-01-02-01-01-02-01', samples: ref[1] },
    { id: '03-01-08-02-02-02-02', samples: short },
    { id: '03-01-03-01-01-01-03', samples: long },
  ];
}

// audio.parquet as the resample stage writes it (uncompressed pages: clips read by byte
// offset; or ZSTD v2 pages, one per clip: located the same way, decompressed by the
// worker), or as any Parquet writer might (parquet-wasm, ZSTD v1 pages: decoded by
// parquet-wasm).
const FORMATS = {
  'resample stage writer': async (path: string, list: { id: string; samples: Float32Array }[], sampleRate: number) => {
    await writeAudioParquet(path, list.map((c) => ({ ...c, sampleRate })), 3);
  },
  'resample stage writer, ZSTD (audio.compression: zstd)': async (path: string, list: { id: string; samples: Float32Array }[], sampleRate: number) => {
    await writeAudioParquet(path, list.map((c) => ({ ...c, sampleRate })), 3, 'zstd');
  },
  'parquet-wasm ZSTD': async (path: string, list: { id: string; samples: Float32Array }[], sampleRate: number) => {
    await writeParquetFile(path, audioTable(list, sampleRate), { rowGroupSize: 3 });
  },
};
let format: keyof typeof FORMATS = 'resample stage writer';

async function resampleDir(list: { id: string; samples: Float32Array }[], sampleRate = 16000) {
  const dir = await mkdtemp(join(tmpdir(), 'ser-resample-'));
  // row groups of 3 clips: several row groups, as with the real file
  await FORMATS[format](join(dir, 'audio.parquet'), list, sampleRate);
  return dir;
}

async function runFeaturize(features: Record<string, unknown>, input: string) {
  const ctx = await createTestContext({ stage: 'featurize', params: { features: features as never }, declared: ['features'], inputs: { resample: input } });
  await stage.run(ctx);
  return { ctx, path: join(ctx.outDir, 'features.parquet') };
}

describe.each(Object.keys(FORMATS) as (keyof typeof FORMATS)[])('featurize stage (audio.parquet from the %s)', (f) => {
  beforeAll(() => {
    format = f;
  });

  it('writes one 64×188 log-Mel per clip, equal to logMel() of the clip, sorted by id', async () => {
    const list = clips();
    const { ctx, path } = await runFeaturize({ ...DEFAULT_FEATURE_PARAMS }, await resampleDir(list));
    const f = await readFeatures(path);
    expect(f.ids).toEqual([...list.map((c) => c.id)].sort());
    expect([f.nMels, f.nFrames]).toEqual([64, 188]);
    for (const c of list) expect(f.get(c.id)).toEqual(logMel(c.samples, DEFAULT_FEATURE_PARAMS));
    // the reference clip still matches the reference after the Parquet round trip
    const ref = readF32(`${REF_CLIPS[0]}.logmel.f32`);
    const got = f.get('03-01-05-02-01-01-01');
    expect(Math.max(...got.map((v, i) => Math.abs(v - ref[i])))).toBeLessThan(1e-3);
    expect(f.params).toEqual(DEFAULT_FEATURE_PARAMS);
    expect(f.sampleRate).toBe(16000);
    expect(ctx.logs.join('\n')).toMatch(/4 clips → 64×188 log-Mel at 16000 Hz/);
    expect(ctx.progressEvents.at(-1)).toEqual({ done: 4, total: 4 });
  });

  it('reads our audio.parquet by byte offset (only the first duration_s), any other through parquet-wasm', async () => {
    const dir = await resampleDir(clips());
    const plan = await planAudioFile(join(dir, 'audio.parquet'));
    expect(plan.ids).toEqual(clips().map((c) => c.id));
    expect(plan.clips === null).toBe(format === 'parquet-wasm ZSTD');
    if (plan.clips) {
      expect(plan.clips.map((c) => c.length)).toEqual(clips().map((c) => c.samples.length));
      const { samples, starts, lengths } = readClips(plan.path, plan.clips, 48000);
      expect(Array.from(lengths)).toEqual(clips().map((c) => Math.min(48000, c.samples.length)));
      clips().forEach((c, k) => expect(samples.subarray(starts[k], starts[k] + lengths[k])).toEqual(c.samples.subarray(0, 48000)));
    }
  });

  it('schema: id, n_mels, n_frames, logmel FixedSizeList<Float32>[12032]; footer holds the params', async () => {
    const { path } = await runFeaturize({}, await resampleDir(clips()));
    const t = await readParquetFile(path);
    expect(t.schema.fields.map((x) => `${x.name}:${String(x.type)}`)).toEqual([
      'id:Utf8', 'n_mels:Int32', 'n_frames:Int32', 'logmel:FixedSizeList[12032]<Float32>',
    ]);
  });

  it('reader returns zero-copy views of the Arrow buffers', async () => {
    const { path } = await runFeaturize({}, await resampleDir(clips()));
    const f = await readFeatures(path);
    const col = f.table.getChild('logmel')!;
    expect(f.chunks.length).toBe(col.data.length);
    f.chunks.forEach((c, i) => expect(c.buffer).toBe(col.data[i].children[0].values.buffer)); // the Arrow memory itself
    for (const id of f.ids) {
      const { chunk, row } = f.index.get(id)!;
      const v = f.get(id);
      expect(v.buffer).toBe(f.chunks[chunk].buffer);
      expect(v.byteOffset).toBe(f.chunks[chunk].byteOffset + row * 12032 * 4);
    }
    const v = f.get(f.ids[1]);
    const { chunk, row } = f.index.get(f.ids[1])!;
    f.chunks[chunk][row * 12032] = 12345;
    expect(v[0]).toBe(12345); // shared memory, not a copy
    expect(() => f.get('nope')).toThrow(/no features for clip nope/);
  });

  it('is deterministic: same input and params → identical bytes, whatever the batching', async () => {
    const input = await resampleDir(clips());
    const a = await runFeaturize({}, input);
    const b = await runFeaturize({}, await resampleDir([...clips()].reverse()));
    expect(await readFile(a.path)).toEqual(await readFile(b.path));
  });

  it('honours the params: HTK/no norm, other sizes, trim_silence', async () => {
    const input = await resampleDir(clips());
    const p = { n_mels: 40, n_fft: 512, win_length: 400, hop_length: 160, duration_s: 2.5, mel: { htk: true, norm: 'none' }, trim_silence: true };
    const { path } = await runFeaturize(p, input);
    const f = await readFeatures(path);
    expect([f.nMels, f.nFrames]).toEqual([40, 1 + Math.floor(40000 / 160)]);
    expect(f.get('03-01-05-02-01-01-01')).toEqual(logMel(clips()[0].samples, parseFeatureParams(p)));
  });

  it('works at another sample rate and refuses fmax above its Nyquist', async () => {
    const list = clips().map((c) => ({ id: c.id, samples: c.samples.slice(0, 30000) }));
    const { path } = await runFeaturize({ fmax: 4000 }, await resampleDir(list, 8000));
    expect((await readFeatures(path)).sampleRate).toBe(8000);
    await expect(runFeaturize({}, await resampleDir(list, 8000))).rejects.toThrow(/fmax \(8000 Hz\) is above the Nyquist frequency of the 8000 Hz audio/);
  });

  it('names the clip when audio is not finite, and the file when it has no clips', async () => {
    const list = clips();
    list[2].samples = list[2].samples.slice();
    list[2].samples[100] = NaN;
    await expect(runFeaturize({}, await resampleDir(list))).rejects.toThrow(/clip 03-01-08-02-02-02-02: sample 100 is NaN/);
    const inf = clips();
    inf[1].samples = inf[1].samples.slice();
    inf[1].samples[47999] = -Infinity; // the last sample used, at the edge of the last frames
    await expect(runFeaturize({}, await resampleDir(inf))).rejects.toThrow(/clip 03-01-02-01-01-02-01: sample 47999 is -Infinity/);
    await expect(runFeaturize({}, await resampleDir([]))).rejects.toThrow(/audio\.parquet: no clips/);
    await expect(runFeaturize({}, await mkdtemp(join(tmpdir(), 'ser-empty-')))).rejects.toThrow(/cannot read .*audio\.parquet/);
  });

  it('refuses a file that is not an audio.parquet, naming the missing columns', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ser-resample-'));
    const { path } = await runFeaturize({}, await resampleDir(clips()));
    await writeParquetFile(join(dir, 'audio.parquet'), await readParquetFile(path)); // features, not audio
    await expect(runFeaturize({}, dir)).rejects.toThrow(/audio\.parquet: no column\(s\) sample_rate, samples/);
  });

  it('bad params fail before any work, naming the key', async () => {
    await expect(runFeaturize({ n_fft: 1000 }, await resampleDir(clips()))).rejects.toThrow(/features\.n_fft: must be a power of two/);
  });
});

describe('featurize stage, features.parquet written as the clips come in', () => {
  it('onRows hands every clip once, in output (id) order, whatever order the file and the workers have', async () => {
    const base = clips();
    // 40 clips, written in reverse id order: output slot ≠ file row
    const list = Array.from({ length: 40 }, (_, i) => ({ id: `03-01-0${1 + (i % 8)}-01-01-01-${String(1 + Math.floor(i / 8) + 10).padStart(2, '0')}`, samples: base[i % 4].samples.subarray(0, 8000) }))
      .sort((a, b) => (a.id < b.id ? 1 : -1));
    const dir = await resampleDir(list);
    const calls: [number, number][] = [];
    const r = await featurizeAudioFile(join(dir, 'audio.parquet'), DEFAULT_FEATURE_PARAMS, {
      pool: sharedPool(),
      onRows: (start, count, logmel) => {
        calls.push([start, count]);
        // the clips handed over are computed already
        for (let k = start; k < start + count; k++) expect(logmel.subarray(k * 12032, (k + 1) * 12032).some((v) => v !== 0)).toBe(true);
      },
    });
    expect(r.ids).toEqual([...list.map((c) => c.id)].sort());
    let next = 0;
    for (const [start, count] of calls) {
      expect(start).toBe(next);
      expect(count).toBeGreaterThan(0);
      next += count;
    }
    expect(next).toBe(40);
  });

  it('the stage reports the sha256 of the bytes it wrote, which is the file\'s', async () => {
    const input = await resampleDir(clips());
    const ctx = await createTestContext({ stage: 'featurize', params: { features: {} as never }, declared: ['features'], inputs: { resample: input } });
    const reported = new Map<string, string>();
    ctx.outputHashed = (path, sha256) => reported.set(path, sha256);
    await stage.run(ctx);
    const bytes = await readFile(join(ctx.outDir, 'features.parquet'));
    expect(reported.get('features.parquet')).toBe(createHash('sha256').update(bytes).digest('hex'));
  });

  it('FeaturesWriter writes each full row group of 1024 clips as soon as its clips are in, and the same bytes as writeFeaturesFile', async () => {
    const n = 1100;
    const size = 4 * 3;
    const ids = Array.from({ length: n }, (_, i) => `clip${String(i).padStart(5, '0')}`);
    const logmel = Float32Array.from({ length: n * size }, (_, i) => Math.sin(i) * 40 - 50);
    const dir = await mkdtemp(join(tmpdir(), 'ser-features-writer-'));
    let written = 0;
    const w = new FeaturesWriter(join(dir, 'streamed.parquet'), { ids, nMels: 4, nFrames: 3 }, DEFAULT_FEATURE_PARAMS, 16000, { onWrite: (b) => (written += b.length) });
    w.rows(0, 1000, logmel);
    const afterFirst = written;
    w.rows(1000, 30, logmel);
    const afterGroup = written;
    expect(afterGroup - afterFirst).toBeGreaterThan(1024 * size * 4); // the first row group went out with clip 1024
    expect(() => w.rows(1031, 5, logmel)).toThrow(/clips 1031\.\. handed before clips 1030\.\./);
    w.rows(1030, 70, logmel);
    w.close();
    await writeFeaturesFile(join(dir, 'whole.parquet'), { ids, nMels: 4, nFrames: 3, logmel }, DEFAULT_FEATURE_PARAMS, 16000);
    const streamed = await readFile(join(dir, 'streamed.parquet'));
    expect(streamed.equals(await readFile(join(dir, 'whole.parquet')))).toBe(true);
    expect(written).toBe(streamed.length);
  });
});

describe('featurize stage, features.compression: zstd', () => {
  it('the workers compress each log-Mel: readFeatures gives the same values as uncompressed, ZSTD column chunks, deterministic whatever the batching', async () => {
    format = 'resample stage writer';
    const input = await resampleDir(clips());
    const plain = await runFeaturize({}, input);
    const z = await runFeaturize({ compression: 'zstd' }, input);
    const [a, b] = [await readFeatures(plain.path), await readFeatures(z.path)];
    expect(b.ids).toEqual(a.ids);
    for (const id of a.ids) expect(b.get(id)).toEqual(a.get(id));
    // the feature params in the footer do not include how the file is stored
    expect(b.params).toEqual(DEFAULT_FEATURE_PARAMS);
    expect(b.sampleRate).toBe(16000);
    const fd = openSync(z.path, 'r');
    try {
      const f = parquetFooter(fd);
      for (const rg of f.rowGroups) for (const c of rg.columns.values()) expect(c.codec).toBe('ZSTD');
      // the direct reader too: one page per clip, read back exactly
      const rows = locateFloatLists(fd, f.rowGroups[0].columns.get('logmel.list.item')!, f.leaves.get('logmel.list.item')!);
      const ids = readFlatColumn(fd, f.rowGroups[0].columns.get('id')!, f.leaves.get('id')!) as string[];
      rows.forEach((r, k) => {
        const out = new Float32Array(r.length);
        readFloatList(fd, r, out);
        expect(out).toEqual(a.get(ids[k]));
      });
    } finally {
      closeSync(fd);
    }
    expect(z.ctx.logs.join('\n')).toMatch(/read \+ log-Mel \+ ZSTD .* write .* \(ZSTD\)/);
    // pages from the workers = the pages writeFeaturesFile makes itself; other batching, same bytes
    const other = await runFeaturize({ compression: 'zstd' }, await resampleDir([...clips()].reverse()));
    expect(await readFile(other.path)).toEqual(await readFile(z.path));
    const self = join(await mkdtemp(join(tmpdir(), 'ser-f-')), 'features.parquet');
    await writeFeaturesFile(self, { ids: a.ids, nMels: a.nMels, nFrames: a.nFrames, logmel: Float32Array.from(a.ids.flatMap((id) => [...a.get(id)])) }, DEFAULT_FEATURE_PARAMS, 16000, { compression: 'zstd' });
    expect(await readFile(self)).toEqual(await readFile(z.path));
    // and from audio read by parquet-wasm (the row-group tasks), from ZSTD audio (decompressed by the workers)
    for (const f of ['parquet-wasm ZSTD', 'resample stage writer, ZSTD (audio.compression: zstd)'] as const) {
      format = f;
      const via = await runFeaturize({ compression: 'zstd' }, await resampleDir(clips()));
      expect(await readFile(via.path)).toEqual(await readFile(z.path));
    }
  });

  it('checks features.compression, naming the key; the feature params stay strict', async () => {
    format = 'resample stage writer';
    const input = await resampleDir(clips());
    await expect(runFeaturize({ compression: 'lz4' }, input)).rejects.toThrow(/param features\.compression must be one of none \| zstd, got "lz4"/);
    expect(() => parseFeatureParams({ compression: 'zstd' })).toThrow(/compression/); // not a feature param
    expect(parseFeaturizeParams({ n_mels: 40, compression: 'zstd' })).toEqual({ features: parseFeatureParams({ n_mels: 40 }), compression: 'zstd' });
    expect(parseFeaturizeParams({}).compression).toBe('none');
  });
});
