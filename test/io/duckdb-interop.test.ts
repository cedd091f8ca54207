// Interop: the Parquet files the stages write (manifest, audio, features, split), built
// with the stages' own table builders, read back by an independent engine (DuckDB).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { writeParquetFile } from '../../src/io/parquet.ts';
import { manifestTable, rejectedRow, type ManifestRow } from '../../src/dataset/manifest.ts';
import { parseRavdessName } from '../../src/dataset/ravdess.ts';
import { writeAudioParquet, type AudioClip } from '../../src/audio/audio-parquet.ts';
import { logMel, featureShape } from '../../src/features/logmel.ts';
import { DEFAULT_FEATURE_PARAMS } from '../../src/features/params.ts';
import { writeFeaturesFile } from '../../src/features/store.ts';
import { makeSplit } from '../../src/split/protocols.ts';
import { parseSplitParams } from '../../src/split/params.ts';
import { writeSplitFile } from '../../src/split/store.ts';

const IDS = ['03-01-01-01-01-01-01', '03-01-05-02-01-01-02', '03-01-08-02-02-02-03', '03-01-03-01-02-01-04', '03-01-04-02-01-02-05', '03-01-06-01-01-01-06'];

let dir: string;
let con: DuckDBConnection;
const clips: AudioClip[] = [];
let logmel: Float32Array;

async function query(sql: string) {
  return (await con.runAndReadAll(sql)).getRowObjectsJS();
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ser-duckdb-'));
  // manifest: the clips plus one rejected source (no labels: nulls in the label columns)
  const rows: ManifestRow[] = IDS.map((id, i) => {
    const parsed = parseRavdessName(`${id}.wav`);
    if (!parsed.ok) throw new Error(parsed.reason);
    return {
      id, source: `Actor_${id.slice(-2)}/${id}.wav`, labels: parsed.labels, sample_rate: 48000, channels: 1 + (i % 2),
      frames: 150000 + i, duration_s: (150000 + i) / 48000, pcm_sha256: 'ab'.repeat(32), status: 'ok', reason: '', flags: '', file_size: 300044 + 2 * i,
    };
  });
  rows.push(rejectedRow('03-02-01-01-01-01-01', 'Actor_01/03-02-01-01-01-01-01.wav', 'song'));
  await writeParquetFile(join(dir, 'manifest.parquet'), manifestTable(rows));
  // audio: synthetic tones of different lengths (one shorter than 3 s)
  IDS.forEach((id, i) => {
    const n = 30000 + 5000 * i;
    clips.push({ id, sampleRate: 16000, samples: Float32Array.from({ length: n }, (_, t) => 0.3 * Math.sin((2 * Math.PI * (200 + 100 * i) * t) / 16000)) });
  });
  await writeAudioParquet(join(dir, 'audio.parquet'), clips);
  // features and split with the stages' writers
  const shape = featureShape(DEFAULT_FEATURE_PARAMS, 16000);
  logmel = new Float32Array(IDS.length * shape.size);
  clips.forEach((c, i) => logmel.set(logMel(c.samples, DEFAULT_FEATURE_PARAMS), i * shape.size));
  await writeFeaturesFile(join(dir, 'features.parquet'), { ids: IDS, nMels: shape.nMels, nFrames: shape.nFrames, logmel }, DEFAULT_FEATURE_PARAMS, 16000);
  // the same with audio.compression / features.compression: zstd (and an empty clip)
  await writeAudioParquet(join(dir, 'audio-zstd.parquet'), [...clips, { id: 'empty', sampleRate: 16000, samples: new Float32Array(0) }], 4, 'zstd');
  await writeFeaturesFile(join(dir, 'features-zstd.parquet'), { ids: IDS, nMels: shape.nMels, nFrames: shape.nFrames, logmel }, DEFAULT_FEATURE_PARAMS, 16000, { compression: 'zstd' });
  const split = makeSplit(
    IDS.map((id) => ({ id, actor: Number(id.slice(-2)), gender: Number(id.slice(-2)) % 2 ? 'male' : 'female', emotion: 'x' })),
    parseSplitParams({ protocol: 'actors', folds: [0], actors: { train: [1, 2, 3, 4], val: [5], test: [6] } }),
    0,
  );
  await writeSplitFile(join(dir, 'split.parquet'), split, 0);
  con = await (await DuckDBInstance.create(':memory:')).connect();
});

afterAll(() => con?.closeSync());

const file = (name: string) => `'${join(dir, name)}'`;

describe('DuckDB reads the pipeline Parquet files', () => {
  it('manifest.parquet: counts, labels, nulls of a rejected row', async () => {
    expect(await query(`select count(*)::int as n, count(actor)::int as with_actor from ${file('manifest.parquet')}`)).toEqual([{ n: 7, with_actor: 6 }]);
    const [r] = await query(`select emotion, emotion_code, actor, gender, intensity, duration_s, status from ${file('manifest.parquet')} where id = '03-01-05-02-01-01-02'`);
    expect(r).toEqual({ emotion: 'angry', emotion_code: 5, actor: 2, gender: 'female', intensity: 'strong', duration_s: 150001 / 48000, status: 'ok' });
    expect(await query(`select status, reason from ${file('manifest.parquet')} where actor is null`)).toEqual([{ status: 'rejected', reason: 'song' }]);
  });

  it('audio.parquet: one list of float32 samples per clip', async () => {
    const rows = await query(`select id, sample_rate, n_samples, len(samples)::int as len, samples[1000] as s1000 from ${file('audio.parquet')} order by id`);
    const byId = new Map(clips.map((c) => [c.id, c]));
    expect(rows.length).toBe(IDS.length);
    for (const r of rows) {
      const c = byId.get(r.id as string)!;
      expect(r).toEqual({ id: c.id, sample_rate: 16000, n_samples: c.samples.length, len: c.samples.length, s1000: c.samples[999] });
    }
    const [{ total }] = await query(`select sum(n_samples)::int as total from ${file('audio.parquet')}`);
    expect(total).toBe(clips.reduce((a, c) => a + c.samples.length, 0));
  });

  it('features.parquet: FixedSizeList<Float32> values and the feature params in the footer', async () => {
    const size = 64 * 188;
    const rows = await query(`select id, n_mels, n_frames, len(logmel)::int as len, logmel[1] as first, logmel[${size}] as last, logmel[188 * 10 + 5] as m10f4 from ${file('features.parquet')}`);
    expect(rows.map((r) => r.id)).toEqual(IDS);
    rows.forEach((r, i) => {
      const v = logmel.subarray(i * size, (i + 1) * size);
      expect(r).toEqual({ id: IDS[i], n_mels: 64, n_frames: 188, len: size, first: v[0], last: v[size - 1], m10f4: v[10 * 188 + 4] });
    });
    const [{ mx }] = await query(`select max(list_max(logmel)) as mx from ${file('features.parquet')}`);
    expect(mx).toBe(Math.max(...logmel));
    const kv = await query(`select decode(key) as key, decode(value) as value from parquet_kv_metadata(${file('features.parquet')}) where decode(key) = 'features'`);
    expect(JSON.parse(kv[0].value as string)).toEqual(DEFAULT_FEATURE_PARAMS);
  });

  it('ZSTD audio.parquet and features.parquet (data pages v2, one page per clip): same counts and values', async () => {
    const meta = await query(`select distinct compression from parquet_metadata(${file('audio-zstd.parquet')}) union all select distinct compression from parquet_metadata(${file('features-zstd.parquet')})`);
    expect(meta.map((r) => r.compression)).toEqual(['ZSTD', 'ZSTD']);
    const rows = await query(`select id, sample_rate, n_samples, len(samples)::int as len, samples[1000] as s1000, samples[len(samples)] as last from ${file('audio-zstd.parquet')} order by id`);
    expect(rows.length).toBe(IDS.length + 1);
    const byId = new Map(clips.map((c) => [c.id, c]));
    for (const r of rows) {
      const c = byId.get(r.id as string);
      if (!c) expect(r).toEqual({ id: 'empty', sample_rate: 16000, n_samples: 0, len: 0, s1000: null, last: null });
      else expect(r).toEqual({ id: c.id, sample_rate: 16000, n_samples: c.samples.length, len: c.samples.length, s1000: c.samples[999], last: c.samples[c.samples.length - 1] });
    }
    const [{ total }] = await query(`select sum(len(samples))::int as total from ${file('audio-zstd.parquet')}`);
    expect(total).toBe(clips.reduce((a, c) => a + c.samples.length, 0));
    const size = 64 * 188;
    const f = await query(`select id, n_mels, n_frames, len(logmel)::int as len, logmel[1] as first, logmel[${size}] as last from ${file('features-zstd.parquet')}`);
    expect(f.map((r) => r.id)).toEqual(IDS);
    f.forEach((r, i) => expect(r).toEqual({ id: IDS[i], n_mels: 64, n_frames: 188, len: size, first: logmel[i * size], last: logmel[(i + 1) * size - 1] }));
    const [{ same }] = await query(`select bool_and(a.logmel = b.logmel) as same from ${file('features-zstd.parquet')} a join ${file('features.parquet')} b using (id)`);
    expect(same).toBe(true);
  });

  it('split.parquet joins with the manifest', async () => {
    const rows = await query(
      `select s.role, count(*)::int as n, min(m.actor) as lo, max(m.actor) as hi from ${file('split.parquet')} s join ${file('manifest.parquet')} m using (id) group by s.role order by s.role`,
    );
    expect(rows).toEqual([
      { role: 'test', n: 1, lo: 6, hi: 6 },
      { role: 'train', n: 4, lo: 1, hi: 4 },
      { role: 'val', n: 1, lo: 5, hi: 5 },
    ]);
  });
});
