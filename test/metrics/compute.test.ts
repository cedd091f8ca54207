import { describe, expect, it } from 'vitest';
import { computeMetrics, confusedPairs, meanStd, type PredictionRow } from '../../src/metrics/compute.ts';
import { metricAt, parseMetrics } from '../../src/metrics/schema.ts';
import { EMOTIONS, syntheticPredictions } from './synthetic.ts';

const labels = ['a', 'b', 'c'];
function row(id: string, fold: number, actor: number, t: number, p: number, intensity = 'normal'): PredictionRow {
  const probs = [0.1, 0.1, 0.1];
  probs[p] = 0.8;
  return { id, fold, actor, gender: actor % 2 ? 'male' : 'female', intensity, true: t, pred: p, probs };
}

// Fold 0: actors 1 (male) and 2 (female); fold 1: actors 3 (male) and 4 (female).
const rows: PredictionRow[] = [
  row('x1', 0, 1, 0, 0), row('x2', 0, 1, 1, 2), // actor 1: 1/2
  row('x3', 0, 2, 2, 2), row('x4', 0, 2, 0, 1), // actor 2: 1/2
  row('x5', 1, 3, 0, 0, 'strong'), row('x6', 1, 3, 1, 1, 'strong'), // actor 3: 2/2
  row('x7', 1, 4, 2, 2, 'strong'), row('x8', 1, 4, 1, 1), // actor 4: 2/2
];

describe('computeMetrics (hand-computed)', () => {
  const m = computeMetrics(rows, { labels, bootstrap: 200, seed: 0, protocol: 'speaker-kfold' });

  it('pools over folds and aliases the headline numbers', () => {
    expect(m.n).toBe(8);
    expect(m.accuracy).toBe(6 / 8);
    expect(m.pooled.accuracy).toBe(m.accuracy);
    expect(m.pooled.confusion.counts).toEqual([
      [2, 1, 0],
      [0, 2, 1],
      [0, 0, 2],
    ]);
    expect(m.per_class.b).toMatchObject({ precision: 2 / 3, recall: 2 / 3, support: 3, predicted: 3 });
    expect(m.pooled.confusion.normalized[0]).toEqual([2 / 3, 1 / 3, 0]);
  });

  it('per fold, with mean and population std across folds', () => {
    expect(m.folds.map((f) => [f.fold, f.accuracy, f.actors])).toEqual([
      [0, 0.5, [1, 2]],
      [1, 1, [3, 4]],
    ]);
    expect(m.fold_mean.accuracy).toBe(0.75);
    expect(m.fold_std.accuracy).toBe(0.25);
    expect(m.folds[0].gender.male.accuracy).toBe(0.5);
    expect(m.folds_evaluated).toEqual([0, 1]);
  });

  it('per gender, intensity and actor', () => {
    expect(m.gender.female.accuracy).toBe(3 / 4);
    expect(m.gender.male.accuracy).toBe(3 / 4);
    expect(m.gender.female.actors).toEqual([2, 4]);
    expect(m.per_intensity.normal).toMatchObject({ n: 5, accuracy: 3 / 5 });
    expect(m.per_intensity.strong).toMatchObject({ n: 3, accuracy: 1 });
    expect(m.per_actor['3']).toEqual({ gender: 'male', fold: 1, n: 2, accuracy: 1 });
    expect(m.bias.accuracy).toMatchObject({ female: 0.75, male: 0.75, diff: 0, ratio: 1, significant: false });
    expect(m.bias_audit).toMatchObject({ n_boot: 200, seed: 0, degenerate: false, actors: { female: [2, 4], male: [1, 3] } });
  });

  it('most confused pairs, ties ordered by class index', () => {
    expect(m.confused_pairs).toEqual([
      { true: 'a', pred: 'b', count: 1, rate: 1 / 3 },
      { true: 'b', pred: 'c', count: 1, rate: 1 / 3 },
    ]);
    expect(confusedPairs([[0, 2, 2], [2, 0, 0], [0, 3, 0]], labels, 2)).toEqual([
      { true: 'c', pred: 'b', count: 3, rate: 1 },
      { true: 'a', pred: 'b', count: 2, rate: 0.5 },
    ]);
  });

  it('checks speaker independence against the training actors of each fold', () => {
    expect(m.protocol).toEqual({ name: 'speaker-kfold', speaker_independent: null, shared_actors: [] });
    const indep = computeMetrics(rows, { labels, bootstrap: 10, seed: 0, trainActorsByFold: new Map([[0, [3, 4]], [1, [1, 2]]]) });
    expect(indep.protocol.speaker_independent).toBe(true);
    const shared = computeMetrics(rows, { labels, bootstrap: 10, seed: 0, trainActorsByFold: new Map([[0, [1, 3, 4]], [1, [1, 2, 4]]]) });
    expect(shared.protocol).toMatchObject({ speaker_independent: false, shared_actors: [1, 4] });
  });

  it('rejects a clip predicted twice and a wrong probability length', () => {
    expect(() => computeMetrics([...rows, rows[0]], { labels, bootstrap: 1, seed: 0 })).toThrow(/clip x1 is predicted twice/);
    expect(() => computeMetrics([{ ...rows[0], probs: [1, 0] }], { labels, bootstrap: 1, seed: 0 })).toThrow(/id x1\): 2 probabilities for 3 labels/);
  });

  it('meanStd skips nulls and is null for no values', () => {
    expect(meanStd([1, null, 3])).toEqual({ mean: 2, std: 1 });
    expect(meanStd([null])).toEqual({ mean: null, std: null });
  });
});

describe('metrics.json schema', () => {
  const m = computeMetrics(syntheticPredictions(), { labels: EMOTIONS, bootstrap: 300, seed: 0, protocol: 'speaker-kfold' });
  const json = JSON.parse(JSON.stringify(m));

  it('round-trips through JSON and validates', () => {
    expect(parseMetrics(json)).toEqual(json);
    expect(m.n).toBe(1440);
    expect(m.folds).toHaveLength(6);
  });

  it('gives every metric a stable dotted path', () => {
    expect(metricAt(json, 'accuracy')).toBe(m.pooled.accuracy);
    expect(metricAt(json, 'folds[2].macro_f1')).toBe(m.folds[2].macro_f1);
    expect(metricAt(json, 'fold_mean.accuracy')).toBe(m.fold_mean.accuracy);
    expect(metricAt(json, 'gender.female.accuracy')).toBe(m.gender.female.accuracy);
    expect(metricAt(json, 'bias.accuracy.diff')).toBe(m.bias.accuracy.diff);
    expect(metricAt(json, 'bias.recall_sad.ci.low')).toBe(m.bias.recall_sad.ci!.low);
    expect(metricAt(json, 'per_class.sad.recall')).toBe(m.pooled.per_class.sad.recall);
    expect(metricAt(json, 'per_actor.7.accuracy')).toBe(m.per_actor['7'].accuracy);
    expect(metricAt(json, 'calibration.ece')).toBe(m.calibration.ece);
    expect(metricAt(json, 'no.such.path')).toBeUndefined();
  });

  it('finds the simulated male disadvantage on sad and flags it', () => {
    const sad = m.bias.recall_sad;
    expect(sad.diff!).toBeGreaterThan(0.15);
    expect(sad.significant).toBe(true);
    expect(sad.ci!.low).toBeGreaterThan(0);
  });

  it('rejects a wrong version or a broken field with its path', () => {
    expect(() => parseMetrics({ ...json, schema_version: 0 }, 'x/metrics.json')).toThrow(/x\/metrics.json: schema_version is 0/);
    const broken = JSON.parse(JSON.stringify(json));
    broken.folds[1].accuracy = 'high';
    expect(() => parseMetrics(broken)).toThrow(/field folds.1.accuracy/);
  });

  it('is deterministic: same predictions and seed, same bytes', () => {
    const again = computeMetrics(syntheticPredictions(), { labels: EMOTIONS, bootstrap: 300, seed: 0, protocol: 'speaker-kfold' });
    expect(JSON.stringify(again)).toBe(JSON.stringify(m));
  });
});
