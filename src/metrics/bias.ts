// Gender-bias audit in the spirit of Fairlearn's MetricFrame: for each metric, its
// value for female and male speakers, the difference (female - male), the ratio
// (min / max) and a bootstrap confidence interval of the difference.
//
// Why resample actors and not clips: the 60 clips of one actor share a voice, a
// microphone distance and a style, so they are not independent draws. A clip-level
// bootstrap would treat 720 clips as 720 pieces of evidence and give far too narrow
// intervals; what varies between "datasets we could have recorded" is the speakers.
// Each replicate draws, with replacement, as many actors as each gender has (within
// that gender: the group sizes stay fixed, a stratified cluster bootstrap), adds their
// confusion matrices and recomputes every metric. The interval is the percentile
// interval of the replicate differences (linear interpolation between order
// statistics, like numpy.percentile's default).
//
// Degenerate groups: with a single actor in a gender, every replicate redraws that same
// actor, so the interval only reflects the other gender's spread and says nothing
// about speaker variability. The entry is then marked `degenerate: true` and never
// flagged significant; with no actor at all the values and interval are null.
// A replicate in which a class has no clips in a gender has no recall for that class;
// it is skipped for that metric only (`n_valid` counts the replicates used).
import { addInto, classStats, summarize, zeroMatrix, type Matrix } from './classification.ts';
import { createRng } from '../util/rng.ts';

export type Gender = 'female' | 'male';
export const GENDERS: readonly Gender[] = ['female', 'male'];

export interface ActorConfusion {
  actor: number;
  gender: Gender;
  confusion: Matrix;
}

export interface Interval {
  low: number;
  high: number;
}

export interface BiasEntry {
  female: number | null;
  male: number | null;
  /** female - male. */
  diff: number | null;
  /** min / max of the two values (1 = parity; 1 when both are 0). */
  ratio: number | null;
  /** Bootstrap interval of the difference. */
  ci: Interval | null;
  female_ci: Interval | null;
  male_ci: Interval | null;
  /** Replicates in which the metric was defined for both genders. */
  n_valid: number;
  /** The interval of the difference excludes 0 (and the audit is not degenerate). */
  significant: boolean;
}

export interface BiasAudit {
  method: 'actor-stratified percentile bootstrap';
  n_boot: number;
  seed: number;
  confidence: number;
  actors: { female: number[]; male: number[] };
  clips: { female: number; male: number };
  /** True when a gender has fewer than 2 actors: intervals do not measure speaker variability. */
  degenerate: boolean;
  degenerate_reason: string | null;
  metrics: Record<string, BiasEntry>;
}

export interface BiasOptions {
  labels: readonly string[];
  nBoot: number;
  seed: number;
  /** Two-sided confidence level, default 0.95. */
  confidence?: number;
}

/** The audited metrics of one confusion matrix: accuracy, macro_f1, uar, recall_<label>. */
export function auditedMetrics(m: Matrix, labels: readonly string[]): Record<string, number | null> {
  const s = summarize(m);
  const out: Record<string, number | null> = { accuracy: s.accuracy, macro_f1: s.macro_f1, uar: s.uar };
  classStats(m).forEach((c, i) => {
    out[`recall_${labels[i]}`] = c.no_support ? null : c.recall;
  });
  return out;
}

export function auditedMetricNames(labels: readonly string[]): string[] {
  return ['accuracy', 'macro_f1', 'uar', ...labels.map((l) => `recall_${l}`)];
}

/** Percentile with linear interpolation between order statistics of a sorted array. */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new Error('percentile of an empty sample');
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos), hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

function interval(values: number[], confidence: number): Interval | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const alpha = (1 - confidence) / 2;
  return { low: percentile(sorted, alpha), high: percentile(sorted, 1 - alpha) };
}

function ratio(a: number | null, b: number | null): number | null {
  if (a === null || b === null) return null;
  const max = Math.max(a, b);
  return max === 0 ? 1 : Math.min(a, b) / max;
}

export function biasAudit(actors: readonly ActorConfusion[], opts: BiasOptions): BiasAudit {
  const k = opts.labels.length;
  const confidence = opts.confidence ?? 0.95;
  if (!(confidence > 0 && confidence < 1)) throw new Error(`bias audit: confidence must be in (0, 1), got ${confidence}`);
  if (!Number.isInteger(opts.nBoot) || opts.nBoot < 1) throw new Error(`bias audit: evaluate.bootstrap must be a positive integer, got ${opts.nBoot}`);
  const byGender: Record<Gender, ActorConfusion[]> = { female: [], male: [] };
  for (const a of actors) {
    if (a.gender !== 'female' && a.gender !== 'male') throw new Error(`bias audit: actor ${a.actor} has gender "${String(a.gender)}" (expected female or male)`);
    if (a.confusion.length !== k) throw new Error(`bias audit: actor ${a.actor} has a ${a.confusion.length}x${a.confusion.length} confusion matrix for ${k} labels`);
    byGender[a.gender].push(a);
  }
  for (const g of GENDERS) byGender[g].sort((x, y) => x.actor - y.actor);

  const total = (list: ActorConfusion[]) => list.reduce((acc, a) => addInto(acc, a.confusion), zeroMatrix(k));
  const clipsOf = (list: ActorConfusion[]) => list.reduce((n, a) => n + a.confusion.flat().reduce((x, y) => x + y, 0), 0);
  const point: Record<Gender, Record<string, number | null>> = {
    female: auditedMetrics(total(byGender.female), opts.labels),
    male: auditedMetrics(total(byGender.male), opts.labels),
  };

  const names = auditedMetricNames(opts.labels);
  const reps: Record<string, { f: number[]; m: number[]; d: number[] }> = {};
  for (const name of names) reps[name] = { f: [], m: [], d: [] };
  const nF = byGender.female.length, nM = byGender.male.length;
  if (nF > 0 && nM > 0) {
    // A named stream: the audit's draws never shift other consumers of the same seed.
    const rng = createRng(opts.seed, 'bias-bootstrap');
    const draw = (list: ActorConfusion[]) => {
      const m = zeroMatrix(k);
      for (let i = 0; i < list.length; i++) addInto(m, list[rng.int(list.length)].confusion);
      return m;
    };
    for (let b = 0; b < opts.nBoot; b++) {
      const f = auditedMetrics(draw(byGender.female), opts.labels);
      const m = auditedMetrics(draw(byGender.male), opts.labels);
      for (const name of names) {
        const fv = f[name], mv = m[name];
        if (fv === null || mv === null) continue;
        reps[name].f.push(fv);
        reps[name].m.push(mv);
        reps[name].d.push(fv - mv);
      }
    }
  }

  const small = GENDERS.filter((g) => byGender[g].length < 2);
  const degenerate = small.length > 0;
  const degenerateReason = degenerate
    ? small.map((g) => `${byGender[g].length === 0 ? 'no' : 'only one'} ${g} actor${byGender[g].length === 1 ? ` (${byGender[g][0].actor})` : ''}`).join(' and ') +
      ': the actor bootstrap cannot measure between-speaker variability, so no gap is flagged'
    : null;

  const metrics: Record<string, BiasEntry> = {};
  for (const name of names) {
    const fv = point.female[name], mv = point.male[name];
    const ci = interval(reps[name].d, confidence);
    metrics[name] = {
      female: fv,
      male: mv,
      diff: fv !== null && mv !== null ? fv - mv : null,
      ratio: ratio(fv, mv),
      ci,
      female_ci: interval(reps[name].f, confidence),
      male_ci: interval(reps[name].m, confidence),
      n_valid: reps[name].d.length,
      significant: !degenerate && ci !== null && (ci.low > 0 || ci.high < 0),
    };
  }
  return {
    method: 'actor-stratified percentile bootstrap',
    n_boot: opts.nBoot,
    seed: opts.seed,
    confidence,
    actors: { female: byGender.female.map((a) => a.actor), male: byGender.male.map((a) => a.actor) },
    clips: { female: clipsOf(byGender.female), male: clipsOf(byGender.male) },
    degenerate,
    degenerate_reason: degenerateReason,
    metrics,
  };
}
