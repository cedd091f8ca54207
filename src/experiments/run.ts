// `ser exp run <name>`: run the pipeline with overrides and record the result.
//
// The run goes through the engine like `ser run`, so every stage instance whose key is
// unchanged comes from the artifact cache (a train-param change reruns train and what
// is downstream of it, never ingest/resample/featurize/split). It does NOT write
// pipeline.lock: the lock describes the workspace's own params (pipeline.yaml), and an
// experiment is a variant beside it, as with DVC's `exp run`. The experiment's record
// (artifacts/experiments/<name>.json) names every artifact it used, which keeps them
// from `ser gc`.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Override, Pipeline } from '../pipeline/config.ts';
import { loadPipeline, upstreamClosure } from '../pipeline/config.ts';
import { diffParams } from '../pipeline/params.ts';
import type { Reporter } from '../pipeline/progress.ts';
import type { InstanceResult } from '../pipeline/runner.ts';
import { runPipeline } from '../pipeline/runner.ts';
import { artifactDir, readMarker } from '../pipeline/store.ts';
import type { ParamValue } from '../pipeline/types.ts';
import { parseMetrics, type MetricsFile } from '../metrics/schema.ts';
import { gitInfo } from './git.ts';
import { checkName, EVALUATE_STAGE, TRAIN_STAGE, existsMessage, experimentExists, ExperimentError, saveExperiment, type ExperimentRecord, type ParamChange, type StageRun } from './record.ts';


export interface ExperimentRunOptions {
  root: string;
  name: string;
  /** --set and SER_SET overrides, in the order they apply. */
  overrides: Override[];
  /** Stages to run up to (default: the whole pipeline). */
  targets?: string[];
  /** Replace an existing record of the same name. */
  overwrite?: boolean;
  /** Rerun these stages even when cached (`ser run --force` semantics). */
  rerun?: boolean;
  jobs?: number;
  wait?: boolean;
  reporter: Reporter;
  signal?: AbortSignal;
  command: string;
}

export interface ExperimentRunResult {
  record: ExperimentRecord;
  path: string;
}

/** Leaf-level param differences from pipeline.yaml. */
export function paramChanges(defaults: unknown, actual: unknown): ParamChange[] {
  return diffParams(defaults, actual).map((d) => {
    const c: ParamChange = { path: d.path };
    if (d.before !== undefined) c.default = d.before as ParamValue;
    if (d.after !== undefined) c.value = d.after as ParamValue;
    return c;
  });
}

export async function runExperiment(o: ExperimentRunOptions): Promise<ExperimentRunResult> {
  checkName(o.name);
  // Refuse before spending minutes on a run whose record could not be saved.
  if (!o.overwrite && experimentExists(o.root, o.name)) throw new ExperimentError(existsMessage(o.name));
  const defaults = loadPipeline(o.root);
  const pipeline = loadPipeline(o.root, { overrides: o.overrides });
  // The code that runs is the code checked out when the run starts: a commit made while a
  // long run is under way must not be recorded as the one that produced its artifacts.
  const git = await gitInfo(o.root);
  const t0 = Date.now();
  const summary = await runPipeline(pipeline, {
    targets: o.targets,
    force: o.rerun,
    jobs: o.jobs,
    wait: o.wait,
    writeLock: false,
    publish: false,
    reporter: o.reporter,
    signal: o.signal,
    command: o.command,
  });
  if (!summary.ok) {
    const failed = summary.results.filter((r) => r.outcome === 'failed');
    const why = failed.map((f) => f.error?.message ?? `${f.id} failed`).join('; ') || (summary.cancelled ? 'cancelled' : 'the run did not finish');
    throw new ExperimentError(`experiment '${o.name}' not recorded: ${why}`);
  }
  const record = await buildRecord(o, defaults, pipeline, summary.results, (Date.now() - t0) / 1000, git);
  const path = await saveExperiment(o.root, record, o.overwrite ?? false);
  return { record, path };
}

async function buildRecord(
  o: ExperimentRunOptions, defaults: Pipeline, pipeline: Pipeline, results: InstanceResult[], seconds: number,
  git: Awaited<ReturnType<typeof gitInfo>>,
): Promise<ExperimentRecord> {
  const order = new Map(upstreamClosure(pipeline, o.targets?.length ? o.targets : pipeline.stages.map((s) => s.name)).map((s, i) => [s.name, i]));
  const done = results
    .filter((r) => r.key && (r.outcome === 'ran' || r.outcome === 'reused' || r.outcome === 'fresh'))
    .sort((a, b) => (order.get(a.stage) ?? 0) - (order.get(b.stage) ?? 0) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const stages: StageRun[] = [];
  for (const r of done) {
    const marker = await readMarker(artifactDir(o.root, r.stage, r.key!));
    stages.push({
      id: r.id,
      stage: r.stage,
      matrix: marker?.entry.matrix ?? {},
      key: r.key!,
      outcome: r.outcome as StageRun['outcome'],
      seconds: Math.round(r.seconds * 100) / 100,
      produced_s: marker ? marker.entry.duration_s : null,
    });
  }
  return {
    schema_version: 1,
    name: o.name,
    // Millisecond precision: `exp show` orders records by it, and two quick runs (e.g. two
    // --stage featurize experiments) often finish within the same second.
    created_at: new Date().toISOString(),
    command: o.command,
    git,
    targets: o.targets ?? [],
    overrides: o.overrides.map((x) => ({ path: x.path, value: x.value, source: x.source })),
    params: pipeline.params,
    params_changed: paramChanges(defaults.params, pipeline.params),
    stages,
    artifacts: Object.fromEntries(stages.map((s) => [s.id, s.key])),
    metrics: await readEvaluateMetrics(o.root, stages),
    backend: await readBackend(o.root, stages),
    duration_s: Math.round(seconds * 100) / 100,
  };
}

async function readEvaluateMetrics(root: string, stages: StageRun[]): Promise<MetricsFile | null> {
  const ev = stages.find((s) => s.stage === EVALUATE_STAGE);
  if (!ev) return null;
  const path = join(artifactDir(root, ev.stage, ev.key), 'metrics.json');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new ExperimentError(`${path}: missing — the ${EVALUATE_STAGE} stage must write metrics.json`);
  }
  return parseMetrics(JSON.parse(text), path);
}

/** e.g. "wasm (2 threads)"; several values joined when folds differ; null without train. */
async function readBackend(root: string, stages: StageRun[]): Promise<string | null> {
  const names = new Set<string>();
  for (const s of stages.filter((x) => x.stage === TRAIN_STAGE)) {
    try {
      const meta = JSON.parse(await readFile(join(artifactDir(root, s.stage, s.key), 'meta.json'), 'utf8')) as { backend?: unknown; threads?: unknown };
      if (typeof meta.backend === 'string') names.add(`${meta.backend}${typeof meta.threads === 'number' ? ` (${meta.threads} thread${meta.threads === 1 ? '' : 's'})` : ''}`);
    } catch {
      // no meta.json: the backend stays unknown
    }
  }
  return names.size ? [...names].join(', ') : null;
}
