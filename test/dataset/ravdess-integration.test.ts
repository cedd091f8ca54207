// Integration with the real corpus in ../shared (skipped where it is absent, e.g. a
// user's clone): the original WAVs — odd chunks, stereo — and FLACs decode to the PCM
// whose SHA-256 the official table holds, and ingest marks them ok from a folder and
// from a zip laid out like the official one.
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import ingest from '../../stages/ingest.ts';
import { decodeAudioFile } from '../../src/audio/decode.ts';
import { officialTable } from '../../src/dataset/official-table.ts';
import { readParquetFile } from '../../src/io/parquet.ts';
import { createTestContext, destroySharedPool } from '../../src/pipeline/testing.ts';
import { writeZip } from './helpers.ts';

const SHARED = resolve(__dirname, '../../../shared/datasets');
const WAV = join(SHARED, 'ravdess-wav');
const FLAC = join(SHARED, 'ravdess');
const have = existsSync(WAV) && existsSync(FLAC);

afterAll(() => destroySharedPool());

async function wavFiles(): Promise<string[]> {
  const out: string[] = [];
  for (const actor of (await readdir(WAV)).sort()) for (const f of (await readdir(join(WAV, actor))).sort()) out.push(`${actor}/${f}`);
  return out;
}

describe.skipIf(!have)('real RAVDESS files (../shared)', () => {
  it('the 10 original WAVs decode to the official PCM (SHA-256), 5 of them stereo', async () => {
    const table = officialTable();
    let stereo = 0;
    for (const rel of await wavFiles()) {
      const d = await decodeAudioFile(join(WAV, rel), { hash: true });
      const id = rel.split('/')[1].replace('.wav', '');
      expect(d.pcmSha256, rel).toBe(table.get(id)!.pcmSha256);
      expect(d.frames).toBe(table.get(id)!.frames);
      if (d.channels === 2) stereo++;
    }
    expect(stereo).toBe(5);
  });

  it('the FLAC copies of the same clips give bit-identical mono samples', async () => {
    for (const rel of (await wavFiles()).slice(0, 4)) {
      const w = await decodeAudioFile(join(WAV, rel), { hash: true });
      const f = await decodeAudioFile(join(FLAC, rel.replace('.wav', '.flac')), { hash: true });
      expect(f.pcmSha256).toBe(w.pcmSha256);
      expect(Buffer.from(f.mono.buffer).equals(Buffer.from(w.mono.buffer))).toBe(true);
    }
  });

  it('ingest: all 10 ok from the folder and from an official-layout zip', async () => {
    const zipDir = await mkdtemp(join(tmpdir(), 'ravdess-zip-'));
    const entries: Record<string, Uint8Array> = {};
    for (const rel of await wavFiles()) entries[rel] = await readFile(join(WAV, rel));
    await writeZip(join(zipDir, 'Audio_Speech_Actors_01-24.zip'), entries);
    for (const path of [WAV, join(zipDir, 'Audio_Speech_Actors_01-24.zip')]) {
      const ctx = await createTestContext({ stage: 'ingest', params: { dataset: { path, download: false, verify: 'strict' } } });
      await ingest.run(ctx);
      const m = await readParquetFile(join(ctx.outDir, 'manifest.parquet'), { columns: ['status', 'channels'] });
      expect(m.getChild('status')!.toArray()).toEqual(new Array(10).fill('ok'));
      expect((m.getChild('channels')!.toArray() as Int32Array).filter((c) => c === 2).length).toBe(5);
    }
  });
});
