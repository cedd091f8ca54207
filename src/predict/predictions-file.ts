// predictions.parquet, the evaluate stage's per-clip output (README, "Evaluation and
// the report"): one row per test clip of every fold — id, fold, actor, gender,
// intensity, true/predicted label (name and class index), and one probability column
// per class, prob_<label>. Flat columns so pandas/duckdb/Arrow users read it directly
// and experiments can pair two runs clip by clip.
import { Table, Utf8, makeVector, vectorFromArray } from 'apache-arrow';
import { readParquetFile, readParquetMetadata, writeParquetFile } from '../io/parquet.ts';
import type { PredictionRow } from '../metrics/compute.ts';

export async function writePredictions(path: string, rows: readonly PredictionRow[], labels: readonly string[]): Promise<void> {
  const n = rows.length;
  const cols: Record<string, ReturnType<typeof makeVector>> = {
    id: vectorFromArray(rows.map((r) => r.id), new Utf8()),
    fold: makeVector(Int32Array.from(rows, (r) => r.fold)),
    actor: makeVector(Int32Array.from(rows, (r) => r.actor)),
    gender: vectorFromArray(rows.map((r) => r.gender), new Utf8()),
    intensity: vectorFromArray(rows.map((r) => r.intensity), new Utf8()),
    true_label: vectorFromArray(rows.map((r) => labels[r.true]), new Utf8()),
    pred_label: vectorFromArray(rows.map((r) => labels[r.pred]), new Utf8()),
    true_index: makeVector(Int32Array.from(rows, (r) => r.true)),
    pred_index: makeVector(Int32Array.from(rows, (r) => r.pred)),
  };
  labels.forEach((l, k) => {
    const p = new Float32Array(n);
    rows.forEach((r, i) => (p[i] = r.probs[k]));
    cols[`prob_${l}`] = makeVector(p);
  });
  await writeParquetFile(path, new Table(cols), { metadata: { labels: JSON.stringify(labels) } });
}

export async function readPredictions(path: string): Promise<{ labels: string[]; rows: PredictionRow[] }> {
  const meta = await readParquetMetadata(path);
  if (!meta.labels) throw new Error(`${path}: footer metadata 'labels' missing — not written by the evaluate stage`);
  const labels = JSON.parse(meta.labels) as string[];
  const t = await readParquetFile(path);
  const col = (name: string) => {
    const c = t.getChild(name);
    if (!c) throw new Error(`${path}: no column '${name}'`);
    return c.toArray() as ArrayLike<unknown>;
  };
  const id = col('id') as string[], fold = col('fold') as Int32Array, actor = col('actor') as Int32Array;
  const gender = col('gender') as string[], intensity = col('intensity') as string[];
  const ti = col('true_index') as Int32Array, pi = col('pred_index') as Int32Array;
  const probs = labels.map((l) => col(`prob_${l}`) as Float32Array);
  const rows: PredictionRow[] = [];
  for (let i = 0; i < t.numRows; i++) {
    const g = gender[i];
    if (g !== 'female' && g !== 'male') throw new Error(`${path}: row ${i} (${id[i]}) has gender '${g}'`);
    rows.push({ id: id[i], fold: fold[i], actor: actor[i], gender: g, intensity: intensity[i], true: ti[i], pred: pi[i], probs: Float32Array.from(probs, (p) => p[i]) });
  }
  return { labels, rows };
}
