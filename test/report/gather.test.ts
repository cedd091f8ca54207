import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Float64, Int32, Table, Utf8, makeVector, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { writeParquetFile } from '../../src/io/parquet.ts';
import { readHistory, summarizeManifest } from '../../src/report/gather.ts';

describe('report inputs from artifacts', () => {
  it('reads history.parquet as the train stage writes it, keeping a missing validation as null', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ser-gather-'));
    const f64 = (xs: (number | null)[]) => vectorFromArray(xs, new Float64());
    await writeParquetFile(
      join(dir, 'history.parquet'),
      new Table({
        epoch: makeVector(Int32Array.from([1, 2])),
        train_loss: f64([2, 1.5]), train_acc: f64([0.2, 0.4]), val_loss: f64([null, null]), val_acc: f64([null, null]),
        lr: f64([0.001, 0.001]), seconds: f64([4.5, 4.4]), train_seconds: f64([4, 4]),
      }),
    );
    expect(await readHistory(join(dir, 'history.parquet'))).toEqual([
      { epoch: 1, train_loss: 2, train_acc: 0.2, val_loss: null, val_acc: null, lr: 0.001, seconds: 4.5 },
      { epoch: 2, train_loss: 1.5, train_acc: 0.4, val_loss: null, val_acc: null, lr: 0.001, seconds: 4.4 },
    ]);
    await writeParquetFile(join(dir, 'bad.parquet'), new Table({ epoch: makeVector(Int32Array.from([1])) }));
    await expect(readHistory(join(dir, 'bad.parquet'))).rejects.toThrow(/bad.parquet: no column 'train_loss'/);
  });

  it('summarizes the manifest: statuses, flagged clips, missing official clips', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ser-gather-'));
    const s = (xs: string[]) => vectorFromArray(xs, new Utf8());
    await writeParquetFile(
      join(dir, 'manifest.parquet'),
      new Table({
        id: s(['a', 'b', 'c', 'd']), source: s(['A/a.wav', 'A/b.wav', 'A/c.wav', 'A/d.wav']), status: s(['ok', 'ok', 'modified', 'unreadable']),
        reason: s(['', '', 'PCM differs', 'truncated']), flags: s(['', 'silent', '', '']), actor: vectorFromArray([1, 1, 1, 1], new Int32()),
      }),
    );
    await writeFile(join(dir, 'rejected.json'), JSON.stringify({ files: [], missing: ['x', 'y'] }));
    const d = await summarizeManifest(dir, 'warn', 'data/raw/ravdess');
    expect(d.by_status).toEqual({ ok: 2, modified: 1, unreadable: 1 });
    expect(d.issues.map((i) => [i.id, i.status, i.flags])).toEqual([['b', 'ok', 'silent'], ['c', 'modified', ''], ['d', 'unreadable', '']]);
    expect(d.missing).toEqual(['x', 'y']);
    expect(d.verification).toBe('2 of 4 clips ok, 1 modified, 1 unreadable, 2 official clip(s) missing (dataset.verify = "warn")');
  });
});
