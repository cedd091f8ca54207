// Test fixture (not a product path): a full-size ReportInput computed by the real
// metrics code from the seeded RAVDESS-shaped simulator, with simulated training
// histories and a manifest summary that has one clip of each problem status.
import { computeMetrics } from '../../src/metrics/compute.ts';
import { createRng } from '../../src/util/rng.ts';
import type { HistoryRow, ReportInput } from '../../src/report/types.ts';
import { EMOTIONS, syntheticPredictions } from '../metrics/synthetic.ts';

export function fixtureHistory(fold: number, epochs: number): HistoryRow[] {
  const rng = createRng(100 + fold);
  return Array.from({ length: epochs }, (_, i) => {
    const e = i + 1;
    const trainAcc = Math.min(0.98, 0.2 + 0.75 * (1 - Math.exp(-e / 9)) + (rng.float() - 0.5) * 0.02);
    const valAcc = 0.2 + 0.32 * (1 - Math.exp(-e / 6)) + (rng.float() - 0.5) * 0.05;
    return {
      epoch: e,
      train_loss: 2.0 * Math.exp(-e / 10) + 0.05 + (rng.float() - 0.5) * 0.02,
      train_acc: trainAcc,
      val_loss: 1.7 - 0.4 * (1 - Math.exp(-e / 5)) + 0.02 * Math.max(0, e - 12) + (rng.float() - 0.5) * 0.05,
      val_acc: valAcc,
      lr: 0.001,
      seconds: 4.5 + rng.float(),
    };
  });
}

export function fixtureReportInput(opts: { protocol?: string; folds?: number; bootstrap?: number } = {}): ReportInput {
  const protocol = opts.protocol ?? 'speaker-kfold';
  const nFolds = opts.folds ?? 6;
  const actors = Array.from({ length: 4 * nFolds }, (_, i) => i + 1);
  const rows = syntheticPredictions({ actors });
  const trainActorsByFold = new Map<number, number[]>();
  for (let f = 0; f < nFolds; f++) {
    // speaker-kfold: train on the other folds' actors; random: every actor trains every fold.
    trainActorsByFold.set(f, protocol === 'random' ? actors : actors.filter((a) => Math.floor((a - 1) / 4) !== f && Math.floor((a - 1) / 4) !== (f + 1) % nFolds));
  }
  const metrics = computeMetrics(rows, { labels: EMOTIONS, bootstrap: opts.bootstrap ?? 1000, seed: 0, protocol, trainActorsByFold });
  const epochs = [20, 36, 28, 23, 22, 38];
  const histories = Array.from({ length: nFolds }, (_, f) => ({ fold: f, rows: fixtureHistory(f, epochs[f % 6]) }));
  return {
    title: 'SER pipeline report (test fixture)',
    metrics,
    histories,
    training: histories.map((h) => {
      const best = h.rows.reduce((b, r) => ((r.val_acc ?? 0) > (b.val_acc ?? 0) ? r : b));
      const seconds = h.rows.reduce((s, r) => s + r.seconds, 0);
      return { fold: h.fold, backend: 'wasm', threads: 2, epochs_run: h.rows.length, best_epoch: best.epoch, best_val_acc: best.val_acc, seconds, seconds_per_epoch: seconds / h.rows.length, n_train: 960, n_val: 240 };
    }),
    dataset: {
      path: '../shared/datasets/ravdess',
      clips: 1443,
      by_status: { ok: 1438, modified: 2, rejected: 2, unreadable: 1 },
      verification: '1440 of 1443 clips match the published PCM checksums; 2 differ (modified), 1 cannot be decoded',
      issues: [
        { id: '03-01-05-02-01-01-07', source: 'Actor_07/03-01-05-02-01-01-07.flac', status: 'modified', reason: 'PCM SHA-256 differs from MANIFEST.tsv' },
        { id: '03-01-02-01-02-02-11', source: 'Actor_11/03-01-02-01-02-02-11.flac', status: 'modified', reason: 'PCM SHA-256 differs from MANIFEST.tsv' },
        { id: '02-01-01-01-01-01-03', source: 'Actor_03/02-01-01-01-01-01-03.flac', status: 'rejected', reason: 'modality 02 (video-only) is not audio' },
        { id: 'notes', source: 'Actor_01/notes.flac', status: 'rejected', reason: 'file name is not a RAVDESS identifier' },
        { id: '03-01-08-02-02-02-24', source: 'Actor_24/03-01-08-02-02-02-24.flac', status: 'unreadable', reason: 'FLAC stream ends after 12 of 187 frames <truncated>' },
        { id: '03-01-04-01-02-01-09', source: 'Actor_09/03-01-04-01-02-01-09.flac', status: 'ok', reason: '', flags: 'silent' },
      ],
      missing: ['03-01-03-02-02-01-05'],
    },
    run: {
      protocol,
      params: {
        seed: 0,
        audio: { sample_rate: 16000 },
        features: { n_mels: 64, n_fft: 1024, hop: 256, duration_s: 3 },
        split: { protocol, folds: Array.from({ length: nFolds }, (_, f) => f) },
        train: { backend: 'auto', lr: 0.001, batch_size: 32, epochs: 60, patience: 10 },
        evaluate: { bootstrap: opts.bootstrap ?? 1000 },
      },
      backend: 'wasm (2 threads)',
      artifacts: [
        { stage: 'ingest', instance: '', key: '3f9a1c0d2e' },
        { stage: 'featurize', instance: '', key: '77b01c9e4a' },
        ...Array.from({ length: nFolds }, (_, f) => ({ stage: 'train', instance: `fold=${f}`, key: `a${f}c4e9d1f0` })),
        { stage: 'evaluate', instance: '', key: '5d2e8a7b13' },
      ],
      durations: [
        { stage: 'ingest', instance: '', seconds: 3.2 },
        { stage: 'resample', instance: '', seconds: 6.1 },
        { stage: 'featurize', instance: '', seconds: 5.4 },
        ...histories.map((h) => ({ stage: 'train', instance: `fold=${h.fold}`, seconds: h.rows.reduce((s, r) => s + r.seconds, 0) })),
        { stage: 'evaluate', instance: '', seconds: 4.0 },
      ],
    },
  };
}
