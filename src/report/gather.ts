// Collect the report's typed inputs from upstream artifacts: evaluate's metrics.json,
// each train instance's history.parquet and meta.json, ingest's manifest.parquet, and
// every artifact's completeness marker (.ser-artifact.json, written by the engine) for
// its cache key, declared params and duration.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readParquetFile } from '../io/parquet.ts';
import { parseMetrics } from '../metrics/schema.ts';
import { readMarker } from '../pipeline/store.ts';
import type { Artifact, ParamValue } from '../pipeline/types.ts';
import type { DatasetSummary, HistoryRow, InputIssue, ReportInput, TrainSummary } from './types.ts';

const STAGE_ORDER = ['ingest', 'resample', 'featurize', 'split', 'train', 'evaluate', 'report'];

function instanceName(a: Artifact): string {
  return Object.entries(a.matrix)
    .map(([k, v]) => `${k}=${JSON.stringify(v).replace(/^"|"$/g, '')}`)
    .join(',');
}

async function readJsonFile(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new Error(`${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : (err as Error).message}`);
  }
}

export async function readHistory(path: string): Promise<HistoryRow[]> {
  const t = await readParquetFile(path);
  const cols = ['epoch', 'train_loss', 'train_acc', 'val_loss', 'val_acc', 'lr', 'seconds'] as const;
  const vectors = cols.map((c) => {
    const v = t.getChild(c);
    if (!v) throw new Error(`${path}: no column '${c}' (has ${t.schema.fields.map((f) => f.name).join(', ')})`);
    return v;
  });
  // get(i) keeps nulls (no validation set) as null; numbers may be int32/float32/float64/int64
  const value = (j: number, i: number): number | null => {
    const x = vectors[j].get(i) as number | bigint | null;
    return x === null ? null : Number(x);
  };
  return Array.from({ length: t.numRows }, (_, i) => {
    const row = Object.fromEntries(cols.map((c, j) => [c, value(j, i)])) as Record<(typeof cols)[number], number | null>;
    for (const c of ['epoch', 'train_loss', 'train_acc', 'lr', 'seconds'] as const) {
      if (row[c] === null) throw new Error(`${path}: row ${i} has no ${c}`);
    }
    return row as unknown as HistoryRow;
  });
}

export async function summarizeManifest(dir: string, verify: ParamValue | undefined, datasetPath: string | null): Promise<DatasetSummary> {
  const path = join(dir, 'manifest.parquet');
  const t = await readParquetFile(path);
  const col = (name: string): string[] | null => (t.getChild(name) ? (t.getChild(name)!.toArray() as string[]) : null);
  const need = (name: string): string[] => {
    const c = col(name);
    if (!c) throw new Error(`${path}: no column '${name}'`);
    return c;
  };
  const [id, source, status, reason] = ['id', 'source', 'status', 'reason'].map(need);
  const flags = col('flags');
  const by_status: Record<string, number> = {};
  const issues: InputIssue[] = [];
  for (let i = 0; i < t.numRows; i++) {
    by_status[status[i]] = (by_status[status[i]] ?? 0) + 1;
    const f = flags?.[i] ?? '';
    if (status[i] !== 'ok' || f) issues.push({ id: id[i], source: source[i], status: status[i], reason: reason[i], flags: f });
  }
  // Official clips that are not in the dataset at all (ingest lists them in rejected.json).
  let missing: string[] = [];
  const rejected = join(dir, 'rejected.json');
  if (existsSync(rejected)) {
    const r = (await readJsonFile(rejected)) as { missing?: unknown };
    if (Array.isArray(r.missing)) missing = r.missing.map(String);
  }
  const ok = by_status.ok ?? 0;
  const mode = verify === undefined ? '' : ` (dataset.verify = ${JSON.stringify(verify)})`;
  const parts = [`${ok} of ${t.numRows} clips ok`];
  for (const s of ['modified', 'rejected', 'unreadable']) if (by_status[s]) parts.push(`${by_status[s]} ${s}`);
  if (missing.length) parts.push(`${missing.length} official clip(s) missing`);
  return { path: datasetPath, clips: t.numRows, by_status, verification: `${parts.join(', ')}${mode}`, issues, missing };
}

export interface ReportArtifacts {
  evaluate: Artifact;
  train: readonly Artifact[];
  ingest?: Artifact;
  /** Any other upstream artifacts whose keys, params and durations the summary lists. */
  others?: readonly Artifact[];
}

export async function gatherReportInput(a: ReportArtifacts, title: string): Promise<ReportInput> {
  const metrics = parseMetrics(await readJsonFile(join(a.evaluate.dir, 'metrics.json')), join(a.evaluate.dir, 'metrics.json'));
  const train = [...a.train].sort((x, y) => Number(x.matrix.fold ?? 0) - Number(y.matrix.fold ?? 0));
  const histories: ReportInput['histories'] = [];
  const training: TrainSummary[] = [];
  for (const t of train) {
    const meta = (await readJsonFile(join(t.dir, 'meta.json'))) as TrainSummary & Record<string, unknown>;
    histories.push({ fold: meta.fold, rows: await readHistory(join(t.dir, 'history.parquet')) });
    training.push({
      fold: meta.fold, backend: meta.backend, threads: meta.threads, epochs_run: meta.epochs_run, best_epoch: meta.best_epoch,
      best_val_acc: meta.best_val_acc, seconds: meta.seconds, seconds_per_epoch: meta.seconds_per_epoch, n_train: meta.n_train, n_val: meta.n_val,
    });
  }

  const all = [...(a.ingest ? [a.ingest] : []), ...(a.others ?? []), ...train, a.evaluate];
  const params: Record<string, unknown> = {};
  const artifacts: ReportInput['run']['artifacts'] = [];
  const durations: ReportInput['run']['durations'] = [];
  const seen = new Set<string>();
  for (const art of all.sort((x, y) => STAGE_ORDER.indexOf(x.stage) - STAGE_ORDER.indexOf(y.stage) || instanceName(x).localeCompare(instanceName(y)))) {
    const id = `${art.stage}[${instanceName(art)}]`;
    if (seen.has(id)) continue;
    seen.add(id);
    artifacts.push({ stage: art.stage, instance: instanceName(art), key: art.key.slice(0, 12) });
    const marker = await readMarker(art.dir);
    if (!marker) continue; // e.g. test inputs not made by the runner
    durations.push({ stage: art.stage, instance: instanceName(art), seconds: marker.entry.duration_s });
    // Declared params by dotted path (e.g. "train" or "seed") -> value; matrix params differ per instance, keep the first.
    for (const [path, value] of Object.entries(marker.entry.params)) {
      if (!(path in params)) params[path] = value;
    }
  }
  const datasetParam = params.dataset as Record<string, ParamValue> | undefined;
  const dataset = a.ingest
    ? await summarizeManifest(a.ingest.dir, datasetParam?.verify, typeof datasetParam?.path === 'string' ? datasetParam.path : null)
    : { path: null, clips: metrics.n, by_status: {}, verification: 'unknown (no ingest artifact)', issues: [] };
  const backends = [...new Set(training.map((t) => `${t.backend}${t.threads ? ` (${t.threads} threads)` : ''}`))];
  return {
    title,
    metrics,
    histories,
    training,
    dataset,
    run: {
      protocol: metrics.protocol.name,
      params,
      backend: backends.length ? backends.join(', ') : null,
      artifacts,
      durations,
    },
  };
}
