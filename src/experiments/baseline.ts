// A baseline is an experiment frozen into one committed file (metrics/baseline.json)
// that CI diffs a fresh run against. It holds the full metrics.json AND each test clip's
// true and predicted class, so `ser exp diff --baseline` can run the paired tests
// (McNemar, actor bootstrap) without the baseline's artifacts, and can check that the
// run used the same test clips. ~40 bytes per clip: small enough to commit and review.
//
//   { "schema": "ser-baseline", "schema_version": 1, "name", "created_at", "git",
//     "backend", "params_changed", "params", "artifacts", "metrics": {…metrics.json…},
//     "clips": { "columns": ["id","fold","actor","gender","true","pred"], "rows": [[…], …] } }
//
// A plain metrics.json is accepted as a baseline too (metric deltas and --fail-if
// work; significance needs the clips, and the test-set check falls back to comparing
// clip counts per fold and actor).
import { readFile, writeFile, mkdir, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { parseMetrics, type MetricsFile } from '../metrics/schema.ts';
import type { Params } from '../pipeline/types.ts';
import { ExperimentError, type ExperimentRecord, type GitInfo, type ParamChange } from './record.ts';
import type { ClipOutcome } from './paired.ts';

export const BASELINE_SCHEMA = 'ser-baseline';
export const BASELINE_SCHEMA_VERSION = 1;
const CLIP_COLUMNS = ['id', 'fold', 'actor', 'gender', 'true', 'pred'] as const;

export interface BaselineFile {
  schema: typeof BASELINE_SCHEMA;
  schema_version: 1;
  name: string;
  created_at: string;
  git: GitInfo | null;
  backend: string | null;
  params_changed: ParamChange[];
  params: Params;
  artifacts: Record<string, string>;
  metrics: MetricsFile;
  clips: { columns: string[]; rows: [string, number, number, string, number, number][] } | null;
}

export interface LoadedBaseline {
  path: string;
  kind: 'baseline' | 'metrics';
  name: string;
  created_at: string | null;
  git: GitInfo | null;
  backend: string | null;
  params: Params | null;
  params_changed: ParamChange[] | null;
  artifacts: Record<string, string> | null;
  metrics: MetricsFile;
  clips: ClipOutcome[] | null;
}

export function makeBaseline(record: ExperimentRecord, clips: readonly ClipOutcome[] | null): BaselineFile {
  if (!record.metrics) throw new ExperimentError(`experiment '${record.name}' has no metrics (it stopped before the evaluate stage), so it cannot be a baseline`);
  return {
    schema: BASELINE_SCHEMA,
    schema_version: BASELINE_SCHEMA_VERSION,
    name: record.name,
    created_at: record.created_at,
    git: record.git,
    backend: record.backend,
    params_changed: record.params_changed,
    params: record.params,
    artifacts: record.artifacts,
    metrics: record.metrics,
    clips: clips
      ? { columns: [...CLIP_COLUMNS], rows: [...clips].sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : x.fold - y.fold)).map((c) => [c.id, c.fold, c.actor, c.gender, c.true, c.pred]) }
      : null,
  };
}

/**
 * Indented JSON in which every array of plain values (a clip row, a confusion-matrix
 * row, a list of actors) stays on one line: compact, and a baseline update shows up in
 * `git diff` as a few changed lines (one clip per line).
 */
export function compactJson(v: unknown, indent = ''): string {
  const flat = (x: unknown) => x === null || typeof x !== 'object';
  if (Array.isArray(v)) {
    if (v.every(flat)) return JSON.stringify(v);
    const inner = indent + '  ';
    return `[\n${v.map((x) => inner + compactJson(x, inner)).join(',\n')}\n${indent}]`;
  }
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v).filter(([, x]) => x !== undefined);
    if (!entries.length) return '{}';
    const inner = indent + '  ';
    return `{\n${entries.map(([k, x]) => `${inner}${JSON.stringify(k)}: ${compactJson(x, inner)}`).join(',\n')}\n${indent}}`;
  }
  return JSON.stringify(v);
}

export function formatBaseline(b: BaselineFile): string {
  return compactJson(b) + '\n';
}

export async function writeBaseline(path: string, b: BaselineFile): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, formatBaseline(b));
  await rename(tmp, path);
}

const ClipsSchema = z.object({
  columns: z.array(z.string()),
  rows: z.array(z.tuple([z.string(), z.number().int(), z.number().int(), z.enum(['female', 'male']), z.number().int(), z.number().int()])),
});

/** Read a baseline file, or a plain metrics.json. Errors name the file and the field. */
export async function loadBaseline(file: string, path = file): Promise<LoadedBaseline> {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new ExperimentError(`--baseline ${path}: ${e.code === 'ENOENT' ? 'no such file (create it with `npx ser exp export <experiment> --out ' + path + '`)' : `not valid JSON (${e.message})`}`);
  }
  if (json && typeof json === 'object' && json.schema === BASELINE_SCHEMA) {
    if (json.schema_version !== BASELINE_SCHEMA_VERSION) throw new ExperimentError(`${path}: baseline schema_version ${JSON.stringify(json.schema_version)}; this code reads ${BASELINE_SCHEMA_VERSION} (re-export it with \`npx ser exp export\`)`);
    let metrics: MetricsFile;
    try {
      metrics = parseMetrics(json.metrics, `${path} (metrics)`);
    } catch (err) {
      throw new ExperimentError((err as Error).message);
    }
    let clips: ClipOutcome[] | null = null;
    if (json.clips !== null && json.clips !== undefined) {
      const c = ClipsSchema.safeParse(json.clips);
      if (!c.success) {
        const issue = c.error.issues[0];
        throw new ExperimentError(`${path}: field clips.${issue.path.join('.')}: ${issue.message} (expected rows of [id, fold, actor, gender, true, pred])`);
      }
      if (c.data.columns.join(',') !== CLIP_COLUMNS.join(',')) throw new ExperimentError(`${path}: clips.columns must be ${JSON.stringify(CLIP_COLUMNS)}, got ${JSON.stringify(c.data.columns)}`);
      clips = c.data.rows.map(([id, fold, actor, gender, t, p]) => ({ id, fold, actor, gender, true: t, pred: p }));
    }
    const str = (v: unknown) => (typeof v === 'string' ? v : null);
    return {
      path,
      kind: 'baseline',
      name: str(json.name) ?? 'baseline',
      created_at: str(json.created_at),
      git: (json.git as GitInfo | null) ?? null,
      backend: str(json.backend),
      params: (json.params as Params) ?? null,
      params_changed: (json.params_changed as ParamChange[]) ?? null,
      artifacts: (json.artifacts as Record<string, string>) ?? null,
      metrics,
      clips,
    };
  }
  if (json && typeof json === 'object' && 'schema_version' in json && 'labels' in json) {
    let metrics: MetricsFile;
    try {
      metrics = parseMetrics(json, path);
    } catch (err) {
      throw new ExperimentError((err as Error).message);
    }
    return { path, kind: 'metrics', name: 'baseline', created_at: null, git: null, backend: null, params: null, params_changed: null, artifacts: null, metrics, clips: null };
  }
  throw new ExperimentError(`--baseline ${path}: neither a baseline (made by \`npx ser exp export\`, "schema": "${BASELINE_SCHEMA}") nor a metrics.json (no "schema_version"/"labels")`);
}
