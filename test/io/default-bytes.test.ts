// The default (uncompressed) audio.parquet and features.parquet are byte for byte what
// the writers produced before ZSTD became an option (sha256 recorded at 156b00a, from
// these synthetic inputs): artifact hashes, cache keys downstream and
// metrics/baseline.json depend on those bytes.
import { createHash } from 'node:crypto';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeAudioParquet } from '../../src/audio/audio-parquet.ts';
import { DEFAULT_FEATURE_PARAMS } from '../../src/features/params.ts';
import { writeFeaturesFile } from '../../src/features/store.ts';

const sha256 = async (path: string) => createHash('sha256').update(await readFile(path)).digest('hex');

describe('uncompressed default output is unchanged', () => {
  it('audio.parquet (laid out, holes filled) and features.parquet', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ser-bytes-'));
    const clips = [5000, 0, 12345, 7].map((n, k) => ({
      id: `03-01-0${k + 1}-01-01-01-0${k + 1}`, sampleRate: 16000,
      samples: Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.01 * (k + 1)) * 0.5),
    }));
    await writeAudioParquet(join(dir, 'audio.parquet'), clips, 3);
    expect(await sha256(join(dir, 'audio.parquet'))).toBe('4b7cb7970fcdc69be5d6467734b07c14c8194b9aad826ad4d7aa642bb7628e1a');
    const logmel = Float32Array.from({ length: 3 * 4 * 5 }, (_, i) => -80 + ((i * 7919) % 80));
    await writeFeaturesFile(join(dir, 'features.parquet'), { ids: ['b', 'a', 'c'], nMels: 4, nFrames: 5, logmel }, DEFAULT_FEATURE_PARAMS, 16000);
    expect(await sha256(join(dir, 'features.parquet'))).toBe('a55f2fb175779875d97bfb3304c43c64cb8e9d9e8771878fb1a178cb45ab9ee0');
  });
});
