import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { evaluateFolds, parseEvaluateParams } from '../../src/predict/evaluate.ts';
import { loadModel } from '../../src/model/io.ts';
import { readPredictions, writePredictions } from '../../src/predict/predictions-file.ts';
import { writeTinyRun, type TinyRun } from './helpers.ts';

let run: TinyRun;
beforeAll(async () => {
  await tf.setBackend('cpu');
  run = await writeTinyRun(await mkdtemp(join(tmpdir(), 'ser-eval-')));
});

const params = parseEvaluateParams({ bootstrap: 200 });

describe('evaluateFolds', () => {
  it('runs each fold\'s model (with its own normalization) on that fold\'s test clips', async () => {
    const logs: string[] = [];
    const r = await evaluateFolds({ train: run.train, featuresPath: run.features, splitPath: run.split, manifestPath: run.manifest }, params, 0, loadModel, { log: (m) => logs.push(m) });
    expect(r.rows).toHaveLength(64);
    for (const row of r.rows) {
      expect(row.fold).toBe(row.actor <= 4 ? 0 : 1);
      expect(row.pred).toBe(run.expected.get(row.id));
      expect(row.true).toBe(run.truth.get(row.id));
    }
    const m = r.metrics;
    expect(m.accuracy).toBe(60 / 64); // every male `sad` clip is read as calm
    expect(m.folds.map((f) => f.accuracy)).toEqual([30 / 32, 30 / 32]);
    expect(m.gender.female.accuracy).toBe(1);
    expect(m.bias.recall_sad).toMatchObject({ female: 1, male: 0, diff: 1, significant: true, ci: { low: 1, high: 1 } });
    expect(m.confused_pairs[0]).toEqual({ true: 'sad', pred: 'calm', count: 4, rate: 0.5 });
    expect(m.protocol).toEqual({ name: 'actors', speaker_independent: true, shared_actors: [] });
    expect(logs).toEqual(['fold 0: 32 test clips, accuracy 0.938', 'fold 1: 32 test clips, accuracy 0.938']);
  });

  it('refuses a model trained on other features', async () => {
    const other = await writeTinyRun(await mkdtemp(join(tmpdir(), 'ser-eval-')));
    const { writeFile, readFile } = await import('node:fs/promises');
    const metaPath = join(other.train[1].dir, 'meta.json');
    const meta = JSON.parse(await readFile(metaPath, 'utf8'));
    meta.features.fmin = 50;
    await writeFile(metaPath, JSON.stringify(meta));
    await expect(evaluateFolds({ train: other.train, featuresPath: other.features, splitPath: other.split, manifestPath: other.manifest }, params, 0, loadModel)).rejects.toThrow(
      /fold 1: the model was trained on features .*"fmin":50.* but features.parquet holds .*"fmin":0.*rerun train/,
    );
  });

  it('validates its params with the key name', () => {
    expect(parseEvaluateParams(undefined)).toMatchObject({ bootstrap: 1000, confidence: 0.95, calibration_bins: 15, backend: 'auto' });
    expect(() => parseEvaluateParams({ bootstrap: 0 })).toThrow(/evaluate.bootstrap/);
    expect(() => parseEvaluateParams({ bootsrap: 10 })).toThrow(/bootsrap/);
  });

  it('predictions.parquet round-trips every column', async () => {
    const r = await evaluateFolds({ train: run.train, featuresPath: run.features, splitPath: run.split, manifestPath: run.manifest }, params, 0, loadModel);
    const path = join(run.root, 'predictions.parquet');
    await writePredictions(path, r.rows, r.labels);
    const back = await readPredictions(path);
    expect(back.labels).toEqual(r.labels);
    expect(back.rows).toHaveLength(64);
    expect(back.rows[5]).toEqual({ ...r.rows[5], probs: Float32Array.from(r.rows[5].probs) });
  });
});
