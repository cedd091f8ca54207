// `ser exp diff`: everything that differs between two evaluations — params, artifacts,
// metrics (overall, per gender, per class, per intensity, per fold) — and whether the
// accuracy difference is more than noise (stats.ts), on the SAME test clips (paired.ts).
import { canonicalJson, diffParams } from '../pipeline/params.ts';
import type { Params } from '../pipeline/types.ts';
import type { MetricsFile } from '../metrics/schema.ts';
import { metricAt } from '../metrics/schema.ts';
import { loadBaseline, type LoadedBaseline } from './baseline.ts';
import { checkSameLabels, checkSameTestSummary, experimentClips, pairClips } from './paired.ts';
import { ExperimentError, loadExperiment, type ExperimentRecord } from './record.ts';
import { actorBootstrap, mcnemar, type ActorBootstrapResult, type McNemarResult } from './stats.ts';

/** One side of a comparison: an experiment, a baseline file or a bare metrics.json. */
export interface Side extends Omit<LoadedBaseline, 'kind' | 'path'> {
  kind: 'experiment' | 'baseline' | 'metrics';
  /** For baselines: the file. */
  path?: string;
  /** Why there are no clips. */
  clips_note: string | null;
  record?: ExperimentRecord;
}

export async function experimentSide(root: string, name: string): Promise<Side> {
  const r = await loadExperiment(root, name);
  if (!r.metrics) {
    const last = r.targets.length ? r.targets.join(', ') : (r.stages[r.stages.length - 1]?.stage ?? 'nothing');
    throw new ExperimentError(`experiment '${name}' has no metrics: it ran up to '${last}', not through evaluate (rerun it with \`npx ser exp run ${name} --force …\` without --stage)`);
  }
  const { clips, note } = await experimentClips(root, r);
  return {
    name: r.name, kind: 'experiment', created_at: r.created_at, git: r.git, backend: r.backend, params: r.params,
    params_changed: r.params_changed, artifacts: r.artifacts, metrics: r.metrics, clips, clips_note: note, record: r,
  };
}

/** `path` is read; `display` (e.g. as the user typed it) is what messages and outputs show. */
export async function baselineSide(path: string, display = path): Promise<Side> {
  const b = await loadBaseline(path, display);
  return {
    name: b.kind === 'baseline' ? `baseline:${b.name}` : 'baseline', kind: b.kind, path: display, created_at: b.created_at, git: b.git, backend: b.backend,
    params: b.params, params_changed: b.params_changed, artifacts: b.artifacts, metrics: b.metrics, clips: b.clips,
    clips_note: b.clips ? null : `${display} holds no per-clip predictions (a plain metrics.json)`,
  };
}

export interface MetricRow {
  group: 'headline' | 'gender' | 'class' | 'intensity' | 'fold';
  path: string;
  label: string;
  a: number | null;
  b: number | null;
  delta: number | null;
}

export interface Significance {
  mcnemar: McNemarResult;
  bootstrap: ActorBootstrapResult;
}

export interface Comparison {
  a: Omit<Side, 'metrics' | 'clips' | 'record' | 'params'>;
  b: Omit<Side, 'metrics' | 'clips' | 'record' | 'params'>;
  /** Params that differ between a and b (null when a side has no params, e.g. a bare metrics.json). */
  params: { path: string; a?: unknown; b?: unknown }[] | null;
  /** Stage instances and whether both used the same artifact. */
  artifacts: { id: string; a: string | null; b: string | null; same: boolean }[];
  test_set: { n: number; folds: number[]; actors: number[]; checked: 'clips' | 'summary' };
  metrics: MetricRow[];
  significance: Significance | null;
  significance_note: string | null;
}

export interface CompareOptions {
  nBoot?: number;
  seed?: number;
  confidence?: number;
  alpha?: number;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

export function metricRows(a: MetricsFile, b: MetricsFile): MetricRow[] {
  const rows: MetricRow[] = [];
  const add = (group: MetricRow['group'], path: string, label: string) => {
    const va = num(metricAt(a, path)), vb = num(metricAt(b, path));
    if (metricAt(a, path) === undefined && metricAt(b, path) === undefined) return;
    rows.push({ group, path, label, a: va, b: vb, delta: va === null || vb === null ? null : vb - va });
  };
  add('headline', 'accuracy', 'accuracy');
  add('headline', 'macro_f1', 'macro-F1');
  add('headline', 'uar', 'UAR');
  add('headline', 'bias.accuracy.diff', 'gender gap (F − M accuracy)');
  if (a.folds.length > 1 || b.folds.length > 1) {
    add('headline', 'fold_mean.accuracy', 'fold mean accuracy');
    add('headline', 'fold_std.accuracy', 'fold std accuracy');
  }
  add('headline', 'calibration.ece', 'ECE (calibration error)');
  for (const g of ['female', 'male'] as const) {
    add('gender', `gender.${g}.accuracy`, `${g} accuracy`);
    add('gender', `gender.${g}.macro_f1`, `${g} macro-F1`);
    add('gender', `gender.${g}.uar`, `${g} UAR`);
  }
  for (const l of a.labels) {
    add('class', `per_class.${l}.precision`, `${l} precision`);
    add('class', `per_class.${l}.recall`, `${l} recall`);
    add('class', `per_class.${l}.f1`, `${l} F1`);
  }
  for (const k of [...new Set([...Object.keys(a.per_intensity), ...Object.keys(b.per_intensity)])].sort()) add('intensity', `per_intensity.${k}.accuracy`, `${k} intensity accuracy`);
  if (a.folds.length > 1) a.folds.forEach((f, i) => add('fold', `folds[${i}].accuracy`, `fold ${f.fold} accuracy`));
  return rows;
}

function strip(s: Side): Comparison['a'] {
  const { metrics: _m, clips: _c, record: _r, params: _p, ...rest } = s;
  return rest;
}

export function compareSides(a: Side, b: Side, o: CompareOptions = {}): Comparison {
  checkSameLabels(a.name, a.metrics, b.name, b.metrics);
  let significance: Significance | null = null;
  let note: string | null = null;
  let checked: 'clips' | 'summary' = 'summary';
  if (a.clips && b.clips) {
    const pairs = pairClips(a.name, a.clips, b.name, b.clips); // throws on different test sets
    checked = 'clips';
    significance = {
      mcnemar: mcnemar(pairs, o.alpha ?? 0.05),
      bootstrap: actorBootstrap(pairs, { nBoot: o.nBoot ?? 2000, seed: o.seed ?? 0, confidence: o.confidence ?? 0.95 }),
    };
  } else {
    checkSameTestSummary(a.name, a.metrics, b.name, b.metrics);
    note = `significance not computed: ${[a.clips_note, b.clips_note].filter(Boolean).join('; ')}`;
  }
  const params = a.params && b.params ? diffParams(a.params, b.params).map((d) => ({ path: d.path, a: d.before, b: d.after })) : null;
  const ids = [...new Set([...Object.keys(a.artifacts ?? {}), ...Object.keys(b.artifacts ?? {})])];
  const artifacts = a.artifacts || b.artifacts
    ? ids.map((id) => {
        const ka = a.artifacts?.[id] ?? null, kb = b.artifacts?.[id] ?? null;
        return { id, a: ka, b: kb, same: ka !== null && ka === kb };
      })
    : [];
  const m = a.metrics;
  return {
    a: strip(a),
    b: strip(b),
    params,
    artifacts,
    test_set: { n: m.n, folds: [...m.folds_evaluated], actors: Object.keys(m.per_actor).map(Number).sort((x, y) => x - y), checked },
    metrics: metricRows(a.metrics, b.metrics),
    significance,
    significance_note: note,
  };
}

/** True when two param trees are equal (canonical JSON). */
export function sameParams(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}
export { NotComparableError } from './paired.ts';
