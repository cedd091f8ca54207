// Params: dotted paths into the `params:` tree of pipeline.yaml, the values a stage
// declares (by prefix: `audio` covers audio.*), their canonical JSON for the cache key,
// and the read-only view a stage's run() gets, which throws on undeclared params.
import type { ParamValue, Params } from './types.ts';

export type Path = string[];

export function splitPath(dotted: string): Path {
  return dotted.split('.');
}

export function isPlainObject(x: unknown): x is { [key: string]: ParamValue } {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Value at a dotted path, or undefined when any segment is missing. */
export function getParam(params: Params, dotted: string): ParamValue | undefined {
  let cur: ParamValue | undefined = params;
  for (const seg of splitPath(dotted)) {
    if (!isPlainObject(cur) || !Object.hasOwn(cur, seg)) return undefined;
    cur = cur[seg];
  }
  return cur;
}

/** Set a value at a dotted path, creating objects on the way (for --set). */
export function setParam(params: Params, dotted: string, value: ParamValue): void {
  const segs = splitPath(dotted);
  let cur: { [key: string]: ParamValue } = params;
  for (let i = 0; i < segs.length - 1; i++) {
    const next = cur[segs[i]];
    if (!isPlainObject(next)) {
      if (next !== undefined) throw new Error(`cannot set ${dotted}: ${segs.slice(0, i + 1).join('.')} is ${JSON.stringify(next)}, not a mapping`);
      cur[segs[i]] = {};
    }
    cur = cur[segs[i]] as { [key: string]: ParamValue };
  }
  cur[segs[segs.length - 1]] = value;
}

/** JSON with object keys sorted at every level: equal values, equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value === 'object' && value !== null && !ArrayBuffer.isView(value)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) out[k] = sortKeys((value as Record<string, unknown>)[k]);
    return out;
  }
  return value;
}

/**
 * The declared params' values as a flat map `declared path -> value`, e.g.
 * { "train": {...}, "seed": 0 }. This, in canonical JSON, is what enters the key.
 * Overlapping declarations (`train` and `train.lr`) are reduced to the shortest.
 */
export function declaredValues(params: Params, declared: readonly string[]): Record<string, ParamValue> {
  const out: Record<string, ParamValue> = {};
  for (const p of normalizeDeclared(declared)) {
    const v = getParam(params, p);
    if (v === undefined) throw new Error(`param '${p}' is not defined in pipeline.yaml`);
    out[p] = structuredClone(v);
  }
  return out;
}

/** Sorted, without paths covered by a shorter declared prefix. */
export function normalizeDeclared(declared: readonly string[]): string[] {
  const sorted = [...new Set(declared)].sort();
  return sorted.filter((p) => !sorted.some((q) => q !== p && p.startsWith(q + '.')));
}

/** Leaf-level differences between two param trees, as `path old → new` strings. */
export function diffParams(before: unknown, after: unknown, prefix = ''): { path: string; before: unknown; after: unknown }[] {
  if (canonicalJson(before) === canonicalJson(after)) return [];
  if (isPlainObject(before as ParamValue) && isPlainObject(after as ParamValue)) {
    const b = before as Record<string, unknown>;
    const a = after as Record<string, unknown>;
    const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])].sort();
    return keys.flatMap((k) => diffParams(b[k], a[k], prefix ? `${prefix}.${k}` : k));
  }
  return [{ path: prefix, before, after }];
}

function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

// Property names that generic code probes on any object (JSON.stringify, await,
// console.log, vitest's matchers): answering undefined instead of throwing keeps
// `JSON.stringify(ctx.params)` and `expect(ctx.params)` working.
const PROBES = new Set(['toJSON', 'then', 'constructor', 'asymmetricMatch', '$$typeof', 'nodeType', 'inspect', '@@__IMMUTABLE_ITERABLE__@@', '@@__IMMUTABLE_RECORD__@@', '_isMockFunction']);

/**
 * Read-only view of `params` in which only the `declared` paths (and everything under
 * them) are visible. Reading any other param throws an Error that says which stage
 * read what and how to declare it; writing throws too.
 */
export function declaredParamsView(params: Params, declared: readonly string[], stage: string): Readonly<Params> {
  const decl = normalizeDeclared(declared);
  const build = (node: Params, prefix: string): Params => {
    const target: Params = {};
    for (const key of Object.keys(node)) {
      const path = prefix ? `${prefix}.${key}` : key;
      if (decl.includes(path) || decl.some((d) => path.startsWith(d + '.'))) target[key] = deepFreeze(structuredClone(node[key]));
      else if (decl.some((d) => d.startsWith(path + '.')) && isPlainObject(node[key])) target[key] = build(node[key] as Params, path);
    }
    return new Proxy(target, {
      get(t, key, receiver) {
        if (typeof key === 'symbol' || Object.hasOwn(t, key)) return Reflect.get(t, key, receiver);
        if (PROBES.has(key)) return undefined;
        const path = prefix ? `${prefix}.${key}` : key;
        // A declared path that pipeline.yaml does not define reads as undefined.
        if (decl.includes(path)) return undefined;
        throw new Error(
          `stage '${stage}' read param '${path}', which it does not declare: add it to stages.${stage}.params in pipeline.yaml ` +
            `(declared: ${decl.join(', ') || 'none'}). Undeclared params are not part of the cache key, so reading them is refused.`,
        );
      },
      set(_t, key) {
        throw new Error(`stage '${stage}' tried to set param '${String(key)}': ctx.params is read-only`);
      },
      defineProperty(_t, key) {
        throw new Error(`stage '${stage}' tried to define param '${String(key)}': ctx.params is read-only`);
      },
      deleteProperty(_t, key) {
        throw new Error(`stage '${stage}' tried to delete param '${String(key)}': ctx.params is read-only`);
      },
    });
  };
  return build(params, '');
}
