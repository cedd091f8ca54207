// evaluate with the project's real network (src/model/network.ts), trained for a few
// epochs on the cpu backend with the project's trainer and saved with src/model/io.ts:
// checks that evaluate reads what train writes (input layout, logits → softmax, the
// stored normalization) on an easy task the network learns.
import { writeFile } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeFeaturesFile } from '../../src/features/store.ts';
import { saveModel, loadModel } from '../../src/model/io.ts';
import { buildModel, predictProbabilities as networkProbabilities } from '../../src/model/network.ts';
import { trainModel } from '../../src/model/train/trainer.ts';
import { evaluateFolds, parseEvaluateParams } from '../../src/predict/evaluate.ts';
import { normalizeInto } from '../../src/predict/fold-model.ts';
import { createRng } from '../../src/util/rng.ts';
import { TINY_FEATURES, TINY_SHAPE, writeTinyRun, type TinyRun } from './helpers.ts';

const { nMels, nFrames, size } = TINY_SHAPE;
const NORM = { mean: new Array(nMels).fill(-50), std: new Array(nMels).fill(4), eps: 1e-8 };

/** Class k: mel band k is 12 dB louder than the others (around −50 dB), plus noise. */
function pattern(cls: number, rng: ReturnType<typeof createRng>): Float32Array {
  const x = new Float32Array(size);
  for (let m = 0; m < nMels; m++) for (let t = 0; t < nFrames; t++) x[m * nFrames + t] = -50 + (m === cls ? 12 : 0) + (rng.float() - 0.5) * 4;
  return x;
}

let run: TinyRun;
let features: Map<string, Float32Array>;
beforeAll(async () => {
  await tf.setBackend('cpu');
  run = await writeTinyRun(await mkdtemp(join(tmpdir(), 'ser-real-')));
  const rng = createRng(0, 'test-features');
  const ids = [...run.truth.keys()].sort();
  features = new Map(ids.map((id) => [id, pattern(run.truth.get(id)!, rng)]));
  const flat = new Float32Array(ids.length * size);
  ids.forEach((id, i) => flat.set(features.get(id)!, i * size));
  await writeFeaturesFile(run.features, { ids, nMels, nFrames, logmel: flat }, TINY_FEATURES, 16000);

  // One network, trained on fresh samples of the patterns (never on the test clips),
  // serves as both folds' model.
  const xs: Float32Array[] = [];
  const ys: number[] = [];
  for (let i = 0; i < 64; i++) { xs.push(pattern(i % 8, rng)); ys.push(i % 8); }
  const x = new Float32Array(xs.length * size);
  xs.forEach((v, i) => normalizeInto(v, NORM, nMels, nFrames, x, i * size));
  const model = buildModel({ inputShape: [nMels, nFrames], channels: [4], denseUnits: 0, dropout: 0 }, 0);
  const r = await trainModel({ model, train: { x, y: Int32Array.from(ys) }, seed: 0, epochs: 12, batchSize: 16, threads: 1, adam: { lr: 0.02 } });
  expect(r.history.at(-1)!.train_loss).toBeLessThan(r.history[0].train_loss);
  for (const t of run.train) {
    await saveModel(model, join(t.dir, 'model'));
    await writeFile(join(t.dir, 'normalization.json'), JSON.stringify(NORM));
  }
  model.dispose();
}, 120_000);

describe('evaluate with a trained network from src/model', () => {
  it('applies softmax to the logits and the stored normalization; the network has learned the task', async () => {
    const r = await evaluateFolds({ train: run.train, featuresPath: run.features, splitPath: run.split, manifestPath: run.manifest }, parseEvaluateParams({ bootstrap: 50 }), 0, loadModel);
    expect(r.metrics.accuracy!).toBeGreaterThan(0.9);
    // Same probabilities as the network module's own inference on the same input.
    const model = await loadModel(join(run.train[0].dir, 'model'));
    const rows = r.rows.filter((x) => x.fold === 0).slice(0, 5);
    const x = new Float32Array(rows.length * size);
    rows.forEach((row, i) => normalizeInto(features.get(row.id)!, NORM, nMels, nFrames, x, i * size));
    const expected = networkProbabilities(model, tf.tensor4d(x, [rows.length, nMels, nFrames, 1])).arraySync();
    rows.forEach((row, i) => {
      expect(Array.from(row.probs).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      for (let k = 0; k < 8; k++) expect(row.probs[k]).toBeCloseTo(expected[i][k], 6);
    });
    model.dispose();
  });
});
