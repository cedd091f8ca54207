// From per-clip predictions to the metrics.json object: pooled, per fold, fold mean
// and spread, per gender, per intensity, per actor, the gender-bias audit, calibration
// and the most confused pairs. Pure: the evaluate stage, the tests and `ser report`
// all call this with plain arrays.
import { biasAudit, GENDERS, type Gender } from './bias.ts';
import { calibration } from './calibration.ts';
import { classStats, confusionMatrix, rowNormalize, summarize, sumMatrices, zeroMatrix, type Matrix, type Summary } from './classification.ts';
import { METRICS_SCHEMA_VERSION, type Block, type MetricsFile } from './schema.ts';

export interface PredictionRow {
  id: string;
  fold: number;
  actor: number;
  gender: Gender;
  intensity: string;
  /** True class index. */
  true: number;
  /** Predicted class index (argmax of probs, ties to the lowest index). */
  pred: number;
  /** Class probabilities, one per label. */
  probs: ArrayLike<number>;
}

export interface ComputeOptions {
  labels: readonly string[];
  /** Bootstrap replicates for the bias audit (evaluate.bootstrap). */
  bootstrap: number;
  seed: number;
  confidence?: number;
  calibrationBins?: number;
  topConfusions?: number;
  /** Split protocol name when known (e.g. "speaker-kfold", "random"). */
  protocol?: string | null;
  /**
   * Training actors per fold, to check speaker independence: a test actor who also
   * trained that fold's model is "shared". Omitted = unknown (null).
   */
  trainActorsByFold?: ReadonlyMap<number, readonly number[]>;
}

export function block(m: Matrix, labels: readonly string[]): Block {
  const stats = classStats(m);
  return {
    ...summarize(m),
    per_class: Object.fromEntries(labels.map((l, i) => [l, stats[i]])),
    confusion: { counts: m.map((r) => [...r]), normalized: rowNormalize(m) },
  };
}

/** Mean and population standard deviation (ddof = 0, as in the reference's "std"). */
export function meanStd(values: readonly (number | null)[]): { mean: number | null; std: number | null } {
  const xs = values.filter((v): v is number => v !== null);
  if (xs.length === 0) return { mean: null, std: null };
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length;
  return { mean, std: Math.sqrt(variance) };
}

/** Off-diagonal cells by count (ties: by true then predicted class index), count > 0 only. */
export function confusedPairs(m: Matrix, labels: readonly string[], top: number) {
  const cells: { t: number; p: number; count: number }[] = [];
  for (let t = 0; t < m.length; t++) for (let p = 0; p < m.length; p++) if (t !== p && m[t][p] > 0) cells.push({ t, p, count: m[t][p] });
  cells.sort((a, b) => b.count - a.count || a.t - b.t || a.p - b.p);
  return cells.slice(0, top).map(({ t, p, count }) => {
    const support = m[t].reduce((a, b) => a + b, 0);
    return { true: labels[t], pred: labels[p], count, rate: count / support };
  });
}

function validate(rows: readonly PredictionRow[], labels: readonly string[]): void {
  const k = labels.length;
  const seen = new Set<string>();
  rows.forEach((r, i) => {
    const where = `prediction row ${i} (id ${r.id})`;
    if (seen.has(r.id)) throw new Error(`${where}: clip ${r.id} is predicted twice; each test clip must belong to exactly one fold's test set`);
    seen.add(r.id);
    if (r.gender !== 'female' && r.gender !== 'male') throw new Error(`${where}: gender "${String(r.gender)}" is not female or male`);
    if (!Number.isInteger(r.actor)) throw new Error(`${where}: actor ${r.actor} is not an integer`);
    if (r.probs.length !== k) throw new Error(`${where}: ${r.probs.length} probabilities for ${k} labels`);
  });
}

export function computeMetrics(rows: readonly PredictionRow[], opts: ComputeOptions): MetricsFile {
  const { labels } = opts;
  const k = labels.length;
  validate(rows, labels);
  const matrixOf = (subset: readonly PredictionRow[]) => confusionMatrix(subset.map((r) => r.true), subset.map((r) => r.pred), k);
  const groupBy = <K>(key: (r: PredictionRow) => K) => {
    const map = new Map<K, PredictionRow[]>();
    for (const r of rows) {
      const g = key(r);
      let list = map.get(g);
      if (!list) map.set(g, (list = []));
      list.push(r);
    }
    return map;
  };

  const pooledMatrix = matrixOf(rows);
  const pooled = block(pooledMatrix, labels);

  const byFold = groupBy((r) => r.fold);
  const foldIds = [...byFold.keys()].sort((a, b) => a - b);
  const folds = foldIds.map((fold) => {
    const subset = byFold.get(fold)!;
    const genderSummary = (g: Gender): Summary => summarize(matrixOf(subset.filter((r) => r.gender === g)));
    return {
      fold,
      ...block(matrixOf(subset), labels),
      actors: [...new Set(subset.map((r) => r.actor))].sort((a, b) => a - b),
      gender: { female: genderSummary('female'), male: genderSummary('male') },
    };
  });
  const spread = (key: 'accuracy' | 'macro_f1' | 'uar') => meanStd(folds.map((f) => f[key]));
  const acc = spread('accuracy'), f1 = spread('macro_f1'), uar = spread('uar');

  const byActor = groupBy((r) => r.actor);
  const actorIds = [...byActor.keys()].sort((a, b) => a - b);
  const actorMatrices = new Map(actorIds.map((a) => [a, matrixOf(byActor.get(a)!)]));
  const per_actor: MetricsFile['per_actor'] = {};
  for (const a of actorIds) {
    const subset = byActor.get(a)!;
    const genders = new Set(subset.map((r) => r.gender));
    const foldsOfActor = new Set(subset.map((r) => r.fold));
    if (genders.size > 1) throw new Error(`actor ${a} has clips labelled with both genders`);
    // Under every supported protocol a test clip belongs to one fold; an actor spread
    // over several test folds (random split) is reported under the lowest fold.
    per_actor[String(a)] = { gender: subset[0].gender, fold: Math.min(...foldsOfActor), n: subset.length, accuracy: summarize(actorMatrices.get(a)!).accuracy };
  }

  const gender = Object.fromEntries(
    GENDERS.map((g) => {
      const ids = actorIds.filter((a) => per_actor[String(a)].gender === g);
      const m = sumMatrices(ids.map((a) => actorMatrices.get(a)!), k);
      return [g, { ...block(m, labels), actors: ids }];
    }),
  ) as MetricsFile['gender'];

  const per_intensity: Record<string, Summary> = {};
  for (const [intensity, subset] of [...groupBy((r) => r.intensity)].sort(([a], [b]) => a.localeCompare(b))) {
    per_intensity[intensity] = summarize(matrixOf(subset));
  }

  const audit = biasAudit(
    actorIds.map((a) => ({ actor: a, gender: per_actor[String(a)].gender, confusion: actorMatrices.get(a) ?? zeroMatrix(k) })),
    { labels, nBoot: opts.bootstrap, seed: opts.seed, confidence: opts.confidence },
  );
  const { metrics: bias, ...bias_audit } = audit;

  let speaker_independent: boolean | null = null;
  const shared = new Set<number>();
  if (opts.trainActorsByFold) {
    for (const f of folds) {
      const train = opts.trainActorsByFold.get(f.fold);
      if (!train) throw new Error(`no training actors given for fold ${f.fold}`);
      const trainSet = new Set(train);
      for (const a of f.actors) if (trainSet.has(a)) shared.add(a);
    }
    speaker_independent = shared.size === 0;
  }

  return {
    schema_version: METRICS_SCHEMA_VERSION,
    labels: [...labels],
    n: rows.length,
    folds_evaluated: foldIds,
    accuracy: pooled.accuracy,
    macro_f1: pooled.macro_f1,
    uar: pooled.uar,
    per_class: pooled.per_class,
    pooled,
    folds,
    fold_mean: { accuracy: acc.mean, macro_f1: f1.mean, uar: uar.mean },
    fold_std: { accuracy: acc.std, macro_f1: f1.std, uar: uar.std },
    gender,
    per_intensity,
    per_actor,
    bias,
    bias_audit,
    calibration: calibration(rows.map((r) => r.probs), rows.map((r) => r.true), rows.map((r) => r.pred), opts.calibrationBins ?? 15),
    confused_pairs: confusedPairs(pooledMatrix, labels, opts.topConfusions ?? 10),
    protocol: { name: opts.protocol ?? null, speaker_independent, shared_actors: [...shared].sort((a, b) => a - b) },
  };
}
