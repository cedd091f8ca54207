// Pairing two evaluations clip by clip. Deltas and paired tests only mean something
// when both models were scored on the same test clips with the same labels, so any
// difference (other clips, other folds, other labels) is refused with what differs.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readPredictions } from '../predict/predictions-file.ts';
import type { MetricsFile } from '../metrics/schema.ts';
import { artifactDir } from '../pipeline/store.ts';
import { EVALUATE_STAGE, ExperimentError, type ExperimentRecord } from './record.ts';
import type { PairedClip } from './stats.ts';

/** One test clip's outcome (from predictions.parquet or a baseline file). */
export interface ClipOutcome {
  id: string;
  fold: number;
  actor: number;
  gender: 'female' | 'male';
  /** True and predicted class index. */
  true: number;
  pred: number;
}

/** Two evaluations are on different test sets: no deltas, no paired tests. */
export class NotComparableError extends ExperimentError {}

/** The clip outcomes of an experiment's evaluate artifact, or why there are none. */
export async function experimentClips(root: string, r: ExperimentRecord): Promise<{ clips: ClipOutcome[] | null; note: string | null }> {
  const ev = r.stages.find((s) => s.stage === EVALUATE_STAGE);
  if (!ev) return { clips: null, note: `experiment '${r.name}' has no ${EVALUATE_STAGE} artifact` };
  const path = join(artifactDir(root, ev.stage, ev.key), 'predictions.parquet');
  if (!existsSync(path)) return { clips: null, note: `${path} is missing (artifacts not restored?)` };
  const { rows } = await readPredictions(path);
  return { clips: rows.map((x) => ({ id: x.id, fold: x.fold, actor: x.actor, gender: x.gender, true: x.true, pred: x.pred })), note: null };
}

function describeSet(clips: readonly ClipOutcome[]): string {
  const folds = [...new Set(clips.map((c) => c.fold))].sort((a, b) => a - b);
  const actors = [...new Set(clips.map((c) => c.actor))].sort((a, b) => a - b);
  return `${clips.length} clips, fold${folds.length === 1 ? '' : 's'} ${folds.join(',')}, actors ${actors.join(',')}`;
}

const HOW_TO_FIX = 'deltas and paired tests need the same test clips: run both with the same dataset.* and split.* params (and seed for the random protocol)';

/** Throws NotComparableError unless both lists hold the same clips, folds and labels. Returns the pairs. */
export function pairClips(aName: string, a: readonly ClipOutcome[], bName: string, b: readonly ClipOutcome[]): PairedClip[] {
  const key = (c: ClipOutcome) => `${c.id}@${c.fold}`;
  const bm = new Map(b.map((c) => [key(c), c]));
  const am = new Map(a.map((c) => [key(c), c]));
  const onlyA = a.filter((c) => !bm.has(key(c)));
  const onlyB = b.filter((c) => !am.has(key(c)));
  if (onlyA.length || onlyB.length || a.length !== b.length) {
    const ex = (list: ClipOutcome[], who: string) => (list.length ? `; ${list.length} clip(s) only in ${who} (e.g. ${list.slice(0, 3).map((c) => `${c.id} fold ${c.fold}`).join(', ')})` : '');
    throw new NotComparableError(
      `cannot compare '${aName}' and '${bName}': they were evaluated on different test sets — ${aName}: ${describeSet(a)}; ${bName}: ${describeSet(b)}` +
        `${ex(onlyA, aName)}${ex(onlyB, bName)}. ${HOW_TO_FIX}`,
    );
  }
  const relabeled = a.filter((c) => bm.get(key(c))!.true !== c.true || bm.get(key(c))!.actor !== c.actor);
  if (relabeled.length) {
    const c = relabeled[0];
    throw new NotComparableError(`cannot compare '${aName}' and '${bName}': ${relabeled.length} test clip(s) have different labels or actors (e.g. ${c.id}: true class ${c.true} vs ${bm.get(key(c))!.true}). ${HOW_TO_FIX}`);
  }
  return [...a]
    .sort((x, y) => (key(x) < key(y) ? -1 : 1))
    .map((c) => {
      const o = bm.get(key(c))!;
      return { id: c.id, actor: c.actor, gender: c.gender, a: c.pred === c.true, b: o.pred === o.true };
    });
}

/** Without clips on one side: compare what metrics.json says about the test set. */
export function checkSameTestSummary(aName: string, a: MetricsFile, bName: string, b: MetricsFile): void {
  const sig = (m: MetricsFile) => ({
    n: m.n,
    folds: m.folds_evaluated.join(','),
    actors: Object.entries(m.per_actor)
      .map(([k, v]) => [Number(k), v.n, v.fold] as const)
      .sort((x, y) => x[0] - y[0])
      .map(([k, n, f]) => `${k}:${n}@${f}`)
      .join(' '),
    support: m.labels.map((l) => m.per_class[l]?.support ?? 0).join(','),
  });
  const sa = sig(a), sb = sig(b);
  const diffs: string[] = [];
  if (sa.n !== sb.n) diffs.push(`${sa.n} vs ${sb.n} clips`);
  if (sa.folds !== sb.folds) diffs.push(`folds ${sa.folds} vs ${sb.folds}`);
  if (sa.actors !== sb.actors) diffs.push(`clips per actor ${sa.actors} vs ${sb.actors}`);
  else if (sa.support !== sb.support) diffs.push(`clips per class ${sa.support} vs ${sb.support}`);
  if (diffs.length) throw new NotComparableError(`cannot compare '${aName}' and '${bName}': they were evaluated on different test sets (${diffs.join('; ')}). ${HOW_TO_FIX}`);
}

export function checkSameLabels(aName: string, a: MetricsFile, bName: string, b: MetricsFile): void {
  if (a.labels.join(',') !== b.labels.join(',')) {
    throw new NotComparableError(`cannot compare '${aName}' and '${bName}': different class labels (${a.labels.join(', ')} vs ${b.labels.join(', ')})`);
  }
}
