// The training loop: determinism (1 thread and 2 worker threads), data-parallel ==
// single-thread up to float rounding (with dropout and synchronized BatchNorm, and an
// empty shard in the last batch), early stopping with best-validation weights, class
// weights, abort. Small models on the wasm backend, the backend training runs on.
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/model/backend.ts';
import { buildModel, type NetworkConfig } from '../../src/model/network.ts';
import { Replica } from '../../src/model/train/replica.ts';
import { trainModel, type TrainOptions } from '../../src/model/train/trainer.ts';
import { readWeights, weightLayout } from '../../src/model/train/weights.ts';
import { createRng } from '../../src/util/rng.ts';

beforeAll(async () => {
  await initBackend('wasm', { log: () => {} });
});

const H = 16;
const W = 24;
// BN and dropout both on: covers synchronized BN statistics and per-sample dropout masks.
const CFG: Partial<NetworkConfig> = { inputShape: [H, W], channels: [4, 8], denseUnits: 16, batchNorm: true, dropout: 0.3 };

function dataset(n: number, seed: number) {
  const rng = createRng(seed, 'train-test-data');
  const y = Int32Array.from({ length: n }, () => rng.int(8));
  // learnable: class-dependent offset in one band of rows, plus noise
  const x = new Float32Array(n * H * W);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < H * W; j++) {
      const row = Math.floor(j / W);
      x[i * H * W + j] = rng.float() - 0.5 + (row === y[i]! * 2 ? 1.5 : 0);
    }
  }
  return { x, y };
}

// 49 samples, batch 16: the last batch has ONE sample, so with 2 workers one of them
// has an empty shard and must still take part in the BN exchanges.
const TRAIN = dataset(49, 1);
const VAL = dataset(20, 2);

async function train(threads: number, extra: Partial<TrainOptions> = {}) {
  const model = buildModel(CFG, 0);
  const result = await trainModel({
    model, train: TRAIN, val: VAL, seed: 5, epochs: 2, batchSize: 16, threads, backend: 'wasm', ...extra,
  });
  return { result, weights: readWeights(model, weightLayout(model)), model };
}

const bytes = (f: Float32Array) => Buffer.from(f.buffer, f.byteOffset, f.byteLength);

function maxRelDiff(a: Float32Array, b: Float32Array): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / Math.max(1e-3, Math.abs(a[i]!)));
  return worst;
}

describe('trainModel', () => {
  it('is deterministic on 1 thread and on 2 workers, and 2 workers == 1 thread up to float rounding', async () => {
    const a = await train(1);
    const b = await train(1);
    const c = await train(2);
    const d = await train(2);
    expect(a.result.threads).toBe(1);
    expect(c.result.threads).toBe(2);
    expect(c.result.backend).toBe('wasm');
    expect(a.result.steps).toBe(8);
    expect(bytes(a.weights).equals(bytes(b.weights))).toBe(true);
    expect(bytes(c.weights).equals(bytes(d.weights))).toBe(true);
    // 8 Adam steps: rounding differences stay at the float32 noise level. (A sharding
    // dependence — e.g. of dropout masks or BN statistics — would show up as O(1e-1).)
    expect(maxRelDiff(a.weights, c.weights)).toBeLessThan(1e-4);
    a.result.history.forEach((h, i) => {
      const h2 = c.result.history[i]!;
      expect(h2.train_loss).toBeCloseTo(h.train_loss, 5);
      expect(h2.train_acc).toBe(h.train_acc);
      expect(h2.val_loss!).toBeCloseTo(h.val_loss!, 5);
      expect(h2.val_acc).toBe(h.val_acc);
    });
    // training changed the weights, and the BN running statistics moved
    const init = readWeights(buildModel(CFG, 0), weightLayout(a.model));
    expect(maxRelDiff(init, a.weights)).toBeGreaterThan(1e-3);
    const layout = weightLayout(a.model);
    const mm = layout.slots.find((s) => s.name === 'bn1/moving_mean')!;
    expect(Array.from(a.weights.subarray(mm.offset, mm.offset + mm.size)).some((v) => v !== 0)).toBe(true);
  }, 180_000);

  it('stops early and keeps the weights of the first best-validation epoch', async () => {
    const epochs: number[] = [];
    const { result, model } = await train(1, { epochs: 12, patience: 2, onEpoch: (l) => { epochs.push(l.epoch); } });
    const accs = result.history.map((h) => h.val_acc!);
    const best = Math.max(...accs);
    expect(result.bestEpoch).toBe(accs.indexOf(best) + 1);
    expect(result.bestValAcc).toBe(best);
    expect(epochs).toEqual(result.history.map((h) => h.epoch));
    if (result.stoppedEarly) expect(result.epochsRun).toBe(result.bestEpoch + 2);
    else expect(result.epochsRun).toBe(12);
    // the returned model evaluates to the best epoch's validation figures
    const r = new Replica(model, { seed: 0 }).evaluate(VAL, 0, VAL.y.length, 16);
    expect(r.correct / r.count).toBe(best);
    expect(r.lossSum / r.count).toBeCloseTo(result.history[result.bestEpoch - 1]!.val_loss!, 5);
  }, 120_000);

  it('class weights: uniform weights change nothing (bit-identical), skewed weights change the run', async () => {
    const base = await train(1, { epochs: 1 });
    const uniform = await train(1, { epochs: 1, classWeights: [2, 2, 2, 2, 2, 2, 2, 2] });
    const skewed = await train(1, { epochs: 1, classWeights: [1, 1, 1, 1, 1, 1, 1, 10] });
    expect(bytes(uniform.weights).equals(bytes(base.weights))).toBe(true);
    expect(maxRelDiff(base.weights, skewed.weights)).toBeGreaterThan(1e-4);
  }, 120_000);

  it('rejects bad input with a message naming the field, and stops on abort', async () => {
    const model = buildModel(CFG, 0);
    const badY = { x: TRAIN.x, y: Int32Array.from(TRAIN.y, (v, i) => (i === 7 ? 8 : v)) };
    await expect(trainModel({ model, train: badY, seed: 0, epochs: 1, threads: 1 })).rejects.toThrow(/train\.y\[7\] = 8/);
    await expect(trainModel({ model, train: { x: TRAIN.x.subarray(1), y: TRAIN.y }, seed: 0, epochs: 1, threads: 1 }))
      .rejects.toThrow(/train: x has/);
    const controller = new AbortController();
    await expect(trainModel({
      model, train: TRAIN, seed: 0, epochs: 3, threads: 2, batchSize: 16, signal: controller.signal,
      onBatch: (p) => { if (p.batch === 2) controller.abort(new Error('stop here')); },
    })).rejects.toThrow(/stop here/);
  }, 120_000);
});
