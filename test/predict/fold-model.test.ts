import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { averageProbabilities, loadFoldModel, normalizeInto, predictProbabilities } from '../../src/predict/fold-model.ts';
import { loadModel } from '../../src/model/io.ts';
import { TINY_SHAPE, writeTinyRun } from './helpers.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('fold model inference', () => {
  it('normalizes per mel band with the stored mean, std and eps', () => {
    const x = Float32Array.from([1, 2, 3, 10, 20, 30]); // 2 bands × 3 frames
    const out = new Float32Array(8);
    normalizeInto(x, { mean: [2, 20], std: [1, 9], eps: 1 }, 2, 3, out, 2);
    expect(Array.from(out)).toEqual([0, 0, -0.5, 0, 0.5, -1, 0, 1]); // (x − mean) / (std + eps)
  });

  it('averages probability vectors', () => {
    expect(Array.from(averageProbabilities([[1, 0], [0.5, 0.5]]))).toEqual([0.75, 0.25]);
    expect(() => averageProbabilities([])).toThrow(/no vectors/);
  });

  it('loads a saved fold model and predicts with its own normalization', async () => {
    const run = await writeTinyRun(await mkdtemp(join(tmpdir(), 'ser-fold-')));
    const fm = await loadFoldModel(run.train[1].dir, loadModel); // fold 1: mean 1
    expect(fm).toMatchObject({ fold: 1, nMels: TINY_SHAPE.nMels, nFrames: TINY_SHAPE.nFrames, outputsProbabilities: true, sampleRate: 16000 });
    const clip = (c: number) => new Float32Array(TINY_SHAPE.size).fill(c);
    const probs = predictProbabilities(fm, [clip(4), clip(1), clip(9)], 2);
    const top = probs.map((p) => p.indexOf(Math.max(...p)));
    expect(top).toEqual([3, 0, 7]); // round(c − 1), clamped to 0..7
    for (const p of probs) expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    fm.model.dispose();
  });

  it('names the file when a train artifact is incomplete or inconsistent', async () => {
    const run = await writeTinyRun(await mkdtemp(join(tmpdir(), 'ser-fold-')));
    const dir = run.train[0].dir;
    await writeFile(join(dir, 'normalization.json'), JSON.stringify({ mean: [0], std: [1], eps: 0 }));
    await expect(loadFoldModel(dir, loadModel)).rejects.toThrow(/normalization.json: 1 means \/ 1 stds for 8 mel bands/);
    await writeFile(join(dir, 'labels.json'), '{not json');
    await expect(loadFoldModel(dir, loadModel)).rejects.toThrow(/labels.json: not valid JSON/);
    await expect(loadFoldModel(join(dir, 'nope'), loadModel)).rejects.toThrow(/nope\/labels.json: missing/);
  });
});
