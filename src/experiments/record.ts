// Experiment records: one JSON file per named experiment, artifacts/experiments/<name>.json.
// A record says what ran (params in full and as a diff from pipeline.yaml, git commit),
// which artifact every stage instance used (its cache key: `ser gc` keeps those), what
// came out (metrics.json of the evaluate artifact, or null when the experiment stopped
// earlier) and how long it took. Records are validated on read, so a hand-edited or
// truncated file fails with its path and the field instead of a confusing table.
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { ARTIFACTS, KEY_RE } from '../pipeline/store.ts';
import { EXPERIMENTS_DIR } from '../pipeline/gc.ts';
import { parseMetrics, type MetricsFile } from '../metrics/schema.ts';
import type { ParamValue, Params } from '../pipeline/types.ts';

export const EXPERIMENT_SCHEMA_VERSION = 1;

/** The stage whose artifact holds metrics.json and predictions.parquet. */
export const EVALUATE_STAGE = 'evaluate';
/** The stage whose artifacts hold meta.json with the training backend. */
export const TRAIN_STAGE = 'train';

/** Letters, digits, '.', '_' and '-', starting with a letter or digit (it is a file name). */
export const EXPERIMENT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export interface GitInfo {
  commit: string;
  /** Tracked files differ from the commit (untracked files do not count). */
  dirty: boolean;
  branch: string | null;
}

export interface StageRun {
  /** Stage instance, e.g. `train[fold=2]`. */
  id: string;
  stage: string;
  matrix: Record<string, ParamValue>;
  key: string;
  /** ran = computed by this experiment; reused = taken from the artifact cache; fresh = the workspace's own (pipeline.lock) artifact. */
  outcome: 'ran' | 'reused' | 'fresh';
  /** Wall seconds this experiment spent on it (0 when reused). */
  seconds: number;
  /** Seconds the artifact took when it was produced (from its marker), whoever produced it. */
  produced_s: number | null;
}

export interface ParamChange {
  path: string;
  /** Value in pipeline.yaml (absent when the param is not in pipeline.yaml). */
  default?: ParamValue;
  /** Value in the experiment (absent when removed). */
  value?: ParamValue;
}

export interface ExperimentRecord {
  schema_version: 1;
  name: string;
  /** ISO timestamp of the end of the run. */
  created_at: string;
  command: string;
  git: GitInfo | null;
  /** Stages the experiment was run up to ([] = the whole pipeline). */
  targets: string[];
  overrides: { path: string; value: ParamValue; source: string }[];
  /** Every param as the experiment saw it (pipeline.yaml + overrides). */
  params: Params;
  /** Leaf-level differences from pipeline.yaml. */
  params_changed: ParamChange[];
  stages: StageRun[];
  /** Stage instance -> artifact key (the format `ser gc` reads). */
  artifacts: Record<string, string>;
  /** metrics.json of the evaluate artifact; null when the experiment did not reach evaluate. */
  metrics: MetricsFile | null;
  /** Training backend(s) from the train artifacts' meta.json, e.g. "wasm (2 threads)". */
  backend: string | null;
  /** Wall seconds of the whole `exp run`. */
  duration_s: number;
}

const paramValue: z.ZodType<ParamValue> = z.lazy(() => z.union([z.null(), z.boolean(), z.number(), z.string(), z.array(paramValue), z.record(z.string(), paramValue)]));

const RecordSchema = z.object({
  schema_version: z.literal(EXPERIMENT_SCHEMA_VERSION),
  name: z.string().regex(EXPERIMENT_NAME),
  created_at: z.string(),
  command: z.string(),
  git: z.object({ commit: z.string(), dirty: z.boolean(), branch: z.string().nullable() }).nullable(),
  targets: z.array(z.string()),
  overrides: z.array(z.object({ path: z.string(), value: paramValue, source: z.string() })),
  params: z.record(z.string(), paramValue),
  params_changed: z.array(z.object({ path: z.string(), default: paramValue.optional(), value: paramValue.optional() })),
  stages: z.array(
    z.object({
      id: z.string(),
      stage: z.string(),
      matrix: z.record(z.string(), paramValue),
      key: z.string().regex(KEY_RE, 'expected a 64-hex artifact key'),
      outcome: z.enum(['ran', 'reused', 'fresh']),
      seconds: z.number(),
      produced_s: z.number().nullable(),
    }),
  ),
  artifacts: z.record(z.string(), z.string().regex(KEY_RE, 'expected a 64-hex artifact key')),
  metrics: z.unknown(),
  backend: z.string().nullable(),
  duration_s: z.number(),
});

export function experimentsDir(root: string): string {
  return join(root, ARTIFACTS, EXPERIMENTS_DIR);
}

export function recordPath(root: string, name: string): string {
  return join(experimentsDir(root), `${name}.json`);
}

export function checkName(name: string): void {
  if (!EXPERIMENT_NAME.test(name)) {
    throw new ExperimentError(`invalid experiment name '${name}': use letters, digits, '.', '_' or '-' (at most 64, starting with a letter or digit), e.g. lr-0.0005`);
  }
}

/** A problem with experiments the user can fix (printed without a stack, exit 1). */
export class ExperimentError extends Error {}

/** Validate parsed JSON as an experiment record; errors name the file and field. */
export function parseRecord(json: unknown, source: string): ExperimentRecord {
  const r = RecordSchema.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new ExperimentError(`${source}: not a valid experiment record: field ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  const metrics = r.data.metrics === null || r.data.metrics === undefined ? null : parseMetrics(r.data.metrics, `${source} (metrics)`);
  return { ...(r.data as Omit<ExperimentRecord, 'metrics'>), metrics };
}

export function experimentExists(root: string, name: string): boolean {
  return existsSync(recordPath(root, name));
}

export async function loadExperiment(root: string, name: string): Promise<ExperimentRecord> {
  checkName(name);
  const path = recordPath(root, name);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    const known = await listExperimentNames(root);
    throw new ExperimentError(`no experiment '${name}' (${known.length ? `experiments: ${known.join(', ')}` : 'none recorded yet; run `npx ser exp run <name> --set k=v`'})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ExperimentError(`${path}: not valid JSON (${(err as Error).message})`);
  }
  return parseRecord(json, path);
}

export async function listExperimentNames(root: string): Promise<string[]> {
  try {
    return (await readdir(experimentsDir(root)))
      .filter((f) => f.endsWith('.json') && EXPERIMENT_NAME.test(f.slice(0, -5)))
      .map((f) => f.slice(0, -5))
      .sort();
  } catch {
    return [];
  }
}

/** Every record, oldest first; unreadable ones are reported, not fatal. */
export async function loadAllExperiments(root: string): Promise<{ records: ExperimentRecord[]; problems: string[] }> {
  const records: ExperimentRecord[] = [];
  const problems: string[] = [];
  for (const name of await listExperimentNames(root)) {
    try {
      records.push(await loadExperiment(root, name));
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  records.sort((a, b) => (a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : a.name < b.name ? -1 : 1));
  return { records, problems };
}

/** Write atomically. Refuses to replace an existing record unless `overwrite`. */
export async function saveExperiment(root: string, record: ExperimentRecord, overwrite: boolean): Promise<string> {
  checkName(record.name);
  const path = recordPath(root, record.name);
  if (!overwrite && existsSync(path)) throw new ExperimentError(existsMessage(record.name));
  await mkdir(experimentsDir(root), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(record, null, 2) + '\n');
  await rename(tmp, path);
  return path;
}

export function existsMessage(name: string): string {
  return `experiment '${name}' already exists (artifacts/experiments/${name}.json); choose another name, or pass --force to replace it`;
}

export async function removeExperiment(root: string, name: string): Promise<void> {
  checkName(name);
  const path = recordPath(root, name);
  if (!existsSync(path)) await loadExperiment(root, name); // throws the "no experiment" message
  await rm(path);
}
