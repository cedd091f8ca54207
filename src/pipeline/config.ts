// Loading and validating pipeline.yaml. Everything is checked before anything runs,
// and every problem is reported at once with file:line:column, the field, and what
// was expected: YAML syntax, schema (zod), unknown stage in deps, dependency cycles,
// unknown param references (in `params:` and in `${...}` interpolations), matrix
// values that are not lists, missing stage files.
//
// The YAML parser and zod are loaded only when pipeline.yaml changed since it was last
// validated (parsecache.ts), or when there is an error to locate: a no-op status
// should not pay ~270 ms of module loading.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, join, relative, resolve } from 'node:path';
import type { Document, LineCounter, Node as YamlNode } from 'yaml';
import type { ParamValue, Params } from './types.ts';
import { getParam, isPlainObject, setParam } from './params.ts';
import { getParsed, putParsed } from './parsecache.ts';

const require = createRequire(import.meta.url);
const yamlLib = (): typeof import('yaml') => require('yaml');
/** Bump when the schema below changes: invalidates cached validation results. */
const SCHEMA_VERSION = 'pipeline.yaml schema 1';

export const PIPELINE_FILE = 'pipeline.yaml';

/** Names a stage may not take: they are used by the store under artifacts/. */
const RESERVED_STAGE_NAMES = new Set(['experiments']);
const STAGE_NAME = /^[a-z][a-z0-9_-]*$/;

export interface DataDep {
  /** As written in pipeline.yaml, after ${} interpolation (project-relative or absolute). */
  path: string;
  /** Absolute path. */
  abs: string;
}

export interface StageSpec {
  name: string;
  /** Absolute path of the stage module. */
  file: string;
  /** Project-relative path of the stage module (posix separators). */
  relFile: string;
  deps: string[];
  data: DataDep[];
  /** Declared param prefixes. */
  params: string[];
  /** Matrix axes in declaration order; instances are their cartesian product. */
  matrix: { name: string; values: ParamValue[] }[];
  /** Cap on concurrently running instances of this stage (matrix instances). */
  maxParallel?: number;
}

export interface Pipeline {
  root: string;
  file: string;
  /** Params after --set / SER_SET overrides. */
  params: Params;
  /** Stages in a topological order (ties broken by order in pipeline.yaml). */
  stages: StageSpec[];
  byName: Map<string, StageSpec>;
  /** Warnings to show the user (e.g. a --set on a param no stage declares). */
  warnings: string[];
}

export interface Override {
  path: string;
  value: ParamValue;
  /** Where it came from, for messages: "--set" or "SER_SET". */
  source: string;
}

export interface ConfigProblem {
  file: string;
  line?: number;
  col?: number;
  field?: string;
  message: string;
}

export class PipelineConfigError extends Error {
  constructor(readonly problems: ConfigProblem[]) {
    // In file order, so the list reads top to bottom.
    problems = [...problems].sort((a, b) => (a.file === b.file ? (a.line ?? 0) - (b.line ?? 0) || (a.col ?? 0) - (b.col ?? 0) : 0));
    super(problems.map(formatProblem).join('\n'));
    this.problems = problems;
    this.name = 'PipelineConfigError';
  }
}

export function formatProblem(p: ConfigProblem): string {
  const where = p.line ? `${p.file}:${p.line}:${p.col ?? 1}` : p.file;
  return `${where}: ${p.field ? `${p.field}: ` : ''}${p.message}`;
}

// ---------------------------------------------------------------------------------
// Schema (zod)

function buildSchemas() {
  const { z } = require('zod') as typeof import('zod');
  const stageNameList = z.array(z.string({ error: 'expected a stage name (string)' }), { error: 'expected a list of stage names, e.g. [ingest]' });
  const stringList = (what: string) => z.array(z.string({ error: `expected ${what} (string)` }), { error: `expected a list of ${what}s` });
  const matrixValues = z.union([z.array(z.any()), z.string()], { error: "expected a list of values, or a '${param.path}' reference to a list" });
  const stageSchema = z.strictObject(
    {
      file: z.string({ error: 'expected a path to the stage module, e.g. stages/train.ts' }).optional(),
      deps: stageNameList.optional(),
      data: stringList('data path').optional(),
      params: stringList('param path').optional(),
      matrix: z.record(z.string(), matrixValues, { error: 'expected a mapping of axis name to list of values, e.g. { fold: [0, 1] }' }).optional(),
      max_parallel: z.number({ error: 'expected a positive integer' }).int({ error: 'expected a positive integer' }).min(1, { error: 'expected a positive integer' }).optional(),
    },
    { error: 'expected a mapping with some of: file, deps, data, params, matrix, max_parallel' },
  );
  return z.strictObject(
    {
      params: z.record(z.string(), z.any(), { error: 'expected a mapping of param names to values' }).nullish(),
      stages: z.record(z.string(), stageSchema.nullable(), { error: 'expected a mapping of stage names to stage entries' }).nullish(),
    },
    { error: 'expected a mapping with keys params and stages' },
  );
}

interface RawStage {
  file?: string;
  deps?: string[];
  data?: string[];
  params?: string[];
  matrix?: Record<string, unknown[] | string>;
  max_parallel?: number;
}

interface RawPipeline {
  params?: Params | null;
  stages?: Record<string, RawStage | null> | null;
}



// ---------------------------------------------------------------------------------
// Positions

class Locator {
  constructor(
    private readonly doc: Document,
    private readonly lc: LineCounter,
    readonly file: string,
  ) {}

  static parse(text: string, file: string): { loc: Locator; doc: Document; lc: LineCounter } {
    const { LineCounter, parseDocument } = yamlLib();
    const lc = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
    return { loc: new Locator(doc, lc, file), doc, lc };
  }

  /** Problem located at the node for `path` (or its closest existing ancestor). */
  at(path: (string | number)[], message: string, opts: { keyOf?: boolean } = {}): ConfigProblem {
    let node: YamlNode | undefined;
    let keyNode: YamlNode | undefined;
    for (let n = path.length; n >= 0 && !node; n--) {
      const p = path.slice(0, n);
      node = (p.length ? this.doc.getIn(p, true) : this.doc.contents) as YamlNode | undefined;
      if (node && opts.keyOf && n === path.length && n > 0) keyNode = this.keyNode(p);
    }
    const target = keyNode ?? node;
    const pos = target?.range ? this.lc.linePos(target.range[0]) : undefined;
    return { file: this.file, line: pos?.line, col: pos?.col, field: formatPath(path), message };
  }

  /** The key node of the map entry at `path` (to point at `dep:` rather than its value). */
  private keyNode(path: (string | number)[]): YamlNode | undefined {
    const { isMap, isScalar } = yamlLib();
    const parent = path.length > 1 ? this.doc.getIn(path.slice(0, -1), true) : this.doc.contents;
    if (!isMap(parent)) return undefined;
    const last = path[path.length - 1];
    const pair = parent.items.find((it) => isScalar(it.key) && it.key.value === last);
    return pair?.key as YamlNode | undefined;
  }
}

export function formatPath(path: (string | number)[]): string {
  let s = '';
  for (const seg of path) s += typeof seg === 'number' ? `[${seg}]` : s ? `.${seg}` : seg;
  return s;
}

// ---------------------------------------------------------------------------------
// Interpolation: `${a.b}` in data paths and matrix values.

const REF = /\$\{([^}]*)\}/g;

function interpolate(
  text: string,
  params: Params,
  fail: (msg: string) => void,
): ParamValue | undefined {
  const whole = /^\$\{([^}]*)\}$/.exec(text);
  if (whole) {
    const v = getParam(params, whole[1].trim());
    if (v === undefined) fail(`unknown param reference '\${${whole[1]}}' — no param '${whole[1].trim()}' under params:`);
    return v;
  }
  let ok = true;
  const out = text.replace(REF, (_m, ref: string) => {
    const v = getParam(params, ref.trim());
    if (v === undefined) {
      fail(`unknown param reference '\${${ref}}' — no param '${ref.trim()}' under params:`);
      ok = false;
      return '';
    }
    if (typeof v === 'object' && v !== null) {
      fail(`'\${${ref}}' is a ${Array.isArray(v) ? 'list' : 'mapping'} and cannot be embedded in the string '${text}'`);
      ok = false;
      return '';
    }
    return String(v);
  });
  return ok ? out : undefined;
}

// ---------------------------------------------------------------------------------

/** Parse `k=v` (value as YAML: numbers, booleans, lists…). */
export function parseOverride(text: string, source: string): Override {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new PipelineConfigError([{ file: source, message: `expected key=value (e.g. train.lr=0.0005), got '${text}'` }]);
  const path = text.slice(0, eq).trim();
  const raw = text.slice(eq + 1);
  const doc = yamlLib().parseDocument(raw);
  if (doc.errors.length) throw new PipelineConfigError([{ file: source, field: path, message: `value '${raw}' is not valid YAML: ${doc.errors[0].message}` }]);
  return { path, value: (doc.toJS() ?? null) as ParamValue, source };
}

/** Overrides from env SER_SET="k=v;k2=v2". */
export function envOverrides(env: NodeJS.ProcessEnv = process.env): Override[] {
  const raw = env.SER_SET?.trim();
  if (!raw) return [];
  return raw
    .split(';')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => parseOverride(s, 'SER_SET'));
}

/** Walk up from `start` to the directory holding pipeline.yaml. */
export function findRoot(start: string = process.cwd()): string {
  let dir = resolve(start);
  for (;;) {
    if (existsSync(join(dir, PIPELINE_FILE))) return dir;
    const up = resolve(dir, '..');
    if (up === dir) throw new PipelineConfigError([{ file: PIPELINE_FILE, message: `not found in ${resolve(start)} or any parent directory` }]);
    dir = up;
  }
}

export interface LoadOptions {
  overrides?: Override[];
  /** Skip the stage-file existence check (not used by the CLI). */
  skipFileCheck?: boolean;
}

/** Load, override and validate pipeline.yaml of `root`. Throws PipelineConfigError. */
export function loadPipeline(root: string, opts: LoadOptions = {}): Pipeline {
  const file = join(root, PIPELINE_FILE);
  const display = relative(process.cwd(), file) || PIPELINE_FILE;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new PipelineConfigError([{ file: display, message: `cannot read: ${(err as Error).message}` }]);
  }
  let loc: Locator | undefined;
  const locator = (): Locator => (loc ??= Locator.parse(text, display).loc);
  let raw = getParsed<RawPipeline>(root, SCHEMA_VERSION, text);
  if (!raw) {
    const { doc, lc } = Locator.parse(text, display);
    loc = new Locator(doc, lc, display);
    if (doc.errors.length) {
      throw new PipelineConfigError(
        doc.errors.map((e) => {
          const pos = lc.linePos(e.pos[0]);
          return { file: display, line: pos.line, col: pos.col, message: `YAML syntax error: ${e.message.split('\n')[0]}` };
        }),
      );
    }
    const parsed = buildSchemas().safeParse(doc.toJS() ?? {});
    if (!parsed.success) {
      const l = loc;
      throw new PipelineConfigError(
        parsed.error.issues.map((issue) => {
          const path = issue.path as (string | number)[];
          if (issue.code === 'unrecognized_keys') {
            const keys = (issue as { keys: string[] }).keys;
            const expected = path.length === 0 ? 'params, stages' : 'file, deps, data, params, matrix, max_parallel';
            return l.at([...path, keys[0]], `unknown key${keys.length > 1 ? 's' : ''} ${keys.map((k) => `'${k}'`).join(', ')} (expected one of: ${expected})`, { keyOf: true });
          }
          return l.at(path, issue.message);
        }),
      );
    }
    raw = parsed.data as RawPipeline;
    putParsed(root, SCHEMA_VERSION, text, raw);
  }

  const problems: ConfigProblem[] = [];
  const warnings: string[] = [];
  const params: Params = structuredClone((raw.params ?? {}) as Params);
  for (const o of opts.overrides ?? []) {
    try {
      if (getParam(params, o.path) === undefined) warnings.push(`${o.source} ${o.path}: not a param in pipeline.yaml; adding it`);
      setParam(params, o.path, o.value);
    } catch (err) {
      problems.push({ file: o.source, field: o.path, message: (err as Error).message });
    }
  }

  const rawStages = (raw.stages ?? {}) as Record<string, RawStage | null>;
  const names = Object.keys(rawStages);
  const specs: StageSpec[] = [];
  for (const name of names) {
    const s = rawStages[name] ?? {};
    const at = (path: (string | number)[], msg: string, o?: { keyOf?: boolean }) => problems.push(locator().at(['stages', name, ...path], msg, o));
    if (!STAGE_NAME.test(name)) at([], `invalid stage name '${name}': expected lowercase letters, digits, '-' or '_', starting with a letter`, { keyOf: true });
    if (RESERVED_STAGE_NAMES.has(name)) at([], `stage name '${name}' is reserved (artifacts/${name}/ is used by the tool)`, { keyOf: true });

    const relFileRaw = s.file ?? `stages/${name}.ts`;
    const abs = isAbsolute(relFileRaw) ? relFileRaw : resolve(root, relFileRaw);
    if (!opts.skipFileCheck && !existsSync(abs)) {
      at(s.file ? ['file'] : [], `stage file ${relFileRaw} does not exist${s.file ? '' : ` (file: defaults to stages/${name}.ts)`}`, { keyOf: !s.file });
    }

    const deps = s.deps ?? [];
    deps.forEach((d, i) => {
      if (!Object.hasOwn(rawStages, d)) at(['deps', i], `unknown stage '${d}' (expected one of: ${names.filter((n) => n !== name).join(', ') || 'no other stages defined'})`);
      else if (d === name) at(['deps', i], `stage '${name}' depends on itself`);
    });
    if (new Set(deps).size !== deps.length) at(['deps'], 'duplicate stage in deps');

    const declared = s.params ?? [];
    declared.forEach((p, i) => {
      if (!p || getParam(params, p) === undefined) at(['params', i], `unknown param reference '${p}' — no such key under params: (expected a dotted path such as ${suggestParams(params)})`);
    });

    const data: DataDep[] = [];
    (s.data ?? []).forEach((d, i) => {
      const v = interpolate(d, params, (m) => at(['data', i], m));
      if (v === undefined) return;
      const list = Array.isArray(v) ? v : [v];
      for (const item of list) {
        if (typeof item !== 'string' || item === '') {
          at(['data', i], `expected a path (string), got ${JSON.stringify(item)}`);
          continue;
        }
        data.push({ path: item, abs: isAbsolute(item) ? item : resolve(root, item) });
      }
    });

    const matrix: StageSpec['matrix'] = [];
    for (const [axis, values] of Object.entries(s.matrix ?? {})) {
      if (!STAGE_NAME.test(axis)) at(['matrix', axis], `invalid matrix axis name '${axis}'`, { keyOf: true });
      const v = typeof values === 'string' ? interpolate(values, params, (m) => at(['matrix', axis], m)) : values;
      if (v === undefined) continue;
      if (!Array.isArray(v) || v.length === 0) {
        at(['matrix', axis], `expected a non-empty list of values, got ${JSON.stringify(v)}${typeof values === 'string' ? ` (from '${values}')` : ''}`);
        continue;
      }
      const bad = v.find((x) => typeof x === 'object' && x !== null);
      if (bad !== undefined) {
        at(['matrix', axis], `matrix values must be scalars (numbers, strings, booleans), got ${JSON.stringify(bad)}`);
        continue;
      }
      if (new Set(v.map((x) => JSON.stringify(x))).size !== v.length) at(['matrix', axis], `duplicate values in ${JSON.stringify(v)}`);
      matrix.push({ name: axis, values: v as ParamValue[] });
    }

    specs.push({
      name,
      file: abs,
      relFile: relative(root, abs).split('\\').join('/'),
      deps,
      data,
      params: declared,
      matrix,
      maxParallel: s.max_parallel,
    });
  }

  // Warn about overrides no stage reads (typos in --set).
  for (const o of opts.overrides ?? []) {
    const used = specs.some((s) => s.params.some((p) => o.path === p || o.path.startsWith(p + '.') || p.startsWith(o.path + '.')));
    if (!used && specs.length) warnings.push(`${o.source} ${o.path}: no stage declares this param, so it changes nothing`);
  }

  if (!problems.length) {
    const cycle = findCycle(specs);
    if (cycle) {
      const [a, b] = cycle;
      const i = specs.find((s) => s.name === a)!.deps.indexOf(b);
      problems.push(locator().at(['stages', a, 'deps', i], `dependency cycle: ${cycle.join(' → ')}`));
    }
  }
  if (problems.length) throw new PipelineConfigError(problems);

  const stages = topoSort(specs);
  return { root, file, params, stages, byName: new Map(stages.map((s) => [s.name, s])), warnings };
}

function suggestParams(params: Params): string {
  const keys = Object.keys(params);
  return keys.length ? keys.slice(0, 4).join(', ') : '(no params defined)';
}

/** A cycle as [a, b, …, a] following deps edges, or undefined. */
export function findCycle(specs: StageSpec[]): string[] | undefined {
  const by = new Map(specs.map((s) => [s.name, s]));
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (n: string): string[] | undefined => {
    state.set(n, 'visiting');
    stack.push(n);
    for (const d of by.get(n)?.deps ?? []) {
      if (state.get(d) === 'visiting') return [...stack.slice(stack.indexOf(d)), d];
      if (!state.has(d)) {
        const c = visit(d);
        if (c) return c;
      }
    }
    stack.pop();
    state.set(n, 'done');
    return undefined;
  };
  for (const s of specs) {
    if (!state.has(s.name)) {
      const c = visit(s.name);
      if (c) return c;
    }
  }
  return undefined;
}

/** Kahn's algorithm, stable with respect to declaration order. */
function topoSort(specs: StageSpec[]): StageSpec[] {
  const done = new Set<string>();
  const out: StageSpec[] = [];
  while (out.length < specs.length) {
    const next = specs.find((s) => !done.has(s.name) && s.deps.every((d) => done.has(d)));
    if (!next) throw new Error('internal: cycle not caught by validation');
    done.add(next.name);
    out.push(next);
  }
  return out;
}

// ---------------------------------------------------------------------------------
// Instances (matrix expansion) and selection

export interface Instance {
  /** `train` or `train[fold=2]`. */
  id: string;
  stage: StageSpec;
  matrix: Record<string, ParamValue>;
}

export function instanceId(stage: string, matrix: Record<string, ParamValue>): string {
  const parts = Object.entries(matrix).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  return parts.length ? `${stage}[${parts.join(',')}]` : stage;
}

export function expandInstances(stage: StageSpec): Instance[] {
  let combos: Record<string, ParamValue>[] = [{}];
  for (const axis of stage.matrix) combos = combos.flatMap((c) => axis.values.map((v) => ({ ...c, [axis.name]: v })));
  return combos.map((m) => ({ id: instanceId(stage.name, m), stage, matrix: m }));
}

/** `targets` and all their upstream stages, in topological order. */
export function upstreamClosure(p: Pipeline, targets: string[]): StageSpec[] {
  const need = new Set<string>();
  const add = (n: string) => {
    if (need.has(n)) return;
    need.add(n);
    for (const d of p.byName.get(n)!.deps) add(d);
  };
  for (const t of targets) add(t);
  return p.stages.filter((s) => need.has(s.name));
}

/** Throws a clear error for a stage name that is not in pipeline.yaml. */
export function checkStageNames(p: Pipeline, names: string[]): void {
  for (const n of names) {
    if (!p.byName.has(n)) {
      const known = p.stages.map((s) => s.name);
      throw new PipelineConfigError([{ file: relative(process.cwd(), p.file) || PIPELINE_FILE, message: `no stage '${n}' (stages: ${known.join(', ') || 'none defined'})` }]);
    }
  }
}

export { isPlainObject };
