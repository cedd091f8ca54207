// The split stage end to end on a synthetic manifest, through a real StageContext.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import stage from '../../stages/split.ts';
import { writeParquetFile } from '../../src/io/parquet.ts';
import { createTestContext, destroySharedPool } from '../../src/pipeline/testing.ts';
import { readSplitFile } from '../../src/split/store.ts';
import { rejectedRow, type ManifestRow as IngestRow } from '../../src/dataset/manifest.ts';
import { manifestTable, ravdessRows, type ManifestRow } from './helpers.ts';

afterAll(() => destroySharedPool());

async function ingestDir(rows: ManifestRow[], extra: IngestRow[] = []): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ser-ingest-'));
  await writeParquetFile(join(dir, 'manifest.parquet'), manifestTable(rows, extra));
  return dir;
}

async function runSplit(split: Record<string, unknown>, rows = ravdessRows(), seed = 0, extra: IngestRow[] = []) {
  const ctx = await createTestContext({ stage: 'split', params: { split: split as never, seed }, inputs: { ingest: await ingestDir(rows, extra) } });
  await stage.run(ctx);
  return { ctx, file: await readSplitFile(join(ctx.outDir, 'split.parquet')), summary: JSON.parse(await readFile(join(ctx.outDir, 'split.json'), 'utf8')) };
}

describe('split stage', () => {
  it('writes split.parquet (id, fold, role) for the six speaker-independent folds', async () => {
    const { file, summary, ctx } = await runSplit({ protocol: 'speaker-kfold', folds: [0, 1, 2, 3, 4, 5] });
    expect(file.protocol).toBe('speaker-kfold');
    expect(file.speakerIndependent).toBe(true);
    expect(file.rows.length).toBe(6 * 1440);
    expect(file.ids(3, 'test').every((id) => ['13', '14', '15', '16'].includes(id.slice(-2)))).toBe(true);
    expect(summary.folds[3].test.actors).toEqual([13, 14, 15, 16]);
    expect(summary.folds[3].val.actors).toEqual([17, 18, 19, 20]);
    expect(summary.folds[0]).toMatchObject({ train: { clips: 960 }, val: { clips: 240 }, test: { clips: 240 } });
    expect(ctx.logs.some((l) => l.includes('fold 5: train 960 / val 240 / test 240'))).toBe(true);
  });

  it('uses ok and modified clips, leaves rejected and unreadable out', async () => {
    const rows = ravdessRows();
    rows[0].status = 'modified';
    rows[1].status = 'rejected';
    rows[2].status = 'unreadable';
    const { file, summary } = await runSplit({ folds: [0] }, rows, 0, [
      // a source ingest refused by name: no labels at all (nulls in the label columns)
      rejectedRow('03-02-01-01-01-01-01', 'Actor_01/03-02-01-01-01-01-01.wav', 'vocal channel 02 is song'),
    ]);
    const ids = new Set(file.rows.map((r) => r.id));
    expect(ids.has(rows[0].id)).toBe(true);
    expect(ids.has(rows[1].id)).toBe(false);
    expect(ids.has(rows[2].id)).toBe(false);
    expect(summary.excluded_by_status).toEqual({ rejected: 2, unreadable: 1 });
    expect(file.rows.length).toBe(1438);
  });

  it('random protocol: labelled as sharing speakers, deterministic bytes for a seed', async () => {
    const a = await runSplit({ protocol: 'random', folds: [0] }, ravdessRows(), 7);
    const b = await runSplit({ protocol: 'random', folds: [0] }, ravdessRows().reverse(), 7);
    expect(a.file.speakerIndependent).toBe(false);
    expect(a.file.label).toMatch(/speakers shared across splits/);
    expect(await readFile(join(a.ctx.outDir, 'split.parquet'))).toEqual(await readFile(join(b.ctx.outDir, 'split.parquet')));
    const c = await runSplit({ protocol: 'random', folds: [0] }, ravdessRows(), 8);
    expect(c.file.ids(0, 'test')).not.toEqual(a.file.ids(0, 'test'));
  });

  it('fails loudly on an empty role, on random with several folds, and on a bad manifest', async () => {
    await expect(runSplit({ folds: [0] }, ravdessRows(Array.from({ length: 20 }, (_, i) => i + 5)))).rejects.toThrow(/fold 0 has no test clips/);
    await expect(runSplit({ protocol: 'random' })).rejects.toThrow(/set split\.folds=\[0\]/);
    const rows = ravdessRows();
    rows[5].gender = 'unknown';
    await expect(runSplit({ folds: [0] }, rows)).rejects.toThrow(/manifest\.parquet: clip 03-01-02-01-01-02-01 has gender 'unknown'/);
  });

  it('reads only the params it declares', async () => {
    const ctx = await createTestContext({
      stage: 'split',
      params: { split: { folds: [1] }, seed: 0, train: { lr: 1 } },
      declared: ['split', 'seed'],
      inputs: { ingest: await ingestDir(ravdessRows()) },
    });
    await stage.run(ctx);
    expect((await readSplitFile(join(ctx.outDir, 'split.parquet'))).folds).toEqual([1]);
  });
});
