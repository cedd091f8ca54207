// The train stage through stage.run(ctx) on a small synthetic corpus: the artifact
// layout evaluate/predict load (CONTRACTS.md), normalization from the fold's training
// clips only, bit-identical weights for the same inputs/params/seed (with every
// augmentation on, on 2 data-parallel workers), augmentation independent of sharding,
// and clear errors for a missing matrix value or fold.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import stage from '../../stages/train.ts';
import { createTestContext, destroySharedPool } from '../../src/pipeline/testing.ts';
import { loadModel } from '../../src/model/io.ts';
import { initBackend } from '../../src/model/backend.ts';
import { loadFoldModel, predictProbabilities } from '../../src/predict/fold-model.ts';
import { readHistory } from '../../src/report/gather.ts';
import { bandStatistics, LABELS } from '../../src/training/data.ts';
import type { Params } from '../../src/pipeline/types.ts';
import { SMALL_FEATURES, writeSmallRun, type SmallRun } from './helpers.ts';

let tmp: string;
let run: SmallRun;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ser-train-stage-'));
  run = await writeSmallRun(path.join(tmp, 'upstream'));
  await initBackend('wasm', { log: () => {} });
});
afterAll(async () => {
  await destroySharedPool();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const SMALL_MODEL = { channels: [4, 8], kernel_size: 3, batch_norm: true, dropout: 0.3, dense: 16, head: 'flatten' };
const ALL_AUGMENT = {
  specaugment: { freq_masks: 2, freq_width: 3, time_masks: 2, time_width: 5 },
  time_shift: { max_frames: 4, mode: 'padded' },
  mixup: { alpha: 0.4 },
  noise: { snr_db: [5, 20] },
};

async function train(train: Record<string, unknown>, opts: { fold?: number; seed?: number; name?: string } = {}) {
  const params = {
    train: { backend: 'wasm', threads: 2, epochs: 3, patience: 2, batch_size: 16, model: SMALL_MODEL, ...train },
    seed: opts.seed ?? 0,
  } as unknown as Params;
  const outDir = path.join(tmp, opts.name ?? `out-${Math.random().toString(36).slice(2)}`);
  const ctx = await createTestContext({
    stage: 'train', params, outDir, matrix: { fold: opts.fold ?? 0 },
    inputs: { featurize: path.dirname(run.features), split: path.dirname(run.split) },
  });
  await stage.run(ctx);
  return { dir: outDir, ctx };
}

const read = (dir: string, file: string) => fs.readFileSync(path.join(dir, file));
const json = (dir: string, file: string) => JSON.parse(read(dir, file).toString('utf8'));

function weights(dir: string): Float32Array {
  const b = read(dir, 'model/weights.bin');
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

describe('train stage', () => {
  let base: { dir: string; ctx: Awaited<ReturnType<typeof createTestContext>> };
  beforeAll(async () => {
    base = await train({}, { name: 'base' });
  }, 120_000);

  it('writes the artifact evaluate and predict load (CONTRACTS.md)', async () => {
    const { dir } = base;
    expect(fs.readdirSync(dir).sort()).toEqual(['history.parquet', 'labels.json', 'meta.json', 'model', 'normalization.json']);
    expect(fs.readdirSync(path.join(dir, 'model')).sort()).toEqual(['model.json', 'weights.bin']);
    expect(json(dir, 'labels.json')).toEqual(['neutral', 'calm', 'happy', 'sad', 'angry', 'fearful', 'disgust', 'surprised']);
    const meta = json(dir, 'meta.json');
    expect(meta).toMatchObject({ fold: 0, backend: 'wasm', threads: 2, n_train: 128, n_val: 32, audio: { sample_rate: 16000 }, seed: 0 });
    expect(meta.features).toEqual(SMALL_FEATURES);
    expect(meta.train.model.channels).toEqual([4, 8]);
    expect(meta.epochs_run).toBeGreaterThanOrEqual(1);
    expect(meta.best_epoch).toBeGreaterThanOrEqual(1);
    expect(meta.seconds_per_epoch).toBeGreaterThan(0);
    const history = await readHistory(path.join(dir, 'history.parquet'));
    expect(history.map((h) => h.epoch)).toEqual(Array.from({ length: meta.epochs_run }, (_, i) => i + 1));
    expect(history.every((h) => h.lr === 0.001 && h.seconds > 0 && h.train_loss > 0)).toBe(true);
    expect(Math.max(...history.map((h) => h.val_acc ?? 0))).toBe(meta.best_val_acc);
    // The model evaluate/predict load, with the stored normalization: a fold-0 test clip.
    const fm = await loadFoldModel(dir, loadModel);
    const probs = predictProbabilities(fm, [run.logmel.get(run.roles.get('0/test')![0]!)!]);
    expect(probs[0]!.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    // progress (per batch) and one log line per epoch
    expect(base.ctx.progressEvents.length).toBeGreaterThan(0);
    expect(base.ctx.logs.filter((l) => /^fold 0 epoch \d+\/3: loss/.test(l))).toHaveLength(meta.epochs_run);
  });

  it('normalizes with per-band mean/std (ddof 0) of the fold\'s training clips only', () => {
    const norm = json(base.dir, 'normalization.json');
    const trainClips = run.roles.get('0/train')!.map((id) => run.logmel.get(id)!);
    const expected = bandStatistics(trainClips, 16, 24);
    expect(norm.eps).toBe(1e-8);
    norm.mean.forEach((m: number, i: number) => expect(m).toBeCloseTo(expected.mean[i]!, 4));
    norm.std.forEach((s: number, i: number) => expect(s).toBeCloseTo(expected.std[i]!, 4));
    // Different from statistics over every clip (val/test actors are louder): proof that
    // they were left out.
    const all = bandStatistics(run.ids.map((id) => run.logmel.get(id)!), 16, 24);
    expect(Math.abs(norm.mean[0] - all.mean[0]!)).toBeGreaterThan(1);
    // direct check of ddof 0 on band 0
    const v = trainClips.flatMap((c) => Array.from(c.subarray(0, 24)));
    const mu = v.reduce((a, b) => a + b, 0) / v.length;
    expect(norm.std[0]).toBeCloseTo(Math.sqrt(v.reduce((a, b) => a + (b - mu) ** 2, 0) / v.length), 4);
  });

  it('is deterministic: same inputs, params and seed → bit-identical weights, with every augmentation on', async () => {
    const a = await train({ augment: ALL_AUGMENT });
    const b = await train({ augment: ALL_AUGMENT });
    expect(read(a.dir, 'model/weights.bin').equals(read(b.dir, 'model/weights.bin'))).toBe(true);
    expect(read(a.dir, 'model/model.json').equals(read(b.dir, 'model/model.json'))).toBe(true);
    expect(read(a.dir, 'normalization.json').equals(read(b.dir, 'normalization.json'))).toBe(true);
    expect(await readHistory(path.join(a.dir, 'history.parquet')).then((h) => h.map((r) => [r.train_loss, r.val_acc])))
      .toEqual(await readHistory(path.join(b.dir, 'history.parquet')).then((h) => h.map((r) => [r.train_loss, r.val_acc])));
    // The augmentation changed training (vs. the plain run), and so does another seed.
    expect(read(a.dir, 'model/weights.bin').equals(read(base.dir, 'model/weights.bin'))).toBe(false);
    const c = await train({ augment: ALL_AUGMENT }, { seed: 1 });
    expect(read(a.dir, 'model/weights.bin').equals(read(c.dir, 'model/weights.bin'))).toBe(false);
  }, 240_000);

  it('augments independently of sharding: 1 worker ≈ 2 workers up to float rounding', async () => {
    const one = await train({ augment: ALL_AUGMENT, threads: 1, epochs: 2, patience: null });
    const two = await train({ augment: ALL_AUGMENT, threads: 2, epochs: 2, patience: null });
    expect(json(one.dir, 'meta.json').threads).toBe(1);
    const a = weights(one.dir);
    const b = weights(two.dir);
    let worst = 0;
    for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / Math.max(1e-2, Math.abs(a[i]!)));
    // 16 Adam steps; a sharding-dependent augmentation (or mask) would differ by O(0.1).
    expect(worst).toBeLessThan(2e-3);
  }, 240_000);

  it('fails clearly without a fold matrix value, and for a fold the split does not have', async () => {
    const ctx = await createTestContext({
      stage: 'train', params: { train: {}, seed: 0 },
      inputs: { featurize: path.dirname(run.features), split: path.dirname(run.split) },
    });
    await expect(stage.run(ctx)).rejects.toThrow(/matrix: \{ fold: '\$\{split.folds\}' \}/);
    await expect(train({}, { fold: 4 })).rejects.toThrow(/no fold 4 \(it has folds 0, 1\)/);
    await expect(train({ model: { channels: [] } })).rejects.toThrow(/train\.model\.channels/);
    expect(LABELS).toHaveLength(8);
  }, 60_000);
});
